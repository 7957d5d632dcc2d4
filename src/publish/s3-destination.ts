/** Publishing to s3://bucket/prefix through @aws-sdk/client-s3 (Amazon S3 or an S3-compatible store). */
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { YumdaError } from '../util/errors.js';
import { withRetry } from '../util/retry.js';
import { parseS3Url, s3Client, s3Error, s3Status as status, type AwsError } from '../util/s3.js';
import { BOOKKEEPING_PREFIX, type Destination, type PutOptions } from './destination.js';

export { s3Error };
import type { LocalFile, RemoteObject } from './types.js';

export interface S3DestinationOptions {
  endpoint?: string;
  /** Files larger than this go up as multipart uploads (default 64 MiB; S3's minimum part is 5 MiB). */
  multipartThreshold?: number;
  partSize?: number;
}

function isPreconditionFailed(e: unknown): boolean {
  const err = e as AwsError;
  // 409 ConditionalRequestConflict: Amazon S3's answer when two conditional writes overlap
  return (
    status(e) === 412 ||
    err.name === 'PreconditionFailed' ||
    err.name === 'ConditionalRequestConflict' ||
    status(e) === 409
  );
}

function isNotFound(e: unknown): boolean {
  const err = e as AwsError;
  if (err.name === 'NoSuchBucket') return false; // reported as such by s3Error
  return status(e) === 404 || err.name === 'NoSuchKey' || err.name === 'NotFound';
}

function isTransient(e: unknown): boolean {
  if (e instanceof YumdaError) return e.code === 'UNREACHABLE';
  const code = status(e);
  return code === undefined || code >= 500 || code === 408 || code === 429;
}

