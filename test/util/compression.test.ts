/** util/compression: one magic-byte table and one decompressor per format, for payloads and metadata alike. */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { decompressor, looksLikeLzma, sniffCompression, type Compression } from '../../src/util/compression.js';

const text = Buffer.from('<metadata packages="1">'.repeat(5000));
const compressed: Record<Compression, Buffer> = {
  gzip: gzipSync(text),
  zstd: zstdCompressSync(text),
  xz: execFileSync('xz', ['-c'], { input: text }),
  lzma: execFileSync('xz', ['--format=lzma', '-c'], { input: text }),
  bzip2: execFileSync('bzip2', ['-c'], { input: text }),
};

async function inflate(kind: Compression, input: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([input]), await decompressor(kind), async (chunks: AsyncIterable<Buffer>) => {
    for await (const c of chunks) out.push(c);
  });
  return Buffer.concat(out);
}

t.test('each format is recognised by its first bytes (lzma_alone has no magic) and decompresses', async (t) => {
  for (const [kind, bytes] of Object.entries(compressed) as [Compression, Buffer][]) {
    t.equal(sniffCompression(bytes), kind === 'lzma' ? undefined : kind, `${kind} sniffed`);
    t.ok((await inflate(kind, bytes)).equals(text), `${kind} decompressed`);
  }
  t.ok(looksLikeLzma(compressed.lzma));
  t.equal(sniffCompression(text), undefined, 'plain text is no compression');
  t.equal(sniffCompression(compressed.xz.subarray(0, 3)), undefined, 'too few bytes to tell');
});

t.test('corrupt input is an error of the stream, for every format', async (t) => {
  for (const [kind, bytes] of Object.entries(compressed) as [Compression, Buffer][]) {
    const bad = Buffer.from(bytes);
    bad.fill(0x55, 12, Math.min(bad.length - 4, 200));
    await t.rejects(inflate(kind, bad), kind);
  }
});
