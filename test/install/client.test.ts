/**
 * The client end to end against a real repository (rpmbuild fixtures indexed by yumda's indexer)
 * served on 127.0.0.1 over HTTP, and over S3 (radosgw): install, incremental install, remove,
 * dry-run, JSON, every error, and a runtime proof in a private mount namespace.
 */
import t from 'tap';
import { existsSync, lstatSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { yumda, yumdaBin } from '../helpers/cli.js';
import { serveDirectory } from '../helpers/http-server.js';
import { ensureS3, s3Unavailable } from '../helpers/s3.js';
import { buildSources, makeRepo } from './fixtures.js';
import { distro } from './distro.js';
import { publishRepository } from '../../src/publish/publish.js';
import { loadProfile } from '../../src/config/profile.js';
import { repoFromUrl } from '../../src/config/repos.js';
import { openSession, resolveInSession, type Session } from '../../src/install/session.js';
import { listAvailable, searchPackages, whatProvides } from '../../src/install/query.js';
import { ResolveError } from '../../src/resolve/resolve.js';
import { listTree } from '../helpers/tree.js';

const rpms = await buildSources(distro);
const repoDir = await makeRepo(rpms, 'client');
const server = await serveDirectory(repoDir);
const work = await mkdtemp(join(tmpdir(), 'yumda-client-test-'));
const cache = join(work, 'cache');
t.teardown(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
  await rm(repoDir, { recursive: true, force: true });
});

let shared: Session | undefined;
async function session(): Promise<Session> {
  shared ??= await openSession([repoFromUrl(server.url, 'test')], { cacheDir: cache, arch: 'x86_64' });
  return shared;
}
/** The plan for a request, through the library (the CLI is exercised by the other tests). */
async function planFor(...requests: string[]): Promise<string[]> {
  const plan = await resolveInSession(await session(), { requests, profile: loadProfile('al2'), arch: 'x86_64' });
  return plan.install.map(({ pkg: p }) => `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}`);
}
async function problemsFor(...requests: string[]): Promise<string> {
  try {
    await planFor(...requests);
  } catch (e) {
    if (e instanceof ResolveError) return e.message + (e.hint ? `\nhint: ${e.hint}` : '');
    throw e;
  }
  return 'no error';
}

const common = (dest: string, repo = server.url): string[] => [
  '--repo',
  repo,
  '--cache-dir',
  cache,
  '-d',
  dest,
  '--no-check',
];

t.test('install over HTTP: closure, relocation, skipped base, docs and outside files left out', async (t) => {
  const dest = join(work, 'layer1');
  const r = await yumda(['install', 'tool', ...common(dest)]);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /Installing:\n tool /);
  t.match(r.stdout, /Installing for dependencies:/);
  t.match(r.stdout, /Skipped \(already in the Lambda base al2\): .*zlib/);
  t.match(r.stderr, /greet-1\.2-1\.lambda2\.x86_64: 1 file outside \/opt left out .*\/tmp\/var\/lib\/greet\/state/);
  t.match(r.stderr, /1 documentation file left out/);
  t.match(r.stderr, /reading file lists/, 'a file requirement outside primary loads filelists');
  t.same(
    listTree(dest).filter((p) => !p.startsWith('.yumda')),
    [
      'bin/',
      'bin/greet',
      'bin/tool',
      'bin/tool-link',
      'lib/',
      'lib/libgreet.so.1',
      'lib/libgreet.so.1.0',
      'share/',
      'share/greet/',
      'share/greet/message.txt',
    ],
  );
  t.equal(readlinkSync(join(dest, 'bin/tool-link')), 'tool', 'symlinks stay symlinks');
  t.equal(lstatSync(join(dest, 'bin/tool')).mode & 0o777, 0o755, 'modes kept');
  const manifest = JSON.parse(readFileSync(join(dest, '.yumda/installed.json'), 'utf8'));
  t.same(
    manifest.packages.map((p: { name: string }) => p.name),
    ['greet', 'greet-data', 'greet-libs', 'tool'],
  );
  const data = manifest.packages.find((p: { name: string }) => p.name === 'greet-data');
  t.match(data.files, [{ path: 'share/greet/message.txt', type: 'file', sha256: /^[0-9a-f]{64}$/ }]);

  // incremental: a second install adds only what is missing, and reuses nothing from before
  const again = await yumda(['install', 'tool', ...common(dest)]);
  t.equal(again.exitCode, 0, again.stderr);
  t.match(again.stdout, /Nothing to do\.\nPackage tool-1\.0-1\.lambda2\.noarch is already installed\./);
  const more = await yumda(['install', 'writer', '--json', ...common(dest)]);
  t.equal(more.exitCode, 0, more.stderr);
  t.same(
    JSON.parse(more.stdout).install.map((p: { name: string }) => p.name),
    ['editor', 'writer'],
  );

  const listed = await yumda(['list', '--installed', '-d', dest, '--json']);
  t.same(
    JSON.parse(listed.stdout).map((p: { name: string }) => p.name),
    ['editor', 'greet', 'greet-data', 'greet-libs', 'tool', 'writer'],
  );

  // remove: only files nobody else owns; dependents are reported
  const removed = await yumda(['remove', 'greet-data', '-d', dest]);
  t.equal(removed.exitCode, 0, removed.stderr);
  t.notOk(existsSync(join(dest, 'share/greet')), 'its files and now-empty dirs are gone');
  t.ok(existsSync(join(dest, 'bin/greet')));
  t.match(removed.stderr, /warning: greet needs greet-data/);
  const after = await yumda(['list', '--installed', '-d', dest]);
  t.notMatch(after.stdout, /greet-data/);
});

