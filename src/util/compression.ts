/**
 * The compressions yumda reads (RPM payloads, repository metadata): recognised by their first
 * bytes, decompressed as streams with one back end each: zlib for gzip and zstd, liblzma
 * (lzma-native, a native addon loaded when first needed) for xz and lzma, unbzip2-stream for bzip2.
 * Callers turn a decompressor's errors into their own (corrupt metadata, a bad payload).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import unbzip2 from 'unbzip2-stream';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'lzma' | 'zstd';

/** Magic bytes; lzma_alone has none (see looksLikeLzma). */
const MAGIC: ReadonlyArray<readonly [Compression, readonly number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]], // "BZh"
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** How many first bytes sniffCompression needs to tell every format apart. */
export const SNIFF_LENGTH = 6;

/** The compression whose magic bytes start `head`, if any. */
export function sniffCompression(head: Uint8Array): Compression | undefined {
  return MAGIC.find(([, magic]) => head.length >= magic.length && magic.every((b, i) => head[i] === b))?.[0];
}

/**
 * Whether `head` can start an lzma_alone stream, which has no magic: a properties byte (lc/lp/pb,
 * below 225) then a little-endian dictionary size. Only meaningful where lzma is declared.
 */
export function looksLikeLzma(head: Uint8Array): boolean {
  return head.length >= 5 && head[0]! < 225;
}

export interface DecompressorOptions {
  /** Output chunk size (zlib's chunkSize, liblzma's bufsize). */
  chunkSize?: number;
  /**
   * xz/lzma on the calling thread instead of libuv's pool: cheaper for many small streams (RPM
   * payloads), slower for one large one that could overlap with its consumer (metadata).
   */
  synchronous?: boolean;
}

/** A stream that decompresses `kind`; corrupt input makes it emit an error. */
export async function decompressor(kind: Compression, options: DecompressorOptions = {}): Promise<Transform> {
  const chunkSize = options.chunkSize ?? 128 * 1024;
  switch (kind) {
    case 'gzip':
      return createGunzip({ chunkSize });
    case 'zstd':
      return createZstdDecompress({ chunkSize });
    case 'xz':
    case 'lzma': {
      // liblzma's auto decoder reads both formats
      const { createDecompressor } = await import('lzma-native');
      return createDecompressor({ synchronous: options.synchronous ?? false, bufsize: chunkSize });
    }
    case 'bzip2':
      return new Bzip2Transform();
  }
}

/** unbzip2-stream (a classic through stream) as a Transform whose errors reach the consumer. */
class Bzip2Transform extends Transform {
  private readonly inner = unbzip2();
  private failed: Error | undefined;
  private ended: (() => void) | undefined;
  constructor() {
    super();
    this.inner.on('data', (d: Buffer) => this.push(d));
    this.inner.on('error', (e: Error) => {
      this.failed ??= e;
      this.ended?.(); // an error while flushing ends the stream with it (no 'end' follows)
    });
    this.inner.on('end', () => this.ended?.());
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.inner.write(chunk);
    } catch (e) {
      this.failed ??= e as Error;
    }
    cb(this.failed);
  }
  override _flush(cb: TransformCallback): void {
    if (this.failed) return cb(this.failed);
    let called = false;
    this.ended = () => {
      if (called) return;
      called = true;
      cb(this.failed);
    };
    try {
      this.inner.end();
    } catch (e) {
      cb(e as Error);
    }
  }
}
