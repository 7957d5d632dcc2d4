/**
 * Reading from repository URLs: file://, http(s)://, s3://bucket/key. Retries transient failures
 * with backoff; a missing object is an immediate, clear error; an unreachable host exits 4.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ExitCode, YumdaError } from './errors.js';
import { withRetry } from './retry.js';
import { withStagedPath } from './fs.js';
import type { HashAlgo } from './hash.js';
import { environmentError } from './system-errors.js';

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
  /**
   * Most bytes accepted: the transfer is cut off beyond it and fails (RESPONSE_TOO_LARGE). For
   * fetchBuffer/fetchText the default is DEFAULT_MAX_DOCUMENT; downloadFile's `size` is a tighter one.
   */
  maxBytes?: number;
  /** Overrides of networkTimeouts() (tests, callers with their own policy). */
  timeouts?: Partial<Timeouts>;
}

/** How long the client waits on the network. */
export interface Timeouts {
  /** For a TCP connection to be accepted (YUMDA_CONNECT_TIMEOUT, seconds; default 10). */
  connectMs: number;
  /** For the next byte once connected: the response headers, then each piece of the body (YUMDA_TIMEOUT; default 30, like yum's timeout=). */
  idleMs: number;
  /** For a whole transfer, retries included (YUMDA_DEADLINE; default 1800). */
  deadlineMs: number;
}

const TIMEOUT_ENV: Record<keyof Timeouts, [string, number]> = {
  connectMs: ['YUMDA_CONNECT_TIMEOUT', 10],
  idleMs: ['YUMDA_TIMEOUT', 30],
  deadlineMs: ['YUMDA_DEADLINE', 1800],
};

/** The network timeouts from the environment (seconds, fractions allowed), else the defaults. */
export function networkTimeouts(env: NodeJS.ProcessEnv = process.env): Timeouts {
  const out = {} as Timeouts;
  for (const [key, [name, seconds]] of Object.entries(TIMEOUT_ENV) as Array<[keyof Timeouts, [string, number]]>) {
    const raw = env[name]?.trim();
    const value = raw ? Number(raw) : seconds;
    if (!Number.isFinite(value) || value <= 0) {
      throw new YumdaError('BAD_TIMEOUT', `${name}=${raw}: not a positive number of seconds`, {
        exitCode: ExitCode.usage,
      });
    }
    out[key] = Math.round(value * 1000);
  }
  return out;
}

function timeoutsOf(options: FetchOptions): Timeouts {
  return { ...networkTimeouts(), ...options.timeouts };
}

/** A transfer that waited too long: the next mirror may answer, the same host is not asked again. */
function timeoutError(url: string, what: 'connect' | 'idle' | 'deadline', ms: number): YumdaError {
  const s = `${ms / 1000} s`;
  const message =
    what === 'connect'
      ? `${url}: no connection within ${s}`
      : what === 'idle'
        ? `${url}: the server sent nothing for ${s}`
        : `${url}: not complete within ${s}`;
  const knob = what === 'connect' ? 'YUMDA_CONNECT_TIMEOUT' : what === 'idle' ? 'YUMDA_TIMEOUT' : 'YUMDA_DEADLINE';
  return new YumdaError('TIMEOUT', message, {
    exitCode: ExitCode.unreachable,
    hint: `check the network and the server; a slow link may need a larger ${knob} (seconds)`,
  });
}

/** What fetchBuffer/fetchText accept unless told otherwise: they hold the whole body in memory. */
const DEFAULT_MAX_DOCUMENT = 64 << 20;

/** A byte counter that fails the transfer as soon as it passes `max` (so an endless body costs at most max bytes). */
function byteLimit(max: number, fail: (seen: number) => YumdaError, onBytes?: (chunk: Buffer) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) return cb(fail(seen));
      onBytes?.(chunk);
      cb(null, chunk);
    },
  });
}

function tooLarge(url: string, max: number): YumdaError {
  return new YumdaError('RESPONSE_TOO_LARGE', `${url}: larger than the ${max} bytes accepted for it`, {
    hint: 'the server sent more than any such file should hold: it is misconfigured or hostile',
  });
}

/** Joins a base URL (a directory) and a relative path. */
export function joinUrl(base: string, relative: string): string {
  return base.replace(/\/+$/, '') + '/' + relative.replace(/^\/+/, '');
}

/** Worth another try on the same URL: a refused or reset connection, a 5xx. Not a timeout: a host that hung once is left to the next mirror. */
function isTransient(error: unknown): boolean {
  return !(error instanceof YumdaError) || error.code === 'UNREACHABLE' || error.code === 'HTTP_SERVER_ERROR';
}