t.test('upgrades: install of an installed package with a newer version, and yumda update', async (t) => {
  const dest = join(work, 'upgrade');
  const first = await yumda(['install', 'upg-1.0', ...common(dest)]);
  t.equal(first.exitCode, 0, first.stderr);
  t.equal(readFileSync(join(dest, 'share/upg/common'), 'utf8'), 'v1\n');
  t.equal(readFileSync(join(dest, 'share/libv/v'), 'utf8'), '2\n', 'libv: the newest satisfies upg 1.0');
  const pinned = await yumda(['install', 'libv-1.0', ...common(dest)]);
  t.equal(pinned.exitCode, 0, 'an explicit older version is not a downgrade: ' + pinned.stderr);
  t.match(pinned.stdout, /Package libv-2\.0-1\.lambda2\.noarch is already installed/);

  // yum semantics: install NAME of an installed package upgrades it when the repository has newer
  const up = await yumda(['install', 'upg', ...common(dest)]);
  t.equal(up.exitCode, 0, up.stderr);
  t.match(up.stdout, /Upgrading:\n upg /);
  t.match(up.stdout, /Removing \(replaced\): upg-1\.0-1\.lambda2\.noarch/);
  t.match(up.stderr, /Installed 0 and upgraded 1 package in/);
  t.equal(readFileSync(join(dest, 'share/upg/common'), 'utf8'), 'v2\n', 'a changed file is replaced');
  t.notOk(existsSync(join(dest, 'share/upg/old-only')), 'a file only the old version had is gone');
  t.ok(existsSync(join(dest, 'share/upg/new-only')), 'a file only the new version has is there');
  const manifest = JSON.parse(readFileSync(join(dest, '.yumda/installed.json'), 'utf8'));
  t.same(
    manifest.packages.map((p: { name: string; version: string }) => `${p.name}-${p.version}`),
    ['libv-2.0', 'upg-2.0'],
  );
  t.notOk(
    manifest.packages
      .find((p: { name: string }) => p.name === 'upg')
      .files.some((f: { path: string }) => f.path.endsWith('old-only')),
  );
  const again = await yumda(['install', 'upg', ...common(dest)]);
  t.match(again.stdout, /Package upg-2\.0-1\.lambda2\.noarch is already installed/, 'then a no-op');

  // update: every installed package (or the named ones) to the newest, with what the new ones need
  const dest2 = join(work, 'update');
  t.equal((await yumda(['install', 'needs-old', 'epo-0:2.0', '--base', 'none', ...common(dest2)])).exitCode, 0);
  t.equal((await yumda(['install', 'upg-1.0', '--base', 'none', ...common(dest2)])).exitCode, 0);
  const before = JSON.parse(readFileSync(join(dest2, '.yumda/installed.json'), 'utf8')).packages.map(
    (p: { name: string; version: string }) => `${p.name}-${p.version}`,
  );
  t.same(before, ['epo-2.0', 'libv-1.0', 'needs-old-1.0', 'upg-1.0'], 'needs-old holds libv at 1.0');
  const named = await yumda(['update', 'epo', '--json', '--base', 'none', ...common(dest2)]);
  t.equal(named.exitCode, 0, named.stderr);
  t.same(
    JSON.parse(named.stdout).install.map(
      (p: { name: string; epoch: number; version: string }) => `${p.name}-${p.epoch}:${p.version}`,
    ),
    ['epo-1:1.0'],
    'the epoch makes 1:1.0 newer',
  );
  const missing = await yumda(['update', 'greet', '--base', 'none', ...common(dest2)]);
  t.equal(missing.exitCode, 1);
  t.match(missing.stderr, /not installed in .*: greet/);
  // upg 2.0 needs libv >= 2.0, which needs-old (libv < 2.0) forbids: the plan fails, DIR is unchanged
  const treeBefore = listTree(dest2);
  const blocked = await yumda(['update', '--base', 'none', ...common(dest2)]);
  t.equal(blocked.exitCode, 1);
  t.match(
    blocked.stderr,
    /libv < 0:2\.0 needed by needs-old-1\.0-1\.lambda2\.noarch \(installed in the layer\) would no longer be satisfied once libv-1\.0-1\.lambda2\.noarch is replaced by libv-2\.0-1\.lambda2\.noarch \(pulled in by: (upg → )?libv\)/,
  );
  t.same(listTree(dest2), treeBefore, 'a failed update changes nothing');
  t.equal((await yumda(['remove', 'needs-old', '-d', dest2])).exitCode, 0);
  const all = await yumda(['upgrade', '--base', 'none', ...common(dest2)]);
  t.equal(all.exitCode, 0, all.stderr);
  t.match(all.stdout, /Upgrading:\n( \S+.*\n)* upg /);
  const after = JSON.parse(readFileSync(join(dest2, '.yumda/installed.json'), 'utf8')).packages.map(
    (p: { name: string; version: string }) => `${p.name}-${p.version}`,
  );
  t.same(after, ['epo-1.0', 'libv-2.0', 'upg-2.0']);
  t.equal(readFileSync(join(dest2, 'share/libv/v'), 'utf8'), '2\n');
  const nothing = await yumda(['update', '--base', 'none', ...common(dest2)]);
  t.equal(nothing.exitCode, 0);
  t.match(nothing.stderr, /No packages marked for update/);
});

