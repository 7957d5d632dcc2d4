/**
 * Reading a layer zip for `yumda check`: extract it (symlinks as symlinks, modes kept) into a
 * scratch directory so the directory checks apply unchanged, and look at how it was made: zips
 * made without `zip -y` store a symlink as a copy of its target, and some tools store it as a
 * small text file holding the target — on Lambda the loader then reads a text file as a library.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import yauzl from 'yauzl';
import { YumdaError } from '../util/errors.js';
import type { Finding } from './report.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const SMALL_FILE = 1024;

export interface ZipEntryInfo {
  name: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  crc32: number;
  target?: string;
  /** Content of small regular files (≤ 1 KB), to recognise symlinks stored as text. */
  small?: Buffer;
}

export interface ExtractedZip {
  zippedBytes: number;
  entries: ZipEntryInfo[];
}

function entryMode(entry: yauzl.Entry): number {
  const madeByUnix = entry.versionMadeBy >> 8 === 3;
  return madeByUnix ? entry.externalFileAttributes >>> 16 : 0;
}

/** Extracts `zipPath` into `dest` (which must exist and be empty). Symlinks are created last, so no file is written through one. */
export async function extractLayerZip(zipPath: string, dest: string): Promise<ExtractedZip> {
  const zippedBytes = (await stat(zipPath)).size;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, strictFileNames: true });
  } catch (e) {
    throw new YumdaError('ZIP_INVALID', `${zipPath} is not a readable zip: ${(e as Error).message}`);
  }
  const entries: ZipEntryInfo[] = [];
  const links: { path: string; target: string }[] = [];
  try {
    for await (const entry of iterate(zip)) {
      const mode = entryMode(entry);
      const type = mode & S_IFMT;
      const name = entry.fileName.replace(/\/+$/, '');
      const isDir = entry.fileName.endsWith('/') || type === S_IFDIR;
      const out = join(dest, name);
      if (isDir) {
        await mkdir(out, { recursive: true, mode: (mode & 0o7777) || 0o755 });
        entries.push({ name, kind: 'dir', mode, size: 0, crc32: entry.crc32 });
        continue;
      }
      await mkdir(dirname(out), { recursive: true });
      const stream = await zip.openReadStreamPromise(entry);
      if (type === S_IFLNK) {
        const target = (await collect(stream)).toString('utf8');
        links.push({ path: out, target });
        entries.push({ name, kind: 'symlink', mode, size: entry.uncompressedSize, crc32: entry.crc32, target });
        continue;
      }
      const info: ZipEntryInfo = { name, kind: 'file', mode, size: entry.uncompressedSize, crc32: entry.crc32 };
      if (entry.uncompressedSize <= SMALL_FILE) {
        const data = await collect(stream);
        info.small = data;
        await writeFile(out, data, { mode: (mode & 0o7777) || 0o644 });
      } else {
        await pipeline(stream, createWriteStream(out, { mode: (mode & 0o7777) || 0o644 }));
      }
      entries.push(info);
    }
  } catch (e) {
    if (e instanceof YumdaError) throw e;
    throw new YumdaError('ZIP_INVALID', `cannot read ${zipPath}: ${(e as Error).message}`);
  } finally {
    zip.close();
  }
  for (const l of links) await symlink(l.target, l.path);
  return { zippedBytes, entries };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

async function* iterate(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  while (true) {
    const next = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry): void => {
        cleanup();
        resolve(e);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(null);
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const cleanup = (): void => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!next) return;
    yield next;
  }
}

/** Findings about how the zip stored symlinks; `root` is the mount point (/opt). */
export function zipFindings(entries: ZipEntryInfo[], root: string): Finding[] {
  const findings: Finding[] = [];
  const names = new Map(entries.map((e) => [e.name, e]));
  const mounted = (name: string): string => posix.join(root, name);

  // symlinks stored as text files: a tiny one-line file naming another entry next to it
  for (const e of entries) {
    if (e.kind !== 'file' || !e.small || e.small.length === 0 || e.small.length > 255) continue;
    const text = e.small.toString('utf8');
    if (/[\0\n\r\t ]/.test(text.replace(/\n$/, ''))) continue;
    const target = text.replace(/\n$/, '');
    if (target.startsWith('/') && !target.startsWith(root + '/')) continue;
    const resolved = target.startsWith('/') ? target.slice(root.length + 1) : posix.normalize(posix.join(posix.dirname(e.name), target));
    const pointee = names.get(resolved);
    if (!pointee || pointee === e) continue;
    findings.push({
      severity: 'error',
      code: 'zip-symlink-as-text',
      file: mounted(e.name),
      message: `is a ${e.small.length}-byte text file holding "${target}": a symlink stored as a file by the zip tool, so it will not work on Lambda`,
      hint: 'zip the layer with `yumda zip DIR` or `zip -r -y` so symlinks stay symlinks',
    });
  }

  // symlinks stored as copies: identical files side by side whose names extend one another
  // (libfoo.so → libfoo.so.1 → libfoo.so.1.2.3), which is what `zip -r` without -y produces
  const groups = new Map<string, ZipEntryInfo[]>();
  for (const e of entries) {
    if (e.kind !== 'file' || e.size === 0) continue;
    const key = `${posix.dirname(e.name)}\0${e.crc32}\0${e.size}`;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const copies: string[] = [];
  let wasted = 0;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const sorted = group.map((e) => e.name).sort((a, b) => a.length - b.length);
    const base = posix.basename(sorted[0]!);
    const related = sorted.slice(1).filter((n) => posix.basename(n).startsWith(base));
    if (related.length === 0) continue;
    copies.push(`${sorted[0]} = ${related.map((n) => posix.basename(n)).join(' = ')}`);
    wasted += group[0]!.size * related.length;
  }
  if (copies.length > 0) {
    findings.push({
      severity: 'warning',
      code: 'zip-symlink-copied',
      message: `${copies.length} set(s) of identical files look like symlinks the zip tool stored as copies (${Math.round(wasted / 1024)} KB duplicated)`,
      details: copies.slice(0, 10).concat(copies.length > 10 ? [`… and ${copies.length - 10} more`] : []),
      hint: 'zip the layer with `yumda zip DIR` or `zip -r -y` so symlinks stay symlinks',
    });
  }
  return findings;
}
