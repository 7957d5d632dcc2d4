/**
 * Metadata files arrive gzip (yum 3), xz, bzip2 or zstd compressed, or plain: recognise the
 * compression by its first bytes (not by the file name) and stream the decompressed bytes.
 */
import { closeSync, createReadStream, fstatSync, openSync, read, readFileSync, readSync } from 'node:fs';
import { pipeline, Readable, type Transform } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { decompressor, sniffCompression, SNIFF_LENGTH, type Compression } from '../util/compression.js';
import { YumdaError } from '../util/errors.js';

export type MetadataSource = string | Readable | AsyncIterable<Uint8Array>;

type Kind = Compression | 'plain';

function sniff(head: Uint8Array): Kind {
  return sniffCompression(head) ?? 'plain';
}

/** Pipes chunks through a decompressor; an error on either side ends the iteration with it. */
function through(chunks: AsyncIterable<Uint8Array>, decompressor: Transform): AsyncIterable<Uint8Array> {
  return pipeline(Readable.from(chunks, { objectMode: false }), decompressor, () => {});
}

export interface DecompressOptions {
  /**
   * A gzip file of at most this many bytes is inflated in one synchronous call (then handed out in
   * 1 MiB pieces). For a consumer that has nothing to overlap with the inflating thread (the
   * client's one-pass metadata index) that is cheaper than streaming; `repo index --update`
   * overlaps and streams. Default 0: always stream.
   */
  inflateAtOnceUpTo?: number;
}

/** The decompressed bytes of a metadata file (path) or stream, whatever its compression. */
export async function* decompressedChunks(
  source: MetadataSource,
  label = typeof source === 'string' ? source : 'metadata',
  options: DecompressOptions = {},
): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') yield* fileChunks(source, label, options.inflateAtOnceUpTo ?? 0);
  else yield* streamChunks(source, label);
}

/**
 * A file is sniffed with one small read; gzip (nearly always) is then decompressed by
 * gunzipFile, anything else streamed through its decompressor.
 */
async function* fileChunks(path: string, label: string, inflateAtOnceUpTo: number): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  let kind: Kind;
  let size: number;
  try {
    const head = Buffer.alloc(SNIFF_LENGTH);
    kind = sniff(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (kind === 'gzip' && size <= inflateAtOnceUpTo) {
    let xml: Buffer;
    try {
      xml = gunzipSync(readFileSync(fd));
    } catch (e) {
      throw corrupt(e, label, kind);
    } finally {
      closeSync(fd);
    }
    for (let i = 0; i < xml.length; i += 1 << 20) yield xml.subarray(i, i + (1 << 20));
    return;
  }
  if (kind === 'gzip') {
    yield* gunzipFile(fd, label);
    return;
  }
  const file = createReadStream('', { fd, start: 0, highWaterMark: 1 << 20 });
  try {
    yield* decompress(kind, file);
  } catch (e) {
    throw corrupt(e, label, kind);
  } finally {
    file.destroy();
  }
}

const GZIP_READ_SIZE = 64 * 1024;
/** Decompressed bytes held for the consumer before reading pauses. */
const GZIP_AHEAD = 1 << 20;

/**
 * The decompressed chunks of a gzip file, whose descriptor it takes over. File reads feed the
 * decompressor (on the thread pool) directly: a read stream, a pipe and a stream iterator cost
 * more to set up than the small files of a repository --update take to decompress. Reading stays
 * about GZIP_AHEAD decompressed bytes ahead of the consumer.
 */
async function* gunzipFile(fd: number, label: string): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  const ready: Buffer[] = [];
  let readyBytes = 0;
  let position = 0;
  let reading = false;
  let eof = false;
  let ended = false;
  let closed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const fail = (e: unknown): void => {
    failure ??= e;
    notify();
  };
  const readMore = (): void => {
    if (reading || eof || closed || failure !== undefined || readyBytes >= GZIP_AHEAD) return;
    reading = true;
    const buffer = Buffer.allocUnsafe(GZIP_READ_SIZE);
    read(fd, buffer, 0, GZIP_READ_SIZE, position, (e, n) => {
      reading = false;
      if (closed) return closeSync(fd); // the consumer left while this read was under way
      if (e) return fail(e);
      if (n === 0) {
        eof = true;
        gunzip.end();
        return;
      }
      position += n;
      gunzip.write(buffer.subarray(0, n), (e) => (e ? fail(e) : readMore()));
    });
  };
  gunzip.on('data', (chunk: Buffer) => {
    ready.push(chunk);
    readyBytes += chunk.length;
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });
  gunzip.on('error', fail);
  try {
    readMore();
    for (;;) {
      if (ready.length > 0) {
        const chunk = ready.shift()!;
        readyBytes -= chunk.length;
        readMore();
        yield chunk;
      } else if (failure !== undefined) {
        throw corrupt(failure, label, 'gzip');
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    closed = true;
    gunzip.destroy();
    if (!reading) closeSync(fd);
  }
}

async function* streamChunks(source: Readable | AsyncIterable<Uint8Array>, label: string): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  // gather enough bytes to recognise the format
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < SNIFF_LENGTH) {
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
    yield* decompress(kind, rest());
  } catch (e) {
    throw corrupt(e, label, kind);
  }
}

async function* decompress(kind: Kind, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (kind === 'plain') yield* input;
  else yield* through(input, await decompressor(kind));
}

function corrupt(e: unknown, label: string, kind: Kind): unknown {
  if (e instanceof YumdaError) return e;
  return new YumdaError('METADATA_CORRUPT', `${label}: cannot decompress ${kind} metadata: ${(e as Error).message}`, {
    cause: e,
  });
}