t.test(
  'metadata_expire: repomd.xml is not fetched again while fresh; --refresh and metadata_expire=0 fetch it',
  async (t) => {
    const zz = rpms.filter((r) => /\/zz-1\.0/.test(r));
    const dir = await makeRepo(
      rpms.filter((r) => !zz.includes(r)),
      'expire',
    );
    const served = await serveDirectory(dir);
    t.teardown(async () => {
      await served.close();
      await rm(dir, { recursive: true, force: true });
    });
    const cacheDir = join(work, 'expire-cache');
    const repomdFetches = (): number => served.requests.filter((r) => r.endsWith('/repodata/repomd.xml')).length;
    const list = async (...extra: string[]): Promise<string[]> => {
      const r = await yumda(['list', '--json', '--repo', served.url, '--cache-dir', cacheDir, ...extra]);
      t.equal(r.exitCode, 0, r.stderr);
      return JSON.parse(r.stdout).map((p: { name: string }) => p.name);
    };
    t.notOk((await list()).includes('zz'));
    t.equal(repomdFetches(), 1);
    // the repository is republished with one more package
    for (const rpm of zz) await cp(rpm, join(dir, 'Packages', rpm.split('/').pop()!));
    const { indexRepository } = await import('../../src/repodata/index.js');
    await indexRepository(dir, { revision: '2' });
    t.notOk((await list()).includes('zz'), 'within metadata_expire (6 h by default) the cached repomd.xml is used');
    t.equal(repomdFetches(), 1, 'and not fetched');
    t.ok((await list('--refresh')).includes('zz'), '--refresh fetches it');
    t.equal(repomdFetches(), 2);
    const repofile = join(work, 'expire.repo');
    writeFileSync(repofile, `[expire0]\nbaseurl=${served.url}\nmetadata_expire=0\n`);
    for (let i = 0; i < 2; i++) {
      const r = await yumda(['list', 'zz', '--json', '--repofile', repofile, '--cache-dir', cacheDir]);
      t.equal(r.exitCode, 0, r.stderr);
    }
    t.equal(repomdFetches(), 4, 'metadata_expire=0: every run asks');

    // a cached repomd.xml naming metadata the repository has since replaced: fetched again, once
    const cold = join(work, 'expire-cache2');
    t.ok((await yumda(['list', '--repo', served.url, '--cache-dir', cold])).exitCode === 0);
    for (const rpm of zz) await rm(join(dir, 'Packages', rpm.split('/').pop()!));
    await indexRepository(dir, { revision: '3' });
    // a publisher that deletes the previous generation right away
    const current = readFileSync(join(dir, 'repodata/repomd.xml'), 'utf8');
    for (const f of readdirSync(join(dir, 'repodata')))
      if (f !== 'repomd.xml' && !current.includes(f)) await rm(join(dir, 'repodata', f));
    const reposDir = join(cold, 'repos', readdirSync(join(cold, 'repos'))[0]!);
    for (const f of readdirSync(reposDir))
      if (f.startsWith('primary-') || f.includes('-primary.xml')) await rm(join(reposDir, f));
    const before = repomdFetches();
    const r = await yumda(['list', 'zz', '--repo', served.url, '--cache-dir', cold]);
    t.equal(r.exitCode, 0, r.stderr);
    t.match(r.stderr, /no matching packages/, 'the republished metadata (without zz) is read');
    t.equal(repomdFetches(), before + 1);
  },
);

