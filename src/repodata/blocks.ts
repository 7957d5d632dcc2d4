/**
 * The previous generation's metadata as raw per-package XML blocks, for --update: an unchanged
 * package's <package>…</package> text is copied verbatim instead of being parsed into a record
 * and rendered again. Splitting on the package elements is sound for this metadata: in
 * well-formed XML without CDATA (neither we nor createrepo_c write any), "<" inside text is
 * always escaped, so "<package " and "</package>" only ever occur as markup.
 */
import { StringDecoder } from 'node:string_decoder';
import { decompressedChunks } from './decompress.js';
import { decodeEntities } from './xml-scan.js';

const OPEN = '<package ';
const CLOSE = '</package>';
const NEWLINE = 0x0a;

/**
 * The <package …>…</package> elements of a primary/filelists/other file, in document order, each
 * with a trailing newline; yielded in batches (one per decompressed chunk) to keep the per-package
 * cost of --update to a few string operations.
 */
export async function* packageBlocks(path: string): AsyncGenerator<string[]> {
  // StringDecoder keeps a character cut by a chunk boundary for the next chunk and decodes faster
  // than TextDecoder; bytes that are not UTF-8 come out as U+FFFD, which ends reuse there (as does
  // a real U+FFFD in the metadata: the packages from there on are then simply read)
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  for await (const chunk of decompressedChunks(path)) {
    const text = decoder.write(chunk as Buffer);
    if (text.includes('\uFFFD')) throw new Error(`${path}: not UTF-8`);
    buffer += text;
    let from = 0;
    const batch: string[] = [];
    for (;;) {
      const start = buffer.indexOf(OPEN, from);
      if (start < 0) break;
      const end = buffer.indexOf(CLOSE, start);
      // complete once the character after it is there too: its newline, taken with it when present
      // (a slice, where appending one would make a copy of every block)
      if (end < 0 || end + CLOSE.length >= buffer.length) {
        from = start;
        break;
      }
      const after = end + CLOSE.length;
      batch.push(
        buffer.charCodeAt(after) === NEWLINE ? buffer.slice(start, after + 1) : buffer.slice(start, after) + '\n',
      );
      from = after;
    }
    buffer = buffer.slice(from);
    if (batch.length > 0) yield batch;
  }
}

export interface PrimaryBlockFacts {
  pkgId: string;
  href: string;
  sizePackage: number;
  timeFile: number;
}

const CHECKSUM = '<checksum type="sha256" pkgid="YES">';
const CHECKSUM_END = '</checksum>';
const LOCATION = '<location href="';
const SIZE = '<size package="';
const TIME = '<time file="';
const PKGID_ATTR = '<package pkgid="';
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DIGITS = /^\d+$/;
const LOCATION_CLOSE = /^\s*\/>/;

/** The text of attribute `prefix` (which ends with its opening quote) up to the closing quote; undefined when absent. */
function quoted(block: string, prefix: string): { value: string; end: number } | undefined {
  const at = block.indexOf(prefix);
  if (at < 0) return undefined;
  const start = at + prefix.length;
  const end = block.indexOf('"', start);
  return end < 0 ? undefined : { value: block.slice(start, end), end: end + 1 };
}

function count(block: string, prefix: string): number | undefined {
  const text = quoted(block, prefix)?.value;
  return text !== undefined && DIGITS.test(text) ? Number(text) : undefined;
}

/**
 * What --update compares, from one primary block; undefined when the block is not in the expected
 * shape. Plain string searches: they cost a third of what regular expressions over each block did.
 */
export function primaryBlockFacts(block: string): PrimaryBlockFacts | undefined {
  const checksum = block.indexOf(CHECKSUM);
  if (checksum < 0) return undefined;
  const digest = checksum + CHECKSUM.length;
  const pkgId = block.slice(digest, digest + 64);
  if (!block.startsWith(CHECKSUM_END, digest + 64) || !SHA256_HEX.test(pkgId)) return undefined;
  const location = quoted(block, LOCATION);
  if (!location || !LOCATION_CLOSE.test(block.slice(location.end, location.end + 16))) return undefined;
  const sizePackage = count(block, SIZE);
  const timeFile = count(block, TIME);
  if (sizePackage === undefined || timeFile === undefined) return undefined;
  let href: string;
  try {
    href = decodeEntities(location.value);
  } catch {
    return undefined;
  }
  return { pkgId, href, sizePackage, timeFile };
}

/** The pkgid attribute of a filelists/other block. */
export function blockPkgId(block: string): string | undefined {
  const end = PKGID_ATTR.length + 64;
  if (!block.startsWith(PKGID_ATTR) || block.charCodeAt(end) !== 0x22) return undefined;
  const pkgId = block.slice(PKGID_ATTR.length, end);
  return SHA256_HEX.test(pkgId) ? pkgId : undefined;
}
