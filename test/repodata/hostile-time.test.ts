/**
 * Issue 12, "time": a server that accepts and never answers, one that stalls after its headers,
 * and one that drips a byte at a time forever. Each fails within the configured timeouts
 * (YUMDA_TIMEOUT, YUMDA_DEADLINE; seconds) with a message saying which, exit 4, and a hung host
 * is not asked again. The figures here are small so the test is quick; nothing asserts timings.
 */
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { repoFromUrl } from '../../src/config/repos.js';
import { loadRepo } from '../../src/install/metadata.js';
import { fetchBuffer, networkTimeouts } from '../../src/util/fetch.js';
import { yumda } from '../helpers/cli.js';
import { hostileServer, failureOf } from '../helpers/hostile-server.js';
import { scratchDir } from '../helpers/tmp.js';

const work = await scratchDir(t, 'hostile-time');
await mkdir(join(work, 'repo'));
const server = await hostileServer(join(work, 'repo'));
t.teardown(() => server.close());
server.on('/hang/repodata/repomd.xml', { hang: true });
server.on('/stall/repodata/repomd.xml', { stall: true, prefix: '<repomd>' });
server.on('/drip/repodata/repomd.xml', { drip: 200 });

t.test('a server that accepts and never answers: the idle timeout, once, exit 4', async (t) => {
  const r = await yumda(
    ['install', 'x', '--repo', `${server.url}/hang`, '--cache-dir', join(work, 'cache'), '-d', join(work, 'layer')],
    { env: { YUMDA_TIMEOUT: '1' } },
  );
  t.equal(r.exitCode, 4, r.stderr);
  t.match(r.stderr, /the server sent nothing for 1 s/);
  t.match(r.stderr, /YUMDA_TIMEOUT/);
  t.equal(
    server.requests.filter((p) => p === '/hang/repodata/repomd.xml').length,
    1,
    'a hung server is not asked again',
  );
});

t.test('a server that stalls after its headers, and one that never finishes', async (t) => {
  const stalled = await failureOf(
    fetchBuffer(`${server.url}/stall/repodata/repomd.xml`, { timeouts: { idleMs: 500 } }),
  );
  t.equal(stalled.code, 'TIMEOUT', stalled.message);
  t.match(stalled.message, /sent nothing for 0.5 s/);
  // a byte every 200 ms is never idle for 1 s: the deadline ends it
  process.env.YUMDA_DEADLINE = '1.5';
  t.teardown(() => delete process.env.YUMDA_DEADLINE);
  const dripping = await failureOf(
    loadRepo(repoFromUrl(`${server.url}/drip`, 'drip'), { cacheDir: join(work, 'cache'), arch: 'x86_64' }),
  );
  t.equal(dripping.code, 'REPO_UNREACHABLE', dripping.message);
  t.match(dripping.message, /not complete within 1.5 s/);
  t.equal(dripping.exitCode, 4);
});

t.test('timeouts are configurable, with sane defaults', async (t) => {
  t.same(networkTimeouts({}), { connectMs: 10_000, idleMs: 30_000, deadlineMs: 1_800_000 });
  t.same(networkTimeouts({ YUMDA_CONNECT_TIMEOUT: '2.5', YUMDA_TIMEOUT: '5', YUMDA_DEADLINE: '60' }), {
    connectMs: 2500,
    idleMs: 5000,
    deadlineMs: 60_000,
  });
  t.throws(() => networkTimeouts({ YUMDA_TIMEOUT: 'soon' }), { code: 'BAD_TIMEOUT' });
  t.throws(() => networkTimeouts({ YUMDA_DEADLINE: '0' }), { code: 'BAD_TIMEOUT' });
});