t.test('dry-run and the JSON plan shape', async (t) => {
  const dest = join(work, 'dry');
  const r = await yumda(['install', 'greet', '--dry-run', '--json', ...common(dest)]);
  t.equal(r.exitCode, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  t.same(Object.keys(plan), ['install', 'skippedByBase', 'downloadSize', 'installedSize']);
  t.same(Object.keys(plan.install[0]), [
    'name',
    'epoch',
    'version',
    'release',
    'arch',
    'repo',
    'size',
    'installedSize',
  ]);
  t.same(
    plan.install.map((p: { name: string }) => p.name),
    ['greet', 'greet-data', 'greet-libs'],
  );
  t.equal(
    plan.downloadSize,
    plan.install.reduce((s: number, p: { size: number }) => s + p.size, 0),
  );
  t.ok(plan.skippedByBase.includes('/bin/sh'));
  t.notOk(existsSync(dest), 'dry-run writes nothing');
});

t.test('requests by version, capability, path; alternatives, epochs, obsoletes', async (t) => {
  const plan = planFor;
  t.same(await plan('libv'), ['libv-2.0']);
  t.same(await plan('libv-1.0'), ['libv-1.0']);
  t.same(await plan('libv-1.0-1.lambda2'), ['libv-1.0']);
  t.same(await plan('libv-1.0-1.lambda2.noarch'), ['libv-1.0']);
  t.same(await plan('libv < 2'), ['libv-1.0']);
  t.same(await plan('needs-old'), ['libv-1.0', 'needs-old-1.0']);
  t.same(await plan('epo'), ['epo-1:1.0'], 'epoch beats version');
  t.same(await plan('epo-0:2.0'), ['epo-2.0']);
  t.same(await plan('text-editor'), ['editor-1.0'], 'the provider named like the capability');
  t.same(await plan('suite'), ['suite-1.0', 'suite-impl-1.0'], 'the provider from the same source RPM');
  t.same(await plan('oldname'), ['newname-2.0'], 'an obsoleted package is replaced by its obsoleter');
  t.same(await plan('/opt/share/greet/message.txt'), ['greet-data-1.2']);
  t.same(await plan('libgreet.so.1()(64bit)'), ['greet-libs-1.2']);
  t.same(
    await plan('zlib', 'greet'),
    ['greet-1.2', 'greet-data-1.2', 'greet-libs-1.2'],
    'a base package is not installed',
  );
  t.match(
    await problemsFor('needs-old', 'needs-new'),
    /libv >= 0:2\.0 needed by needs-new-1\.0-1\.lambda2\.noarch is not satisfied by libv-1\.0-1\.lambda2\.noarch/,
  );
  t.match(
    await problemsFor('conf-a', 'conf-b'),
    /conf-a-1\.0-1\.lambda2\.noarch conflicts with conf-b-1\.0-1\.lambda2\.noarch/,
  );
  t.match(await problemsFor('gret'), /no package provides gret\nhint: did you mean greet/);
});

t.test('errors', async (t) => {
  const dest = join(work, 'errors');
  const missing = await yumda(['install', 'top', ...common(dest)]);
  t.equal(missing.exitCode, 1);
  t.match(
    missing.stderr,
    'nothing provides libmissing.so.1()(64bit) needed by broken-1.0-1.lambda2.noarch (pulled in by: top → broken)',
  );
  const zstd = await yumda(['install', 'zstdpkg', ...common(dest)]);
  t.equal(zstd.exitCode, 1);
  t.match(zstd.stderr, /rpmlib\(PayloadIsZstd\).*rpm 4\.11\.3 on al2 does not support \(a zstd-compressed payload/);
  const noneBase = await yumda(['install', 'zstdpkg', '--base', 'none', ...common(join(work, 'zstd-none'))]);
  t.equal(noneBase.exitCode, 0, '--base none has no rpm constraint: ' + noneBase.stderr);
  const unreachable = await yumda(['install', 'greet', ...common(dest, 'http://127.0.0.1:9/repo')]);
  t.equal(unreachable.exitCode, 4);
  t.match(unreachable.stderr, /repository .* is unreachable/);
  t.notOk(existsSync(dest), 'no failure created the layer directory');
});

t.test('package checksum mismatch: nothing installed, DIR unchanged (exit 3)', async (t) => {
  const dest = join(work, 'atomic');
  t.equal((await yumda(['install', 'editor', ...common(dest)])).exitCode, 0);
  const before = listTree(dest);
  const manifestBefore = readFileSync(join(dest, '.yumda/installed.json'), 'utf8');
  const href = readdirSync(join(repoDir, 'Packages')).find((n) => n.startsWith('greet-data-'))!;
  server.inject(`/Packages/${href}`, { corrupt: true });
  const r = await yumda(['install', 'greet', ...common(dest), '--cache-dir', join(work, 'cold-cache')]);
  server.clearFaults();
  t.equal(r.exitCode, 3, r.stderr);
  t.match(r.stderr, /greet-data-1\.2-1\.lambda2\.noarch from .*: the downloaded file does not match the sha256/);
  t.same(listTree(dest), before, 'DIR is as it was');
  t.equal(readFileSync(join(dest, '.yumda/installed.json'), 'utf8'), manifestBefore);
});

t.test('on a terminal, an error ends the progress line first', async (t) => {
  const dest = join(work, 'tty');
  const href = readdirSync(join(repoDir, 'Packages')).find((n) => n.startsWith('greet-data-'))!;
  server.inject(`/Packages/${href}`, { corrupt: true });
  // script(1) gives the command a terminal, so the progress line is drawn
  const argv = [
    process.execPath,
    yumdaBin,
    'install',
    'greet',
    ...common(dest),
    '--cache-dir',
    join(work, 'tty-cache'),
  ];
  const r = await execa('script', ['-qec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], {
    reject: false,
    env: { PATH: process.env.PATH },
  });
  server.clearFaults();
  const out = String(r.stdout);
  t.equal(r.exitCode, 3, out);
  t.match(out, /\rDownloading packages: /, 'progress was drawn');
  t.match(out, /(^|\n)yumda: error: greet-data-/, 'the error starts its own line');
});

t.test('corrupt metadata: refetched once, then a clear failure (exit 3)', async (t) => {
  const repomd = readFileSync(join(repoDir, 'repodata/repomd.xml'), 'utf8');
  const primary = /href="(repodata\/[^"]*primary\.xml\.gz)"/.exec(repomd)![1]!;
  const fresh = join(work, 'meta-cache');
  server.inject(`/${primary}`, { corrupt: true }, 1);
  const once = await yumda(['list', '--repo', server.url, '--cache-dir', fresh, '--json']);
  t.equal(once.exitCode, 0, 'one bad download is refetched: ' + once.stderr);
  server.inject(`/${primary}`, { corrupt: true });
  const twice = await yumda(['list', '--repo', server.url, '--cache-dir', join(work, 'meta-cache2')]);
  server.clearFaults();
  t.equal(twice.exitCode, 3);
  t.match(twice.stderr, /primary metadata does not match the checksum in repomd\.xml, even after fetching it again/);
  // a repomd.xml that is not XML
  const broken = join(work, 'broken-repo');
  await cp(repoDir, broken, { recursive: true });
  writeFileSync(join(broken, 'repodata/repomd.xml'), '<repomd><data type="primary"');
  const bad = await yumda(['list', '--repo', `file://${broken}`, '--cache-dir', fresh]);
  t.equal(bad.exitCode, 1);
  t.match(bad.stderr, /malformed repomd\.xml/);
});

