import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  publishRepositories,
  publishRepository,
  verifyPublished,
  verifyPublishedRepositories,
} from '../../src/publish/index.js';
import { writeRepo } from './repo-fixture.js';
import { yumda } from '../helpers/cli.js';
import { scratchDir } from '../helpers/tmp.js';

t.test('file:// destination: first, no-op, changed, --delete, verified each time', async (t) => {
  const dir = await scratchDir(t, 'publish-src');
  const out = await scratchDir(t, 'publish-dest');
  const dest = pathToFileURL(join(out, 'repo')).href;
  // createrepo_c's output publishes just as well as yumda's
  const names = await writeRepo(dir, [{ name: 'alpha' }, { name: 'bravo' }, { name: 'charlie' }], {
    indexer: 'createrepo_c',
  });

  const first = await publishRepository(dir, dest);
  t.equal(first.summary.uploads, names.length + 4);
  t.same((await verifyPublished(dest, { packageChecksums: true })).problems, []);
  t.notOk(existsSync(join(out, 'repo', '.yumda-publish.lock')), 'lock released');

  const again = await publishRepository(dir, dest);
  t.equal(again.summary.uploads, 0, 'no-op republish copies nothing');

  await writeRepo(dir, [{ name: 'alpha' }, { name: 'bravo', variant: 'rebuilt' }], { indexer: 'createrepo_c' });
  const changed = await publishRepository(dir, dest, { delete: true });
  t.same(
    changed.plan.steps.filter((s) => s.path.startsWith('Packages/')).map((s) => [s.action, s.path]),
    [
      ['upload', names[1]],
      ['delete', names[2]],
    ],
  );
  t.same((await verifyPublished(dest, { packageChecksums: true })).problems, []);
  t.equal(
    await readFile(join(out, 'repo/repodata/repomd.xml'), 'utf8'),
    await readFile(join(dir, 'repodata/repomd.xml'), 'utf8'),
  );
  for (const p of changed.plan.keptPreviousGeneration)
    t.ok(existsSync(join(out, 'repo', p)), `previous generation ${p} kept`);
});

t.test('file://: a live lock stops a second publisher; a dead one is taken over', async (t) => {
  const dir = await scratchDir(t, 'publish-lock-src');
  const out = await scratchDir(t, 'publish-lock-dest');
  await writeRepo(dir, [{ name: 'alpha' }]);
  const dest = pathToFileURL(out).href;
  await mkdir(out, { recursive: true });
  const { hostname } = await import('node:os');
  // this very process holds it: alive
  await writeFile(join(out, '.yumda-publish.lock'), JSON.stringify({ pid: process.pid, host: hostname() }));
  await t.rejects(publishRepository(dir, dest), { code: 'PUBLISH_CONFLICT', message: /another publisher/ });
  // a pid that cannot exist: stale
  await writeFile(join(out, '.yumda-publish.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname() }));
  await publishRepository(dir, dest);
  t.same((await verifyPublished(dest)).problems, []);
});

t.test('a directory without repodata is refused with a hint', async (t) => {
  const dir = await scratchDir(t, 'publish-empty');
  await t.rejects(publishRepository(dir, pathToFileURL(join(dir, 'out')).href), {
    code: 'NOT_A_REPOSITORY',
    hint: /yumda repo index/,
  });
  await t.rejects(publishRepository(dir, 'ftp://x/y'), { code: 'BAD_URL' });
});

t.test('metadata that does not match repomd.xml is never published', async (t) => {
  const dir = await scratchDir(t, 'publish-corrupt');
  await writeRepo(dir, [{ name: 'alpha' }]);
  const repomd = await readFile(join(dir, 'repodata/repomd.xml'), 'utf8');
  const primary = /href="(repodata\/[^"]+primary[^"]+)"/.exec(repomd)![1]!;
  await writeFile(join(dir, primary), 'garbage');
  await t.rejects(publishRepository(dir, pathToFileURL(join(dir, 'out')).href), { code: 'REPO_INCONSISTENT' });
});

t.test('RPMS/ + SRPMS/ layout: each repository goes to DEST/RPMS and DEST/SRPMS', async (t) => {
  const dir = await scratchDir(t, 'publish-layout');
  const out = await scratchDir(t, 'publish-layout-dest');
  await writeRepo(join(dir, 'RPMS'), [{ name: 'alpha' }, { name: 'bravo' }]);
  await writeRepo(join(dir, 'SRPMS'), [{ name: 'alpha' }, { name: 'bravo' }], { kind: 'srpm' });
  const dest = pathToFileURL(out).href;
  const results = await publishRepositories(dir, dest);
  t.same(
    results.map((r) => r.destination),
    [`${dest}/RPMS/`, `${dest}/SRPMS/`],
  );
  for (const r of results)
    t.same(
      (await verifyPublished(r.destination, { packageChecksums: true })).problems,
      [],
      `${r.destination} consistent`,
    );
  t.ok(existsSync(join(out, 'SRPMS/Packages/alpha-1.0-1.src.rpm')));
  const tree = await verifyPublishedRepositories(dest);
  t.same(
    tree.map((r) => [r.destination, r.ok]),
    [
      [`${dest}/RPMS/`, true],
      [`${dest}/SRPMS/`, true],
    ],
  );
});

t.test('CLI: a plain directory (relative to the working directory) is a destination', async (t) => {
  const dir = await scratchDir(t, 'publish-src');
  const out = await scratchDir(t, 'publish-dest');
  await writeRepo(dir, [{ name: 'alpha' }], { indexer: 'createrepo_c' });
  const published = await yumda(['repo', 'publish', dir, 'pub'], { cwd: out });
  t.equal(published.exitCode, 0, published.stderr);
  t.ok(existsSync(join(out, 'pub', 'repodata', 'repomd.xml')));
  const verified = await yumda(['repo', 'verify', 'pub', '--json'], { cwd: out });
  t.equal(verified.exitCode, 0, verified.stderr);
  const refused = await yumda(['repo', 'verify', 'http://127.0.0.1:9/repo'], { cwd: out });
  t.equal(refused.exitCode, 2, 'another scheme is a usage error');
  t.match(refused.stderr, /unsupported destination/);
});
