/**
 * The previous generation's metadata as raw per-package XML blocks, for --update: an unchanged
 * package's <package>…</package> text is copied verbatim instead of being parsed into a record
 * and rendered again. Splitting on the package elements is sound for this metadata: in
 * well-formed XML without CDATA (neither we nor createrepo_c write any), "<" inside text is
 * always escaped, so "<package " and "</package>" only ever occur as markup.
 */
import { decompressedChunks } from './decompress.js';

const OPEN = '<package ';
const CLOSE = '</package>';

/**
 * The <package …>…</package> elements of a primary/filelists/other file, in document order, each
 * with a trailing newline; yielded in batches (one per decompressed chunk) to keep the per-package
 * cost of --update to a few string operations.
 */
export async function* packageBlocks(path: string): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let buffer = '';
  for await (const chunk of decompressedChunks(path)) {
    buffer += decoder.decode(chunk, { stream: true });
    let from = 0;
    const batch: string[] = [];
    for (;;) {
      const start = buffer.indexOf(OPEN, from);
      if (start < 0) break;
      const end = buffer.indexOf(CLOSE, start);
      if (end < 0) {
        from = start;
        break;
      }
      batch.push(buffer.slice(start, end + CLOSE.length) + '\n');
      from = end + CLOSE.length;
    }
    buffer = buffer.slice(from);
    if (batch.length > 0) yield batch;
  }
  buffer += decoder.decode();
}

function unescapeAttr(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    switch (e) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

export interface PrimaryBlockFacts {
  pkgId: string;
  href: string;
  sizePackage: number;
  timeFile: number;
}

const CHECKSUM = /<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>/;
const LOCATION = /<location href="([^"]*)"\s*\/>/;
const SIZE = /<size package="(\d+)"/;
const TIME = /<time file="(\d+)"/;
const PKGID_ATTR = /^<package pkgid="([0-9a-f]{64})"/;

/** What --update compares, from one primary block; undefined when the block is not in the expected shape. */
export function primaryBlockFacts(block: string): PrimaryBlockFacts | undefined {
  const checksum = CHECKSUM.exec(block);
  const location = LOCATION.exec(block);
  const size = SIZE.exec(block);
  const time = TIME.exec(block);
  if (!checksum || !location || !size || !time) return undefined;
  return { pkgId: checksum[1]!, href: unescapeAttr(location[1]!), sizePackage: Number(size[1]), timeFile: Number(time[1]) };
}

/** The pkgid attribute of a filelists/other block. */
export function blockPkgId(block: string): string | undefined {
  return PKGID_ATTR.exec(block)?.[1];
}