t.test('hostile payload: nothing is written outside DIR', async (t) => {
  const dest = join(work, 'hostile');
  const r = await yumda(['install', 'outside', ...common(dest)]);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stderr, /outside-1\.0-1\.lambda2\.noarch: 1 file outside \/opt left out .*\/etc\/outside\.conf/);
  t.notOk(existsSync('/etc/outside.conf'));
  t.same(
    listTree(dest).filter((p) => !p.startsWith('.yumda')),
    ['share/', 'share/outside/', 'share/outside/ok'],
  );
});

t.test('discovery: list, search, info, provides', async (t) => {
  const s = await session();
  t.same(
    listAvailable(s.pool, ['libv']).map((p) => p.version),
    ['2.0'],
  );
  t.same(
    listAvailable(s.pool, ['libv'], true).map((p) => p.version),
    ['2.0', '1.0'],
  );
  const found = searchPackages(s.pool, 'greeting');
  t.same(found.nameMatches, []);
  t.same(
    found.summaryMatches.map((p) => p.name),
    ['greet', 'greet-data', 'greet-libs'],
  );
  t.same(
    searchPackages(s.pool, 'edit').nameMatches.map((p) => p.name),
    ['editor', 'vim-editor'],
  );
  t.same(
    whatProvides(s.pool, 'text-editor').map((p) => p.name),
    ['editor', 'vim-editor'],
  );
  const info = await yumda(['info', 'greet', '--json', '--repo', server.url, '--cache-dir', cache]);
  t.match(JSON.parse(info.stdout)[0], {
    name: 'greet',
    arch: 'x86_64',
    version: '1.2',
    summary: 'prints the greeting',
  });
  const prov = await yumda([
    'provides',
    '/opt/share/greet/message.txt',
    '--json',
    '--repo',
    server.url,
    '--cache-dir',
    cache,
  ]);
  t.same(
    JSON.parse(prov.stdout).providers.map((p: { name: string }) => p.name),
    ['greet-data'],
    'a path only filelists has',
  );
});

