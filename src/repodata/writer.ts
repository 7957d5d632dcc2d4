/**
 * A gzip-compressed metadata file written as a stream of strings, with the sha256 and size of both
 * the compressed file (repomd <checksum>/<size>) and its content (<open-checksum>/<open-size>)
 * computed on the way, so nothing is read back.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const FLUSH_AT = 256 * 1024;

export interface WrittenFile {
  path: string;
  checksum: string;
  size: number;
  openChecksum: string;
  openSize: number;
}

class Counter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

export class GzipMetadataWriter {
  private readonly gzip: zlib.Gzip;
  private readonly counter = new Counter();
  private readonly openHash = createHash('sha256');
  private openSize = 0;
  private pending = '';
  private readonly done: Promise<void>;
  private failed: Error | undefined;

  constructor(
    readonly path: string,
    level = 6,
  ) {
    this.gzip = zlib.createGzip({ level });
    this.done = pipeline(this.gzip, this.counter, createWriteStream(path, { flags: 'wx', flush: true }));
    this.done.catch((e: Error) => {
      this.failed = e;
    });
  }

  /** Appends text; returns a promise only when the caller must wait (buffer flushed, backpressure). */
  write(text: string): Promise<void> | undefined {
    this.pending += text;
    return this.pending.length >= FLUSH_AT ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.openHash.update(bytes);
    this.openSize += bytes.length;
    if (!this.gzip.write(bytes)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  async finish(): Promise<WrittenFile> {
    await this.flush();
    this.gzip.end();
    await this.done;
    return {
      path: this.path,
      checksum: this.counter.hash.digest('hex'),
      size: this.counter.size,
      openChecksum: this.openHash.digest('hex'),
      openSize: this.openSize,
    };
  }

  /** Stops writing and removes the partial file. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
