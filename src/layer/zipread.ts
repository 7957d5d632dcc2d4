/**
 * Reading a layer zip for `yumda check`: extract it (symlinks as symlinks, modes kept) into a
 * scratch directory so the directory checks apply unchanged, and look at how it was made. A zip
 * is untrusted: its central directory is read first and decides (entry count, declared sizes,
 * names, no entry below a file or symlink entry) before one byte is written, and the bytes actually
 * written are held to what each entry declared and to the total limit. Zips
 * made without `zip -y` store a symlink as a copy of its target, and some tools store it as a
 * small text file holding the target — on Lambda the loader then reads a text file as a library.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import yauzl from 'yauzl';
import { ExitCode, YumdaError } from '../util/errors.js';
import { environmentError } from '../util/system-errors.js';
import { LAMBDA_LIMITS, formatBytes, type Finding } from './report.js';

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

export interface ZipReadLimits {
  /** Total unzipped bytes (default: Lambda's 250 MB for function + layers). */
  maxUnzippedBytes?: number;
  /** Entries (files, directories, symlinks). */
  maxEntries?: number;
}

/** A real layer has thousands of files; a zip declaring more than this is not one (or is an inode bomb). */
export const MAX_ZIP_ENTRIES = 200_000;

function tooLarge(zipPath: string, what: string): YumdaError {
  return new YumdaError('ZIP_TOO_LARGE', `${zipPath}: ${what}; nothing was extracted`, {
    exitCode: ExitCode.checkFailed,
    hint: `Lambda allows ${formatBytes(LAMBDA_LIMITS.unzippedBytes)} unzipped for the function and all its layers together`,
  });
}

function invalid(zipPath: string, what: string): YumdaError {
  return new YumdaError('ZIP_INVALID', `${zipPath} is not a valid layer zip: ${what}`);
}

/**
 * Reads the central directory only (nothing is decompressed) and decides whether the zip may be
 * extracted: entry count and declared sizes within the limits, names unique, no entry below
 * another entry that is a file or a symlink (which extraction would have to write through).
 */
async function readCentralDirectory(
  zip: yauzl.ZipFile,
  zipPath: string,
  limits: Required<ZipReadLimits>,
): Promise<yauzl.Entry[]> {
  if (zip.entryCount > limits.maxEntries)
    throw tooLarge(zipPath, `it has ${zip.entryCount} entries (at most ${limits.maxEntries} are read)`);
  const entries: yauzl.Entry[] = [];
  let declared = 0;
  const kinds = new Map<string, 'dir' | 'other'>();
  for await (const entry of iterate(zip)) {
    entries.push(entry);
    declared += entry.uncompressedSize;
    if (declared > limits.maxUnzippedBytes) {
      throw tooLarge(
        zipPath,
        `its entries declare more than ${formatBytes(limits.maxUnzippedBytes)} unzipped (${formatBytes(declared)} by entry ${entries.length} of ${zip.entryCount})`,
      );
    }
    const type = entryMode(entry) & S_IFMT;
    const name = entry.fileName.replace(/\/+$/, '');
    const isDir = entry.fileName.endsWith('/') || type === S_IFDIR;
    const seen = kinds.get(name);
    if (seen !== undefined && !(seen === 'dir' && isDir)) throw invalid(zipPath, `${name} appears twice`);
    kinds.set(name, isDir ? 'dir' : 'other');
  }
  // an entry below a file or symlink entry: unzip would write through the link (or fail)
  for (const [name] of kinds) {
    for (let parent = posix.dirname(name); parent !== '.' && parent !== '/'; parent = posix.dirname(parent)) {
      if (kinds.get(parent) === 'other')
        throw invalid(zipPath, `${name} lies below ${parent}, which is a file or a symlink in the zip`);
    }
  }
  return entries;
}