t.test('runtime proof: the program runs from DIR bind-mounted at /opt', async (t) => {
  const dest = join(work, 'runtime');
  const r = await yumda(['install', 'greet', ...common(dest)]);
  t.equal(r.exitCode, 0, r.stderr);
  const run = await execa(
    'bwrap',
    ['--dev-bind', '/', '/', '--bind', dest, '/opt', '--setenv', 'LD_LIBRARY_PATH', '/opt/lib', '/opt/bin/greet'],
    { reject: false },
  );
  if (run.exitCode !== 0 && /Operation not permitted|No permissions|setting up uid map/i.test(String(run.stderr))) {
    const viaUnshare = await execa(
      'unshare',
      ['-m', 'sh', '-c', `mount --bind '${dest}' /opt && LD_LIBRARY_PATH=/opt/lib /opt/bin/greet`],
      { reject: false },
    );
    t.equal(viaUnshare.exitCode, 0, String(viaUnshare.stderr));
    t.equal(viaUnshare.stdout, 'greet: hello from a layer');
    return;
  }
  t.equal(run.exitCode, 0, String(run.stderr));
  t.equal(
    run.stdout,
    'greet: hello from a layer',
    'the library from greet-libs and the data file from greet-data are found under /opt',
  );
});

t.test('install from S3 (radosgw)', { skip: s3Unavailable() }, async (t) => {
  const s3 = await ensureS3();
  Object.assign(process.env, s3.env);
  await publishRepository(repoDir, s3.url('al2/x86_64'));
  const dest = join(work, 's3layer');
  const r = await yumda(
    [
      'install',
      'writer',
      '--repo',
      s3.url('al2/x86_64'),
      '--cache-dir',
      join(work, 's3cache'),
      '-d',
      dest,
      '--no-check',
    ],
    { env: s3.env },
  );
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(existsSync(join(dest, 'bin/writer')));
  t.ok(existsSync(join(dest, 'bin/editor')));
});
