/**
 * Reading from repository URLs: file://, http(s)://, s3://bucket/key. Retries transient failures
 * with backoff; a missing object is an immediate, clear error; an unreachable host exits 4.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ExitCode, YumdaError } from './errors.js';
import { withRetry } from './retry.js';
import { withStagedPath } from './fs.js';

export class NotFoundError extends YumdaError {
  constructor(url: string) {
    super('NOT_FOUND', `not found: ${url}`);
  }
}

export interface FetchOptions {
  /** S3-compatible endpoint override for s3:// URLs. */
  endpoint?: string;
  attempts?: number;
  signal?: AbortSignal;
}

/** Joins a base URL (a directory) and a relative path. */
export function joinUrl(base: string, relative: string): string {
  return base.replace(/\/+$/, '') + '/' + relative.replace(/^\/+/, '');
}

function isTransient(error: unknown): boolean {
  return !(error instanceof YumdaError) || error.code === 'UNREACHABLE' || error.code === 'HTTP_SERVER_ERROR';
}

async function openOnce(url: string, options: FetchOptions): Promise<Readable> {
  if (url.startsWith('file://') || url.startsWith('/')) {
    const path = url.startsWith('/') ? url : fileURLToPath(url);
    try {
      await stat(path);
    } catch {
      throw new NotFoundError(url);
    }
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }
  if (url.startsWith('s3://')) {
    // the AWS SDK takes a noticeable time to load: only when an s3:// URL is read
    const [{ GetObjectCommand }, { parseS3Url, s3Client }] = await Promise.all([import('@aws-sdk/client-s3'), import('./s3.js')]);
    const { bucket, prefix } = parseS3Url(url);
    const key = prefix.replace(/\/$/, '');
    try {
      const out = await s3Client(options.endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal });
      return out.Body as Readable;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
      if (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404) throw new NotFoundError(url);
      if (err.name === 'NoSuchBucket') throw new YumdaError('NOT_FOUND', `no such bucket: ${bucket} (${url})`);
      throw new YumdaError('UNREACHABLE', `cannot read ${url}: ${(e as Error).message}`, { exitCode: ExitCode.unreachable, cause: e });
    }
  }
  if (url.startsWith('http://') || url.startsWith('https://')) {
    let response: Response;
    try {
      response = await fetch(url, { signal: options.signal ?? null, redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new YumdaError('UNREACHABLE', `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, {
        exitCode: ExitCode.unreachable,
        cause: e,
      });
    }
    if (response.status === 404 || response.status === 410) throw new NotFoundError(url);
    if (response.status >= 500) throw new YumdaError('HTTP_SERVER_ERROR', `${url}: HTTP ${response.status}`, { exitCode: ExitCode.unreachable });
    if (!response.ok || !response.body) throw new YumdaError('HTTP_ERROR', `${url}: HTTP ${response.status}`);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  throw new YumdaError('BAD_URL', `unsupported URL scheme: ${url} (use file://, http(s):// or s3://)`, { exitCode: ExitCode.usage });
}

/** Opens a URL as a stream (retrying the open on transient errors). */
export function openUrl(url: string, options: FetchOptions = {}): Promise<Readable> {
  return withRetry(() => openOnce(url, options), { attempts: options.attempts ?? 4, retryable: isTransient });
}

export async function fetchBuffer(url: string, options: FetchOptions = {}): Promise<Buffer> {
  return withRetry(
    async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await openOnce(url, options)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    { attempts: options.attempts ?? 4, retryable: isTransient },
  );
}

export async function fetchText(url: string, options: FetchOptions = {}): Promise<string> {
  return (await fetchBuffer(url, options)).toString('utf8');
}

export interface DownloadOptions extends FetchOptions {
  /** Expected sha256 (hex); a mismatch deletes the partial file and throws (exit 3). */
  sha256?: string;
  size?: number;
  onProgress?: (bytes: number) => void;
}

/** Downloads url to dest atomically (temp + rename), verifying size and sha256 when given. */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<{ sha256: string; size: number }> {
  await mkdir(dirname(dest), { recursive: true });
  return withRetry(
    async () => {
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          options.onProgress?.(chunk.length);
          cb(null, chunk);
        },
      });
      try {
        return await withStagedPath(dest, async (tmp) => {
          await pipeline(await openOnce(url, options), meter, createWriteStream(tmp));
          const sha256 = hash.digest('hex');
          if (options.size !== undefined && size !== options.size) {
            throw new YumdaError('SIZE_MISMATCH', `${url}: expected ${options.size} bytes, got ${size}`, { exitCode: ExitCode.integrity });
          }
          if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
            throw new YumdaError('CHECKSUM_MISMATCH', `${url}: sha256 mismatch (expected ${options.sha256}, got ${sha256})`, {
              exitCode: ExitCode.integrity,
            });
          }
          return { sha256, size };
        });
      } catch (e) {
        if (e instanceof YumdaError) throw e;
        throw new YumdaError('UNREACHABLE', `download of ${url} failed: ${(e as Error).message}`, { exitCode: ExitCode.unreachable, cause: e });
      }
    },
    { attempts: options.attempts ?? 4, retryable: isTransient },
  );
}
