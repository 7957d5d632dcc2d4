/**
 * A gzip-compressed metadata file written as a stream of strings, with the sha256 and size of both
 * the compressed file (repomd <checksum>/<size>) and its content (<open-checksum>/<open-size>)
 * computed on the way, so nothing is read back.
 *
 * Compression runs on the libuv thread pool; its output is hashed and written to the file as it
 * comes out (a write of a compressed chunk to the page cache costs microseconds), and the file is
 * flushed to disk once at the end. No stream pipeline: for the small files of an --update its
 * set-up cost more than the compression.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { TransformOptions } from 'node:stream';
import { createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

const FLUSH_AT = 256 * 1024;

export interface WrittenFile {
  path: string;
  checksum: string;
  size: number;
  openChecksum: string;
  openSize: number;
}

export class GzipMetadataWriter {
  private readonly gzip: Gzip;
  private readonly fd: number;
  private closed = false;
  private readonly hash = createHash('sha256');
  private size = 0;
  private readonly openHash = createHash('sha256');
  private openSize = 0;
  private pending = '';
  private readonly ended: Promise<void>;
  private failed: Error | undefined;

  constructor(
    readonly path: string,
    level = 6,
  ) {
    this.fd = openSync(path, 'wx');
    // a few flushes may wait for compression on the thread pool before the caller has to
    this.gzip = createGzip({ level, chunkSize: FLUSH_AT, writableHighWaterMark: 4 * FLUSH_AT } as ZlibOptions &
      TransformOptions);
    this.gzip.on('data', (chunk: Buffer) => {
      if (this.failed) return;
      try {
        writeAll(this.fd, chunk);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      this.hash.update(chunk);
      this.size += chunk.length;
    });
    this.ended = new Promise<void>((resolve, reject) => {
      this.gzip.on('end', () => (this.failed ? reject(this.failed) : resolve()));
      this.gzip.on('error', (e: Error) => {
        this.failed ??= e;
        reject(e);
      });
      this.gzip.on('close', () => (this.failed ? reject(this.failed) : undefined));
    });
    this.ended.catch(() => undefined); // observed by finish() or abort()
  }

  private fail(e: Error): void {
    this.failed ??= e;
    this.gzip.destroy(e);
  }

  /** Appends text; returns a promise only when the caller must wait (buffer flushed, backpressure). */
  write(text: string): Promise<void> | undefined {
    this.pending += text;
    return this.pending.length >= FLUSH_AT ? this.flush() : undefined;
  }

  private flush(): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed);
    if (this.pending.length === 0) return undefined;
    const bytes = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.openHash.update(bytes);
    this.openSize += bytes.length;
    if (this.gzip.write(bytes)) return undefined;
    return Promise.race([once(this.gzip, 'drain').then(() => undefined), this.ended]);
  }

  async finish(): Promise<WrittenFile> {
    await this.flush();
    this.gzip.end();
    try {
      await this.ended;
      await new Promise<void>((resolve, reject) => fsync(this.fd, (e) => (e ? reject(e) : resolve())));
    } finally {
      this.close();
    }
    return {
      path: this.path,
      checksum: this.hash.digest('hex'),
      size: this.size,
      openChecksum: this.openHash.digest('hex'),
      openSize: this.openSize,
    };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** Stops writing and removes the partial file. */
  async abort(): Promise<void> {
    this.failed ??= new Error('aborted');
    this.gzip.destroy();
    this.close();
    await rm(this.path, { force: true });
  }
}

function writeAll(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}
