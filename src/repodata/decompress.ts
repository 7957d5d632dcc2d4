/**
 * Metadata files arrive gzip (yum 3), xz, bzip2 or zstd compressed, or plain: recognise the
 * compression by its first bytes (not by the file name) and stream the decompressed bytes.
 */
import { createReadStream } from 'node:fs';
import { PassThrough, pipeline, Readable, type Transform, type Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { YumdaError } from '../util/errors.js';

export type MetadataSource = string | Readable | AsyncIterable<Uint8Array>;

type Kind = 'gzip' | 'xz' | 'bzip2' | 'zstd' | 'plain';

function sniff(head: Uint8Array): Kind {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'plain';
}

async function* zstdChunks(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { Decompress: ZstdDecompress } = await import('fzstd');
  const out: Uint8Array[] = [];
  const d = new ZstdDecompress((chunk) => {
    out.push(chunk);
  });
  for await (const chunk of input) {
    d.push(chunk);
    while (out.length > 0) yield out.shift()!;
  }
  d.push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift()!;
}

/** Pipes chunks through a decompressor; an error on either side ends the iteration with it. */
function through(chunks: AsyncIterable<Uint8Array>, decompressor: Transform | Duplex): AsyncIterable<Uint8Array> {
  // the PassThrough makes classic (through-style) decompressors async-iterable too
  return pipeline(Readable.from(chunks, { objectMode: false }), decompressor, new PassThrough(), () => {});
}

/** The decompressed bytes of a metadata file (path) or stream, whatever its compression. */
export async function* decompressedChunks(source: MetadataSource, label = typeof source === 'string' ? source : 'metadata'): AsyncGenerator<Uint8Array> {
  const input: AsyncIterable<Uint8Array> = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1 << 18 }) : source;
  const iterator = input[Symbol.asyncIterator]();
  // gather at least 6 bytes to recognise the format
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 6) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const kind = sniff(first);
  try {
    switch (kind) {
      case 'plain':
        yield* rest();
        return;
      case 'zstd':
        yield* zstdChunks(rest());
        return;
      case 'gzip':
        yield* through(rest(), zlib.createGunzip({ chunkSize: 1 << 17 }));
        return;
      case 'xz': {
        // the rarer decompressors are loaded only when met (lzma-native is a native addon)
        const lzma = await import('lzma-native');
        yield* through(rest(), lzma.createDecompressor());
        return;
      }
      case 'bzip2': {
        const { default: unbzip2 } = await import('unbzip2-stream');
        yield* through(rest(), unbzip2());
        return;
      }
    }
  } catch (e) {
    if (e instanceof YumdaError) throw e;
    throw new YumdaError('METADATA_CORRUPT', `${label}: cannot decompress ${kind} metadata: ${(e as Error).message}`, { cause: e });
  }
}