/** Retries `fn` on transient errors while the deadline allows. */
function retrying<T>(url: string, options: FetchOptions, fn: (deadline: number) => Promise<T>): Promise<T> {
  const { deadlineMs } = timeoutsOf(options);
  const deadline = Date.now() + deadlineMs;
  return withRetry(
    async () => {
      if (Date.now() >= deadline) throw timeoutError(url, 'deadline', deadlineMs);
      return fn(deadline);
    },
    { attempts: options.attempts ?? 4, retryable: (e) => isTransient(e) && Date.now() < deadline },
  );
}

const REDIRECTS = 5;

/**
 * GET over HTTP(S) with a connect timeout, an idle timeout (headers, then every piece of the body)
 * and a deadline for the whole transfer; redirects are followed (at most 5, http/https only).
 */
async function httpOpen(url: string, options: FetchOptions, deadline: number, redirects = 0): Promise<Readable> {
  // loaded on first use: a run against file:// or S3 repositories never needs them (and http pulls in undici)
  const { request: get } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  const t = timeoutsOf(options);
  const deadlineMs = t.deadlineMs;
  return new Promise<Readable>((resolve, reject) => {
    let response: IncomingMessage | undefined;
    let settled = false;
    const stop = (err: Error): void => {
      clearTimeout(total);
      if (!settled) {
        settled = true;
        reject(err);
      }
      response?.destroy(err);
      req.destroy(err);
    };
    const total = setTimeout(() => stop(timeoutError(url, 'deadline', deadlineMs)), Math.max(0, deadline - Date.now()));
    const req = get(url, {
      headers: { 'user-agent': 'yumda', accept: '*/*' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connect = setTimeout(() => stop(timeoutError(url, 'connect', t.connectMs)), t.connectMs);
      socket.once('connect', () => clearTimeout(connect));
      socket.once('close', () => clearTimeout(connect));
    });
    req.setTimeout(t.idleMs, () => stop(timeoutError(url, 'idle', t.idleMs)));
    req.on('error', (e) => {
      const cause = e as NodeJS.ErrnoException;
      stop(
        e instanceof YumdaError
          ? e
          : new YumdaError('UNREACHABLE', `cannot reach ${url}: ${cause.code ?? cause.message}`, {
              exitCode: ExitCode.unreachable,
              cause: e,
            }),
      );
    });
    req.on('response', (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      const done = (): void => clearTimeout(total);
      res.once('end', done);
      res.once('close', done);
      const refuse = (err: YumdaError): void => {
        res.resume();
        stop(err);
      };
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        clearTimeout(total);
        settled = true;
        let next: string;
        try {
          next = new URL(res.headers.location, url).href;
        } catch {
          return reject(new YumdaError('HTTP_ERROR', `${url}: HTTP ${status} to an unusable location`));
        }
        if (!/^https?:/i.test(next))
          return reject(new YumdaError('HTTP_ERROR', `${url}: HTTP ${status} to ${next}, which is not http(s)`));
        if (redirects >= REDIRECTS)
          return reject(new YumdaError('HTTP_ERROR', `${url}: more than ${REDIRECTS} redirects`));
        httpOpen(next, options, deadline, redirects + 1).then(resolve, reject);
        return;
      }
      if (status === 404 || status === 410) return refuse(new NotFoundError(url));
      if (status >= 500)
        return refuse(
          new YumdaError('HTTP_SERVER_ERROR', `${url}: HTTP ${status}`, { exitCode: ExitCode.unreachable }),
        );
      if (status === 401 || status === 403) {
        return refuse(
          new YumdaError('ACCESS_DENIED', `${url}: HTTP ${status} (access denied)`, {
            hint: 'the server refuses this client: check the URL and any credentials it needs',
          }),
        );
      }
      if (status < 200 || status >= 300) return refuse(new YumdaError('HTTP_ERROR', `${url}: HTTP ${status}`));
      settled = true;
      resolve(res);
    });
    req.end();
  });
}

async function openOnce(url: string, options: FetchOptions, deadline: number): Promise<Readable> {
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
    const [{ GetObjectCommand }, { parseS3Url, s3Client, s3Error }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('./s3.js'),
    ]);
    const { bucket, prefix } = parseS3Url(url);
    const key = prefix.replace(/\/$/, '');
    try {
      const out = await s3Client(options.endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: options.signal,
      });
      return out.Body as Readable;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
      if (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404)
        throw new NotFoundError(url);
      if (err.name === 'NoSuchBucket') throw new YumdaError('NOT_FOUND', `no such bucket: ${bucket} (${url})`);
      // wrong or missing credentials are the user's to fix, not "unreachable"
      throw s3Error(
        e,
        `cannot read ${url}`,
        'check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and that they may read the repository',
      );
    }
  }
  if (url.startsWith('http://') || url.startsWith('https://')) return httpOpen(url, options, deadline);
  throw new YumdaError('BAD_URL', `unsupported URL scheme: ${url} (use file://, http(s):// or s3://)`, {
    exitCode: ExitCode.usage,
  });
}

