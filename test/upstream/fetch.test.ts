/**
 * Source fetching against a fake AL2 SRPMS upstream on 127.0.0.1 (mirror.list → base URL →
 * repodata made by createrepo_c), with SRPMs built by rpmbuild -bs. The downloaded files are
 * checked with the real rpm, not with our own reader.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { yumda } from '../helpers/cli.js';
import { deadUrl } from '../helpers/http-server.js';
import { hashFile } from '../../src/util/hash.js';
import { isYumdaError } from '../../src/util/errors.js';
import { resolveUpstream } from '../../src/upstream/config.js';
import { loadUpstreamIndex } from '../../src/upstream/metadata.js';
import { fetchSources } from '../../src/upstream/fetch.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

let up: FakeUpstream;
const work = await mkdtemp(join(tmpdir(), 'yumda-fetch-'));
t.before(async () => {
  up = await startFakeUpstream();
});
t.teardown(async () => {
  await up.close();
  await rm(work, { recursive: true, force: true });
});

let n = 0;
const freshDir = (): string => join(work, `out-${++n}`);

async function rpmNevr(path: string): Promise<string> {
  const r = await execa('rpm', ['-qp', '--nosignature', '--qf', '%{epochnum}:%{name}-%{version}-%{release}', path]);
  return r.stdout;
}

async function index() {
  return loadUpstreamIndex(resolveUpstream(up.mirrorListUrl));
}

t.test('the newest EVR of each name is chosen (1.10 > 1.9; an epoch beats a higher version)', async (t) => {
  const out = freshDir();
  const stored = await fetchSources(await index(), ['upsrc', 'upsrc-extra'], { outDir: out });
  t.same(
    stored.map((s) => s.path.replace(/^.*\//, '')),
    ['upsrc-1.10-1.amzn2.src.rpm', 'upsrc-extra-0.5-3.amzn2.src.rpm'],
  );
  t.equal(await rpmNevr(stored[0]!.path), '0:upsrc-1.10-1.amzn2');
  t.equal(await rpmNevr(stored[1]!.path), '1:upsrc-extra-0.5-3.amzn2');
  for (const s of stored) {
    t.equal(
      await hashFile(s.path),
      await hashFile(up.localPackage(s.path.replace(/^.*\//, ''))),
      'byte-identical to the served file',
    );
    t.equal(s.reused, false);
  }
  t.same(
    (await readdir(out)).sort(),
    ['upsrc-1.10-1.amzn2.src.rpm', 'upsrc-extra-0.5-3.amzn2.src.rpm'],
    'no temporary files left',
  );
});

t.test('an exact NAME-VERSION-RELEASE (or NAME-VERSION, or the file name) is honoured', async (t) => {
  const out = freshDir();
  const idx = await index();
  const stored = await fetchSources(
    idx,
    ['upsrc-1.9-1.amzn2', 'upsrc-extra-2.0', 'upsrc-extra-1:0.5-3.amzn2.src.rpm'],
    { outDir: out },
  );
  t.same(await Promise.all(stored.map((s) => rpmNevr(s.path))), [
    '0:upsrc-1.9-1.amzn2',
    '0:upsrc-extra-2.0-1.amzn2',
    '1:upsrc-extra-0.5-3.amzn2',
  ]);
});

t.test('fetching again keeps a verified file instead of downloading it', async (t) => {
  const out = freshDir();
  const idx = await index();
  await fetchSources(idx, ['upsrc'], { outDir: out });
  const before = up.server.requests.length;
  const again = await fetchSources(idx, ['upsrc'], { outDir: out });
  t.equal(again[0]!.reused, true);
  t.equal(up.server.requests.length, before, 'nothing requested');
});

t.test('an unknown name fails before downloading anything, with close names', async (t) => {
  const out = freshDir();
  const idx = await index();
  const error = await fetchSources(idx, ['upsrc', 'upscr'], { outDir: out }).catch((e: unknown) => e);
  t.ok(isYumdaError(error));
  if (!isYumdaError(error)) return;
  t.equal(error.code, 'SOURCE_NOT_FOUND');
  t.match(error.message, /"upscr"/);
  t.match(error.hint, /did you mean upsrc/);
  t.notOk(existsSync(out), 'nothing written');

  const version = await fetchSources(idx, ['upsrc-3.0-1.amzn2'], { outDir: out }).catch((e: unknown) => e);
  t.ok(isYumdaError(version));
  if (isYumdaError(version)) t.match(version.hint, /upsrc exists with 1\.10-1\.amzn2, 1\.9-1\.amzn2/);
});

t.test('CLI: source fetch --json through $YUMDA_UPSTREAM_URL; unknown name exits 1', async (t) => {
  const out = freshDir();
  const r = await yumda(['source', 'fetch', 'upsrc', '-o', out, '--json'], {
    env: { YUMDA_UPSTREAM_URL: up.mirrorListUrl },
  });
  t.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    upstream: { mirror: string };
    packages: Array<{ name: string; version: string; sha256: string; path: string }>;
  };
  t.equal(json.upstream.mirror, up.baseUrl);
  t.equal(json.packages[0]!.version, '1.10');
  t.equal(json.packages[0]!.sha256, await hashFile(json.packages[0]!.path));

  const bad = await yumda(['source', 'fetch', 'gti', '-o', out, '--upstream', up.mirrorListUrl]);
  t.equal(bad.exitCode, 1);
  t.match(bad.stderr, /no source package "gti"/);
});

t.test('a corrupted download is rejected (exit 3) and leaves no file', async (t) => {
  const out = freshDir();
  up.server.inject(up.packagePath('upsrc-1.10-1.amzn2.src.rpm'), { corrupt: true });
  t.teardown(() => up.server.clearFaults());
  const r = await yumda(['source', 'fetch', 'upsrc', '-o', out, '--upstream', up.mirrorListUrl]);
  t.equal(r.exitCode, 3, r.stderr);
  t.match(r.stderr, /sha256 mismatch/);
  t.same(existsSync(out) ? await readdir(out) : [], [], 'no partial or temporary file');
});

t.test('a transient 500 on the package is retried', async (t) => {
  const out = freshDir();
  const path = up.packagePath('upsrc-1.9-1.amzn2.src.rpm');
  up.server.inject(path, { status: 500 }, 1);
  t.teardown(() => up.server.clearFaults());
  const before = up.server.requests.filter((p) => p === path).length;
  const stored = await fetchSources(await index(), ['upsrc-1.9-1.amzn2'], { outDir: out });
  t.equal(await rpmNevr(stored[0]!.path), '0:upsrc-1.9-1.amzn2');
  t.equal(up.server.requests.filter((p) => p === path).length - before, 2, 'one failure, one success');
});

t.test('a dropped connection is retried', async (t) => {
  const out = freshDir();
  const path = up.packagePath('upsrc-extra-2.0-1.amzn2.src.rpm');
  up.server.inject(path, { drop: true }, 1);
  t.teardown(() => up.server.clearFaults());
  const before = up.server.requests.filter((p) => p === path).length;
  const stored = await fetchSources(await index(), ['upsrc-extra-2.0-1.amzn2'], { outDir: out });
  t.equal(await rpmNevr(stored[0]!.path), '0:upsrc-extra-2.0-1.amzn2');
  t.equal(up.server.requests.filter((p) => p === path).length - before, 2);
});

t.test('an unreachable upstream is reported clearly (exit 4)', async (t) => {
  const dead = await deadUrl();
  const r = await yumda([
    'source',
    'fetch',
    'upsrc',
    '-o',
    freshDir(),
    '--upstream',
    `${dead}/2/core/latest/SRPMS/mirror.list`,
  ]);
  t.equal(r.exitCode, 4, r.stderr);
  t.match(r.stderr, /cannot read the mirror list: cannot reach http/);
  t.match(r.stderr, new RegExp(dead.replace(/[.:/]/g, '\\$&')));
  t.match(r.stderr, /ECONNREFUSED/);

  const base = await loadUpstreamIndex(resolveUpstream(`${dead}/repo/`)).catch((e: unknown) => e);
  t.match(base, { exitCode: 4, message: /cannot reach .*repodata\/repomd\.xml: ECONNREFUSED/ });
});

t.test('every mirror dead: exit 4 naming each mirror', async (t) => {
  const [a, b] = [await deadUrl(), await deadUrl()];
  await up.setMirrors([`${a}/x/`, `${b}/y/`]);
  t.teardown(() => up.setMirrors([up.baseUrl]));
  const error = await index().catch((e: unknown) => e);
  t.match(error, { exitCode: 4, message: /none of 2 mirrors could be reached/ });
  t.match(error, { message: new RegExp(`${a}/x: .*ECONNREFUSED.*${b}/y: .*ECONNREFUSED`) });
});

t.test('first mirror dead: the second one is used, for metadata and download', async (t) => {
  const dead = await deadUrl();
  await up.setMirrors([`${dead}/2/core/2.0/SRPMS/dead/`, up.baseUrl]);
  t.teardown(() => up.setMirrors([up.baseUrl]));
  const out = freshDir();
  const r = await yumda(['source', 'fetch', 'upsrc-extra', '-o', out, '--upstream', up.mirrorListUrl, '--json']);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stderr, /mirror http:\/\/127\.0\.0\.1:\d+\/2\/core\/2\.0\/SRPMS\/dead failed .*trying/);
  const json = JSON.parse(r.stdout) as { upstream: { mirror: string }; packages: Array<{ path: string }> };
  t.equal(json.upstream.mirror, up.baseUrl);
  t.equal(await rpmNevr(json.packages[0]!.path), '1:upsrc-extra-0.5-3.amzn2');
});

t.test('a base URL (not a mirror list) works too, and source list shows the newest of each name', async (t) => {
  const r = await yumda(['source', 'list', '--upstream', up.baseUrl, '--json']);
  t.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    packages: Array<{ name: string; epoch: number; version: string; release: string }>;
  };
  t.same(
    json.packages.map((p) => `${p.name} ${p.epoch}:${p.version}-${p.release}`),
    ['upsrc 0:1.10-1.amzn2', 'upsrc-extra 1:0.5-3.amzn2'],
  );
  const all = await yumda(['source', 'list', 'upsrc', '--all', '--upstream', up.mirrorListUrl]);
  t.equal(all.exitCode, 0, all.stderr);
  t.same(all.stdout.trim().split('\n'), ['upsrc  1.10-1.amzn2', 'upsrc  1.9-1.amzn2']);
});

t.test('primary.xml that does not match repomd.xml is rejected (exit 3)', async (t) => {
  const files = await readdir(join(up.root, '2/core/2.0/SRPMS/5a1c0de5b4a1e2d3/repodata'));
  const primary = files.find((f) => f.endsWith('primary.xml.gz'))!;
  up.server.inject(`/2/core/2.0/SRPMS/5a1c0de5b4a1e2d3/repodata/${primary}`, { corrupt: true });
  t.teardown(() => up.server.clearFaults());
  const error = await index().catch((e: unknown) => e);
  t.match(error, { exitCode: 3, code: 'CHECKSUM_MISMATCH', message: /primary\.xml\.gz/ });
});

t.test("an upstream indexed by yumda's own indexer reads the same as one indexed by createrepo_c", async (t) => {
  const ours = await startFakeUpstream(undefined, { indexer: 'yumda' });
  t.teardown(() => ours.close());
  const summary = (idx: Awaited<ReturnType<typeof index>>) =>
    [...idx.sources.byName.values()]
      .flat()
      .map(
        (p) =>
          `${p.name} ${p.epoch}:${p.version}-${p.release} ${p.checksum.type}:${p.checksum.value} ${p.size} ${p.locationHref.replace(/^.*\//, '')}`,
      )
      .sort();
  const [a, b] = [await index(), await loadUpstreamIndex(resolveUpstream(ours.mirrorListUrl))];
  t.equal(b.count, 4);
  t.same(summary(b), summary(a));
});
