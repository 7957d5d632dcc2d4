/**
 * `yumda zip`: a layer directory → a Lambda layer zip, with yazl. Symlinks are stored as symlinks
 * (S_IFLNK in the unix mode of the external attributes, the target as content — what `zip -y`
 * does, and what Lambda's unzip restores), modes are kept, entries are in a fixed (sorted) order,
 * and --reproducible fixes every timestamp so the same tree gives the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { YumdaError } from '../util/errors.js';
import { withStagedPath } from '../util/fs.js';
import { environmentError } from '../util/system-errors.js';
import { refuseSpecialFileSystem } from '../util/special-fs.js';
import { LAMBDA_LIMITS, formatBytes } from './report.js';
import { walkLayer } from './view.js';

export interface ZipOptions {
  /** Fixed timestamps (1980-01-01 00:00, DOS format only) so equal trees give equal bytes. */
  reproducible?: boolean;
  /** zlib level 0-9 (default 6). */
  compressionLevel?: number;
}

export interface ZipResult {
  output: string;
  files: number;
  symlinks: number;
  directories: number;
  unzippedBytes: number;
  zippedBytes: number;
  limits: { unzippedBytes: number; zippedBytes: number };
  /** Over-limit notes (empty when within Lambda's limits). */
  warnings: string[];
}

/** The timestamp of every entry with --reproducible; DOS fields are local time, so build it from local fields. */
function fixedDate(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}

export async function zipLayer(dir: string, output: string, options: ZipOptions = {}): Promise<ZipResult> {
  const root = resolve(dir);
  const out = resolve(output);
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new YumdaError('ZIP_SOURCE_MISSING', `${dir} does not exist`);
  }
  if (!st.isDirectory())
    throw new YumdaError('ZIP_SOURCE_NOT_DIR', `${dir} is not a directory`, {
      hint: 'give the layer directory (what Lambda mounts at /opt)',
    });
  const rel = relative(root, out);
  if (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '') {
    throw new YumdaError('ZIP_OUTPUT_INSIDE', `the output ${output} is inside the layer directory ${dir}`, {
      hint: 'write the zip next to the directory, e.g. -o layer.zip',
    });
  }
  refuseSpecialFileSystem(out, 'the output');
  // yumda's lock and an unfinished transaction are the moment's, not the layer's (the manifest is)
  const entries = walkLayer(root, '').filter((e) => !/^\/?\.yumda\/(lock|txn)(\.|\/|$)/.test(e.path));
  // zip readers (Info-ZIP, yazl itself) take a backslash for a directory separator: a\b would come
  // back as a/b, a different file, so such names cannot go into a layer
  const backslashed = entries.filter((e) => e.path.includes('\\'));
  if (backslashed.length > 0) {
    throw new YumdaError(
      'ZIP_BAD_FILE_NAME',
      `cannot zip ${backslashed[0]!.hostPath}: its name contains a backslash, which unzip turns into a directory separator${backslashed.length > 1 ? ` (and ${backslashed.length - 1} more such names)` : ''}`,
      {
        hint: 'rename or remove the file; Lambda would see it under another path',
      },
    );
  }
  const zip = new yazl.ZipFile();
  const stamp = options.reproducible ? { mtime: fixedDate(), forceDosTimestamp: true } : {};
  const level = options.compressionLevel ?? 6;
  let files = 0;
  let symlinks = 0;
  let directories = 0;
  let unzippedBytes = 0;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    const times = options.reproducible
      ? stamp
      : { mtime: (await stat(e.hostPath).catch(() => null))?.mtime ?? new Date() };
    if (e.kind === 'dir') {
      zip.addEmptyDirectory(name, { ...times, mode: e.mode });
      directories++;
    } else if (e.kind === 'symlink') {
      zip.addBuffer(Buffer.from(e.target ?? '', 'utf8'), name, { ...times, mode: e.mode, compress: false });
      symlinks++;
    } else {
      zip.addFile(e.hostPath, name, { ...times, mode: e.mode, compressionLevel: e.size === 0 ? 0 : level });
      files++;
      unzippedBytes += e.size;
    }
  }
  // yazl reports a file it cannot read (EACCES, EIO…) on the ZipFile, not on its output stream
  const failed = new Promise<never>((_, reject) => zip.once('error', reject));
  failed.catch(() => undefined);
  zip.end();
  let stagingPath = '';
  try {
    await withStagedPath(out, async (staging) => {
      stagingPath = staging;
      await Promise.race([pipeline(zip.outputStream, createWriteStream(staging)), failed]);
    });
  } catch (e) {
    (zip.outputStream as unknown as Readable).destroy();
    throw (
      environmentError(e, { shownPath: (p) => (p === stagingPath ? output : p), fallbackPath: output }) ??
      new YumdaError('ZIP_WRITE_FAILED', `cannot write ${output}: ${(e as Error).message}`, { cause: e })
    );
  }
  const zippedBytes = (await stat(out)).size;
  const warnings: string[] = [];
  if (unzippedBytes > LAMBDA_LIMITS.unzippedBytes) {
    warnings.push(
      `unzipped size ${formatBytes(unzippedBytes)} is over Lambda's ${formatBytes(LAMBDA_LIMITS.unzippedBytes)} (function and all layers together)`,
    );
  }
  if (zippedBytes > LAMBDA_LIMITS.zippedBytes) {
    warnings.push(
      `zipped size ${formatBytes(zippedBytes)} is over the ${formatBytes(LAMBDA_LIMITS.zippedBytes)} direct-upload limit: publish it from S3`,
    );
  }
  return {
    output: out,
    files,
    symlinks,
    directories,
    unzippedBytes,
    zippedBytes,
    limits: { ...LAMBDA_LIMITS },
    warnings,
  };
}
