/**
 * Random byte flips over valid RPMs (seeded, bounded): the reader and the extractor may fail, but
 * only ever with a YumdaError, and never write outside their destination.
 */
import t from 'tap';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractPackage } from '../../src/rpm/extract.js';
import { readRpmHeaders } from '../../src/rpm/header.js';
import { readRpmInfo } from '../../src/rpm/package.js';
import { isYumdaError } from '../../src/util/errors.js';
import { craftRpm } from './craft.js';
import { featureRpms, helloRpms } from './fixtures.js';

/** mulberry32: a tiny seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const ITERATIONS = 120;

t.test('byte flips only ever produce YumdaError', async (t) => {
  const sandbox = await mkdtemp(join(tmpdir(), 'yumda-fuzz-'));
  t.teardown(() => rm(sandbox, { recursive: true, force: true }));
  const hello = (await helloRpms()).rpms[0]!;
  const xz = (await featureRpms('xz')).rpms.find((p) => p.includes('-libs-'))!;
  const stripped = join(sandbox, 'stripped.rpm');
  await writeFile(
    stripped,
    craftRpm({
      stripped: true,
      files: [
        { path: '/opt/d', mode: 0o40755 },
        { path: '/opt/d/f', mode: 0o100644, content: 'x'.repeat(3000) },
        { path: '/opt/d/l', mode: 0o120777, linkto: 'f' },
      ],
    }),
  );
  const bases = [hello, xz, stripped];
  const rand = prng(0x59554d44);
  let failures = 0;
  let successes = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const base = bases[i % bases.length]!;
    const bytes = Buffer.from(await readFile(base));
    const { headerStart, headerEnd } = await readRpmHeaders(base);
    const flips = 1 + Math.floor(rand() * 3);
    for (let f = 0; f < flips; f++) {
      // half the flips land in the headers, half in the payload
      const inHeader = rand() < 0.5;
      const pos = inHeader
        ? Math.floor(rand() * headerEnd)
        : headerEnd + Math.floor(rand() * (bytes.length - headerEnd));
      bytes[pos] = bytes[pos]! ^ (1 + Math.floor(rand() * 255));
    }
    const file = join(sandbox, `fuzz-${i}.rpm`);
    await writeFile(file, bytes);
    const verify = i % 2 === 0;
    for (const run of [
      () => readRpmInfo(file, { verify }),
      () =>
        extractPackage(file, join(sandbox, `out-${i}`), {
          verify,
          stripPrefix: '/opt',
          outsidePrefix: 'skip',
          decompressor: i % 4 < 2 ? 'auto' : 'builtin',
        }),
    ]) {
      try {
        await run();
        successes++;
      } catch (e) {
        failures++;
        if (!isYumdaError(e)) {
          t.fail(
            `iteration ${i} (${base}, header ${headerStart}-${headerEnd}, verify ${verify}) threw a non-YumdaError: ${e instanceof Error ? e.stack : String(e)}`,
          );
        }
      }
    }
  }
  const left = (await readdir(sandbox)).filter(
    (n) => !n.startsWith('fuzz-') && !n.startsWith('out-') && n !== 'stripped.rpm',
  );
  t.same(left, [], 'nothing written beside the destinations');
  t.ok(failures > 0, `${failures} runs failed cleanly, ${successes} survived the flips`);
});
