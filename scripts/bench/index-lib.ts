/**
 * The index library behind a minimal entry point, for scripts/bench/index.ts: the same work as
 * `yumda repo index` without loading the rest of the CLI (whose start-up cost is reported apart).
 *
 *   node dist/scripts/bench/index-lib.js DIR [--update] [--workers N]
 */
import { indexRepository } from '../../src/repodata/index.js';

const [dir] = process.argv.slice(2).filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const w = process.argv.indexOf('--workers');
if (!dir) throw new Error('usage: index-lib.js DIR [--update] [--workers N]');
await indexRepository(dir, {
  update: process.argv.includes('--update'),
  ...(w > 0 ? { workers: Number(process.argv[w + 1]) } : {}),
});