/** Extracts `zipPath` into `dest` (which must exist and be empty). Symlinks are created last, so no file is written through one. */
export async function extractLayerZip(
  zipPath: string,
  dest: string,
  options: ZipReadLimits = {},
): Promise<ExtractedZip> {
  const limits: Required<ZipReadLimits> = {
    maxUnzippedBytes: options.maxUnzippedBytes ?? LAMBDA_LIMITS.unzippedBytes,
    maxEntries: options.maxEntries ?? MAX_ZIP_ENTRIES,
  };
  const zippedBytes = (await stat(zipPath)).size;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, {
      lazyEntries: true,
      autoClose: false,
      strictFileNames: true,
      validateEntrySizes: true,
    });
  } catch (e) {
    throw new YumdaError('ZIP_INVALID', `${zipPath} is not a readable zip: ${(e as Error).message}`);
  }
  const entries: ZipEntryInfo[] = [];
  const links: { path: string; target: string; name: string }[] = [];
  let written = 0;
  try {
    let central: yauzl.Entry[];
    try {
      central = await readCentralDirectory(zip, zipPath, limits);
    } catch (e) {
      if (e instanceof YumdaError) throw e;
      // yauzl refuses absolute names, "..", and backslashes (strictFileNames) here
      const message = (e as Error).message;
      const backslash = /^invalid characters in fileName: (.*)$/.exec(message);
      if (backslash)
        throw invalid(
          zipPath,
          `the entry ${backslash[1]} has a backslash in its name, which unzip turns into a directory separator`,
        );
      throw invalid(zipPath, message);
    }
    // declared sizes can lie: every byte actually written is counted against the entry and the total
    const limitBytes = (name: string, declared: number): Transform => {
      let entryBytes = 0;
      return new Transform({
        transform(chunk: Buffer, _enc, cb) {
          entryBytes += chunk.length;
          written += chunk.length;
          if (entryBytes > declared) cb(invalid(zipPath, `${name} holds more than the ${declared} bytes it declares`));
          else if (written > limits.maxUnzippedBytes)
            cb(tooLarge(zipPath, `it unzips to more than ${formatBytes(limits.maxUnzippedBytes)}`));
          else cb(null, chunk);
        },
      });
    };
    for (const entry of central) {
      const mode = entryMode(entry);
      const type = mode & S_IFMT;
      const name = entry.fileName.replace(/\/+$/, '');
      const isDir = entry.fileName.endsWith('/') || type === S_IFDIR;
      const out = join(dest, name);
      if (isDir) {
        await mkdir(out, { recursive: true, mode: mode & 0o7777 || 0o755 });
        entries.push({ name, kind: 'dir', mode, size: 0, crc32: entry.crc32 });
        continue;
      }
      await mkdir(dirname(out), { recursive: true });
      const source = await zip.openReadStreamPromise(entry);
      const stream = limitBytes(name, entry.uncompressedSize);
      // yauzl notices first when an entry inflates past its declared size: say it the same way
      source.on('error', (e: Error) =>
        stream.destroy(
          /too many bytes/.test(e.message)
            ? invalid(zipPath, `${name} holds more than the ${entry.uncompressedSize} bytes it declares`)
            : e,
        ),
      );
      source.pipe(stream);
      if (type === S_IFLNK) {
        const target = (await collect(stream)).toString('utf8');
        links.push({ path: out, target, name });
        entries.push({ name, kind: 'symlink', mode, size: entry.uncompressedSize, crc32: entry.crc32, target });
        continue;
      }
      const info: ZipEntryInfo = { name, kind: 'file', mode, size: entry.uncompressedSize, crc32: entry.crc32 };
      const fileMode = mode & 0o7777 || 0o644;
      if (entry.uncompressedSize <= SMALL_FILE) {
        const data = await collect(stream);
        info.small = data;
        await writeFile(out, data, { mode: fileMode });
      } else {
        await pipeline(stream, createWriteStream(out, { mode: fileMode }));
      }
      entries.push(info);
    }
  } catch (e) {
    if (e instanceof YumdaError) throw e;
    throw (
      environmentError(e) ??
      new YumdaError('ZIP_INVALID', `cannot read ${zipPath}: ${(e as Error).message}`, { cause: e })
    );
  } finally {
    zip.close();
  }
  for (const l of links) {
    try {
      await symlink(l.target, l.path);
    } catch (e) {
      throw (
        environmentError(e) ??
        invalid(
          zipPath,
          `cannot create the symlink ${l.name} → ${l.target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        )
      );
    }
  }
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
    const resolved = target.startsWith('/')
      ? target.slice(root.length + 1)
      : posix.normalize(posix.join(posix.dirname(e.name), target));
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