/** The MD5 a single-part ETag carries ("<32 hex>"); multipart ETags ("<hex>-<parts>") carry none. */
function md5FromEtag(etag: string | undefined): string | undefined {
  const bare = etag?.replace(/"/g, '').toLowerCase();
  return bare && /^[0-9a-f]{32}$/.test(bare) ? bare : undefined;
}

export class S3Destination implements Destination {
  readonly url: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(url: string, options: S3DestinationOptions = {}) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}/${prefix}`;
    this.client = s3Client(options.endpoint);
    this.multipartThreshold = options.multipartThreshold ?? 64 * 1024 * 1024;
    this.partSize = options.partSize ?? 16 * 1024 * 1024;
  }

  private key(path: string): string {
    return this.prefix + path;
  }

  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, { attempts: 3, retryable: isTransient }).catch((e: unknown) => {
      throw s3Error(e, what);
    });
  }

  async list(prefix = ''): Promise<RemoteObject[]> {
    const out: RemoteObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.retry(`listing ${this.url}${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        const path = o.Key.slice(this.prefix.length);
        if (!prefix && path.startsWith(BOOKKEEPING_PREFIX)) continue;
        out.push({
          path,
          size: o.Size ?? 0,
          etag: o.ETag,
          md5: md5FromEtag(o.ETag),
          sha256: undefined,
          ...(o.LastModified ? { modified: o.LastModified } : {}),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private async head(
    path: string,
  ): Promise<{ size: number; etag: string | undefined; sha256: string | undefined } | undefined> {
    try {
      const h = await withRetry(
        () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) })),
        {
          attempts: 3,
          retryable: (e) => !isNotFound(e) && isTransient(e),
        },
      );
      return { size: h.ContentLength ?? 0, etag: h.ETag, sha256: h.Metadata?.sha256 };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw s3Error(e, `reading ${this.url}${path}`);
    }
  }

  async lookupSha256(object: RemoteObject): Promise<string | undefined> {
    return (await this.head(object.path))?.sha256;
  }

  async readSmall(path: string): Promise<{ body: Buffer; etag: string } | undefined> {
    try {
      return await withRetry(
        async () => {
          const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
          const body = Buffer.from(await out.Body!.transformToByteArray());
          return { body, etag: out.ETag ?? '' };
        },
        { attempts: 3, retryable: (e) => !isNotFound(e) && isTransient(e) },
      );
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw s3Error(e, `reading ${this.url}${path}`);
    }
  }

  async open(path: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return out.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new YumdaError('NOT_FOUND', `not found: ${this.url}${path}`);
      throw s3Error(e, `reading ${this.url}${path}`);
    }
  }

  async put(file: LocalFile, options: PutOptions): Promise<'written' | 'conflict'> {
    const what = `uploading ${file.path} to ${this.url}`;
    const base: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.key(file.path),
      ContentType: options.contentType,
      CacheControl: options.cacheControl,
      // lets the next publish skip this object without reading it, even when its ETag is not an MD5
      Metadata: { sha256: file.sha256 },
    };
    if (file.size > this.multipartThreshold) return this.putMultipart(file, base, options, what);
    const body = await readFile(file.absPath);
    const attempt = async (condition: PutOptions['condition']): Promise<void> => {
      await this.retry(what, () =>
        this.client.send(
          new PutObjectCommand({
            ...base,
            Body: body,
            ContentLength: body.length,
            // the store verifies what it received
            ContentMD5: Buffer.from(file.md5, 'hex').toString('base64'),
            ...('ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch }),
          }),
          { abortSignal: options.signal },
        ),
      ).catch((e: unknown) => {
        throw (e as YumdaError).cause ?? e;
      });
    };
    try {
      await attempt(options.condition);
      return 'written';
    } catch (e) {
      if (!isPreconditionFailed(e)) throw s3Error(e, what);
    }
    return this.resolveConflict(file, options, attempt);
  }

  /**
   * A conditional write was refused. The same bytes already there count as written. Ceph radosgw
   * (16.x) compares If-Match against the unquoted ETag, so a quoted ETag that still matches the
   * current object is retried once unquoted; Amazon S3 accepts the quoted form.
   */
  private async resolveConflict(
    file: LocalFile,
    options: PutOptions,
    attempt: (condition: PutOptions['condition']) => Promise<void>,
  ): Promise<'written' | 'conflict'> {
    const current = await this.head(file.path);
    if (
      current &&
      current.size === file.size &&
      (current.sha256 === file.sha256 || md5FromEtag(current.etag) === file.md5)
    )
      return 'written';
    if (
      'ifMatch' in options.condition &&
      current?.etag &&
      current.etag === options.condition.ifMatch &&
      current.etag.startsWith('"')
    ) {
      try {
        await attempt({ ifMatch: current.etag.replace(/"/g, '') });
        return 'written';
      } catch (e) {
        if (!isPreconditionFailed(e)) throw s3Error(e, `uploading ${file.path} to ${this.url}`);
      }
    }
    return 'conflict';
  }

  /**
   * Large files: multipart upload. The condition is checked just before (not atomically with) the
   * upload; repomd.xml, the object that switches generations, is always small and written atomically.
   */
  private async putMultipart(
    file: LocalFile,
    base: PutObjectCommandInput,
    options: PutOptions,
    what: string,
  ): Promise<'written' | 'conflict'> {
    const current = await this.head(file.path);
    if (current && current.size === file.size && current.sha256 === file.sha256) return 'written';
    const expected = 'ifMatch' in options.condition ? options.condition.ifMatch : undefined;
    if ((expected === undefined && current) || (expected !== undefined && current?.etag !== expected))
      return 'conflict';
    await withRetry(
      async () => {
        const upload = new Upload({
          client: this.client,
          params: { ...base, Body: createReadStream(file.absPath, { highWaterMark: 1 << 20 }) },
          partSize: this.partSize,
          queueSize: 4,
          leavePartsOnError: false,
          ...(options.signal ? { abortController: signalController(options.signal) } : {}),
        });
        await upload.done();
      },
      { attempts: 3, retryable: isTransient },
    ).catch((e: unknown) => {
      throw s3Error(e, what);
    });
    return 'written';
  }

  async create(path: string, body: Buffer): Promise<'written' | 'conflict'> {
    try {
      await this.retry(`writing ${this.url}${path}`, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(path),
            Body: body,
            ContentLength: body.length,
            ContentType: 'application/json',
            IfNoneMatch: '*',
          }),
        ),
      );
      return 'written';
    } catch (e) {
      if (isPreconditionFailed((e as YumdaError).cause ?? e)) return 'conflict';
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    await this.retry(`deleting ${this.url}${path}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) })),
    );
  }

  async close(): Promise<void> {}
}

function signalController(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
