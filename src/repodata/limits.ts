/**
 * How much of a repository's data the client accepts. Sizes declared in repomd.xml (`size`,
 * `open-size`) and primary.xml (a package's size) are enforced while the bytes arrive; what is not
 * declared has a ceiling, so neither memory nor disk depends on what a server chooses to send.
 */
import { YumdaError, ExitCode } from '../util/errors.js';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decompressedChunks } from './decompress.js';

/** repomd.xml (a few KB in practice; held in memory). */
export const MAX_REPOMD = 8 << 20;
/** A mirror list, a detached signature (held in memory). */
export const MAX_SMALL_DOCUMENT = 1 << 20;
/** A metadata file repomd.xml gives no size for, as stored (compressed). */
export const MAX_METADATA_FILE = 4 * 2 ** 30;
/** A metadata file repomd.xml gives no open-size for, decompressed (streamed, never held whole). */
const MAX_OPEN_SIZE = 8 * 2 ** 30;
/** A package whose metadata gives no size. */
export const MAX_PACKAGE = 8 * 2 ** 30;

/** The one-call inflate the client's metadata index uses for small gzip files (see decompress.ts): up to this size, ... */
const INFLATE_AT_ONCE = 2 << 20;
/** ... and at most this much output in one buffer (beyond it, the file is streamed instead). */
const AT_ONCE_OUTPUT = 64 << 20;

function tooLarge(label: string, openSize: number | null, limit: number): YumdaError {
  return new YumdaError(
    'METADATA_TOO_LARGE',
    openSize !== null
      ? `${label}: decompresses to more than the ${openSize} bytes repomd.xml declares (open-size)`
      : `${label}: decompresses to more than ${limit} bytes, the most accepted when repomd.xml declares no open-size`,
    {
      exitCode: ExitCode.integrity,
      hint: 'the repository metadata is corrupt or hostile (a decompression bomb); nothing was installed',
    },
  );
}

/** A small gzip file inflated in one call (cheaper than a stream for the one-pass index), output capped; null when it is not one or would pass the cap. */
function inflateSmallGzip(
  path: string,
  cap: number,
  label: string,
  openSize: number | null,
  limit: number,
): Buffer | null {
  const fd = openSync(path, 'r');
  let data: Buffer;
  try {
    if (fstatSync(fd).size > INFLATE_AT_ONCE) return null;
    data = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  if (data[0] !== 0x1f || data[1] !== 0x8b) return null;
  try {
    return gunzipSync(data, { maxOutputLength: cap });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return null; // the streaming reader reports it
    if (cap >= limit) throw tooLarge(label, openSize, limit);
    return null;
  }
}

/**
 * The decompressed bytes of a metadata file, at most `openSize` of them (repomd.xml's open-size,
 * else MAX_OPEN_SIZE): reading stops with METADATA_TOO_LARGE (exit 3) as soon as it passes that, so
 * a decompression bomb costs neither memory nor more time than the declared size.
 */
export async function* boundedChunks(path: string, openSize: number | null, label: string): AsyncGenerator<Uint8Array> {
  const limit = openSize !== null && openSize >= 0 ? openSize : MAX_OPEN_SIZE;
  const whole = inflateSmallGzip(path, Math.min(limit, AT_ONCE_OUTPUT), label, openSize, limit);
  if (whole) {
    for (let i = 0; i < whole.length; i += 1 << 20) yield whole.subarray(i, i + (1 << 20));
    return;
  }
  let seen = 0;
  for await (const chunk of decompressedChunks(path, label)) {
    seen += chunk.length;
    if (seen > limit) throw tooLarge(label, openSize, limit);
    yield chunk;
  }
}

/** A metadata reader's failure, with a size limit's own error (exit 3) rather than the reader's "malformed" wrapping of it. */
export async function unwrapLimit<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    for (let c: unknown = e; c instanceof Error; c = c.cause)
      if (c instanceof YumdaError && c.code === 'METADATA_TOO_LARGE') throw c;
    throw e;
  }
}