/** The whole body of a URL, at most `maxBytes` (DEFAULT_MAX_DOCUMENT) of it. */
export async function fetchBuffer(url: string, options: FetchOptions = {}): Promise<Buffer> {
  const max = options.maxBytes ?? DEFAULT_MAX_DOCUMENT;
  return retrying(url, options, async (deadline) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const body = await openOnce(url, options, deadline);
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > max) throw tooLarge(url, max);
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (e instanceof YumdaError) throw e;
      throw new YumdaError('UNREACHABLE', `reading ${url} failed: ${(e as Error).message}`, {
        exitCode: ExitCode.unreachable,
        cause: e,
      });
    } finally {
      body.destroy();
    }
    return Buffer.concat(chunks);
  });
}

export async function fetchText(url: string, options: FetchOptions = {}): Promise<string> {
  return (await fetchBuffer(url, options)).toString('utf8');
}

export interface DownloadOptions extends FetchOptions {
  /** Expected digest (hex) in `algo` (default sha256); a mismatch deletes the partial file and throws (exit 3). */
  checksum?: string;
  algo?: HashAlgo;
  /** @deprecated use checksum (sha256 is the default algo) */
  sha256?: string;
  /** Exact size: the transfer stops as soon as it exceeds it (SIZE_MISMATCH, exit 3). */
  size?: number;
  onProgress?: (bytes: number) => void;
}

/** A download whose digest in `algo` is also reported as sha256 (what the caches are keyed by). */
export interface Downloaded {
  sha256: string;
  /** The digest in the requested algorithm (= sha256 when that was it). */
  digest: string;
  size: number;
}

/**
 * Downloads url to dest atomically (temp + rename), verifying size and checksum when given. The
 * transfer is cut off as soon as it passes the declared size (or maxBytes), so an endless body
 * costs at most that much disk. A local file system failure (full, read-only) is reported as
 * such and not retried.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<Downloaded> {
  try {
    await mkdir(dirname(dest), { recursive: true });
  } catch (e) {
    throw environmentError(e, { fallbackPath: dirname(dest) }) ?? e;
  }
  const expected = (options.checksum ?? options.sha256)?.toLowerCase();
  const algo: HashAlgo = options.checksum ? (options.algo ?? 'sha256') : 'sha256';
  return retrying(url, options, async (deadline) => {
    const sha256 = createHash('sha256');
    const other = algo === 'sha256' ? null : createHash(algo);
    let size = 0;
    const limit = options.size ?? options.maxBytes;
    const meter =
      limit === undefined
        ? null
        : byteLimit(limit, (seen) =>
            options.size !== undefined
              ? new YumdaError(
                  'SIZE_MISMATCH',
                  `${url}: more than the ${options.size} bytes its metadata declares (cut off at ${seen})`,
                  { exitCode: ExitCode.integrity },
                )
              : tooLarge(url, limit),
          );
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sha256.update(chunk);
        other?.update(chunk);
        size += chunk.length;
        options.onProgress?.(chunk.length);
        cb(null, chunk);
      },
    });
    try {
      return await withStagedPath(dest, async (tmp) => {
        const body = await openOnce(url, options, deadline);
        await (meter
          ? pipeline(body, meter, count, createWriteStream(tmp))
          : pipeline(body, count, createWriteStream(tmp)));
        const digestSha256 = sha256.digest('hex');
        const digest = other ? other.digest('hex') : digestSha256;
        if (options.size !== undefined && size !== options.size) {
          throw new YumdaError('SIZE_MISMATCH', `${url}: expected ${options.size} bytes, got ${size}`, {
            exitCode: ExitCode.integrity,
          });
        }
        if (expected && digest !== expected) {
          throw new YumdaError('CHECKSUM_MISMATCH', `${url}: ${algo} mismatch (expected ${expected}, got ${digest})`, {
            exitCode: ExitCode.integrity,
          });
        }
        return { sha256: digestSha256, digest, size };
      });
    } catch (e) {
      if (e instanceof YumdaError) throw e;
      // a full or read-only disk is the user's to fix: exit 6, never "unreachable", never retried
      const local = environmentError(e, {
        fallbackPath: dest,
        shownPath: (p) => (p.startsWith(`${dirname(dest)}/.`) ? dest : p),
      });
      if (local) throw local;
      throw new YumdaError('UNREACHABLE', `download of ${url} failed: ${(e as Error).message}`, {
        exitCode: ExitCode.unreachable,
        cause: e,
      });
    }
  });
}
