/** Metadata decompression from files: gzip read in pieces, a consumer that stops early, corrupt data. */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { decompressedChunks } from '../../src/repodata/decompress.js';

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

t.test('a gzip file larger than one read and the read-ahead comes out whole', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-decompress-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // hex text: compresses about 2:1, so the file takes many reads and its content exceeds the read-ahead
  const content = Buffer.from(randomBytes(3 * 1024 * 1024).toString('hex'));
  const path = join(dir, 'primary.xml.gz');
  await writeFile(path, gzipSync(content));
  const chunks: Uint8Array[] = [];
  for await (const chunk of decompressedChunks(path)) chunks.push(chunk);
  t.ok(chunks.length > 1, `${chunks.length} chunks`);
  t.ok(Buffer.concat(chunks).equals(content), 'same bytes');
});

t.test(
  'a consumer that stops early leaves no descriptor open',
  { skip: process.platform !== 'linux' && 'needs /proc/self/fd' },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'yumda-decompress-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'filelists.xml.gz');
    await writeFile(path, gzipSync(Buffer.from(randomBytes(2 * 1024 * 1024).toString('hex'))));
    const before = openDescriptors();
    for (let i = 0; i < 5; i++) {
      for await (const chunk of decompressedChunks(path)) {
        void chunk;
        break;
      }
    }
    await sleep(50); // a read under way when the consumer left closes the file when it completes
    t.equal(openDescriptors(), before);
  },
);

t.test('corrupt gzip data is METADATA_CORRUPT', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-decompress-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const gz = gzipSync(Buffer.from('<metadata>'.repeat(10000)));
  gz.fill(0x55, 20, 60);
  const path = join(dir, 'other.xml.gz');
  await writeFile(path, gz);
  await t.rejects(
    async () => {
      for await (const chunk of decompressedChunks(path)) void chunk;
    },
    { code: 'METADATA_CORRUPT' },
  );
});
