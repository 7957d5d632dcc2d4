/**
 * The install transaction against hostile packages and hostile moments: writes through a symlink
 * that another package (or another transaction) put in the layer, yumda's own state directory as
 * a target, set-id bits and directory modes, two installs at once, and kill -9 at chosen points of
 * an upgrade and a remove (YUMDA_TEST_CRASH), each followed by a run that must find the layer
 * exactly matching its manifest. Packages are built with the real rpmbuild and served over HTTP.
 */
import t from 'tap';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { yumda, yumdaBin } from '../helpers/cli.js';
import { buildSources, twoRepoLayerFixture, type FixtureSource } from './fixtures.js';
import { findFileConflicts } from '../../src/install/conflicts.js';

/** Outside every layer and cache of this test: nothing may ever appear or change here. */
const OUTSIDE = '/tmp/yumda-txn-test-outside';
const BIG_FILES = 3000;

const sources: FixtureSource[] = [
  { name: 'evil-link', packages: [{ name: 'evil-link', symlinks: { '/opt/evil': OUTSIDE } }] },
  {
    name: 'evil-payload',
    packages: [
      { name: 'evil-payload', requires: ['evil-link'], files: { '/opt/evil/payload': 'written through the link\n' } },
    ],
  },
  {
    name: 'plain-evil',
    packages: [{ name: 'plain-evil', files: { '/opt/evil/payload': 'an honest file\n', '/opt/evil/other': 'x\n' } }],
  },
  {
    name: 'state-writer',
    packages: [{ name: 'state-writer', files: { '/opt/.yumda/installed.json': '{"format":1}\n' } }],
  },
  {
    name: 'setid',
    packages: [
      {
        name: 'setid',
        install: [
          'mkdir -p %{buildroot}/opt/bin %{buildroot}/opt/share/groupdir',
          "printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/opt/bin/suid-tool",
          "printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/opt/bin/sgid-tool",
        ],
        extraFiles: [
          '%attr(4755,root,root) /opt/bin/suid-tool',
          '%attr(2111,root,root) /opt/bin/sgid-tool',
          '%dir %attr(0775,root,root) /opt/share/groupdir',
        ],
      },
    ],
  },
  ...['1.0', '2.0'].map((version): FixtureSource => ({
    name: 'big',
    version,
    packages: [
      {
        name: 'big',
        install: [
          `mkdir -p %{buildroot}/opt/share/big/v${version}`,
          `for i in $(seq 1 ${BIG_FILES}); do echo "${version} $i" > %{buildroot}/opt/share/big/f$i; done`,
          `echo ${version} > %{buildroot}/opt/share/big/v${version}/only`,
        ],
        extraFiles: ['/opt/share/big'],
      },
    ],
  })),
  { name: 'small-a', packages: [{ name: 'small-a', files: { '/opt/share/a/file': 'a\n' } }] },
  { name: 'small-b', packages: [{ name: 'small-b', files: { '/opt/share/b/file': 'b\n' } }] },
];

const rpms = await buildSources(sources);
const { server1, server2, work, cache, args } = await twoRepoLayerFixture(
  t,
  rpms.filter((r) => !/\/big-2\.0-/.test(r)),
  rpms.filter((r) => !/\/big-1\.0-/.test(r)),
  'txn',
  [OUTSIDE],
);

function freshOutside(): void {
  rmSync(OUTSIDE, { recursive: true, force: true });
  mkdirSync(OUTSIDE);
  writeFileSync(join(OUTSIDE, 'payload'), 'precious\n');
}

/** The layer's files (not yumda's state) as path → content/link. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === '.yumda') continue;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(dir, r))}`;
      else if (st.isDirectory()) visit(r);
      else if (st.isFile()) out[r] = readFileSync(join(dir, r), 'utf8');
    }
  };
  visit('');
  return out;
}

/** Installed files per the manifest, with each one's check against the disk. */
async function checkJson(dest: string): Promise<{ exitCode: number; codes: string[] }> {
  const r = await yumda(['check', dest, '--base', 'al2', '--json']);
  const report = JSON.parse(r.stdout) as { findings: Array<{ code: string }> };
  return { exitCode: r.exitCode, codes: report.findings.map((f) => f.code) };
}

function manifestNames(dest: string): string[] {
  const m = JSON.parse(readFileSync(join(dest, '.yumda/installed.json'), 'utf8')) as {
    packages: Array<{ name: string; version: string }>;
  };
  return m.packages.map((p) => `${p.name}-${p.version}`);
}

t.test('a symlink from one package never carries another package outside the layer', async (t) => {
  freshOutside();
  const dest = join(work, 'one-txn');
  const r = await yumda(['install', 'evil-payload', ...args(dest)]);
  t.not(r.exitCode, 0, 'refused');
  t.match(r.stderr, /evil/);
  t.equal(readFileSync(join(OUTSIDE, 'payload'), 'utf8'), 'precious\n', 'the outside file is untouched');
  t.same(readdirSync(OUTSIDE), ['payload'], 'nothing written outside');
  t.notOk(existsSync(dest), 'a failed install into a new directory leaves nothing');

  const two = join(work, 'two-txn');
  t.equal((await yumda(['install', 'evil-link', ...args(two)])).exitCode, 0, 'the link alone installs');
  const r2 = await yumda(['install', 'evil-payload', ...args(two)]);
  t.not(r2.exitCode, 0, 'the second transaction is refused too');
  t.match(r2.stderr, /symlink/);
  t.equal(readFileSync(join(OUTSIDE, 'payload'), 'utf8'), 'precious\n', 'the outside file is not overwritten');
  t.same(manifestNames(two), ['evil-link-1.0'], 'the manifest is unchanged');
});

t.test('remove and upgrade never delete through a symlink put in the layer afterwards', async (t) => {
  freshOutside();
  const dest = join(work, 'remove-through-link');
  t.equal((await yumda(['install', 'plain-evil', ...args(dest)])).exitCode, 0);
  // someone swaps the package's directory for a link to the outside
  rmSync(join(dest, 'evil'), { recursive: true });
  symlinkSync(OUTSIDE, join(dest, 'evil'));
  const check = await checkJson(dest);
  t.equal(check.exitCode, 5, 'check fails');
  t.ok(check.codes.includes('manifest-mismatch'), 'check says the layer does not match its manifest');
  const r = await yumda(['remove', 'plain-evil', '-d', dest]);
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(readFileSync(join(OUTSIDE, 'payload'), 'utf8'), 'precious\n', 'the outside file survives remove');
});

t.test("no package writes into yumda's own state directory", async (t) => {
  const dest = join(work, 'state');
  const r = await yumda(['install', 'state-writer', ...args(dest)]);
  t.not(r.exitCode, 0);
  t.match(r.stderr, /\.yumda/);
  t.notOk(existsSync(dest));
});

t.test('set-id bits are cleared and said; directory modes survive the umask; check flags set-id bits', async (t) => {
  const dest = join(work, 'setid');
  const r = await execa(
    'sh',
    ['-c', `umask 077; exec "$0" "$@"`, process.execPath, yumdaBin, 'install', 'setid', ...args(dest)],
    { reject: false },
  );
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stderr, /setuid\/setgid bits cleared on 2 files/);
  t.equal(lstatSync(join(dest, 'bin/suid-tool')).mode & 0o7777, 0o755);
  t.equal(lstatSync(join(dest, 'bin/sgid-tool')).mode & 0o7777, 0o111 | 0o444, 'execute-only stays readable: 0555');
  t.equal(lstatSync(join(dest, 'share/groupdir')).mode & 0o7777, 0o775, 'the package directory mode, not the umask');
  t.same((await checkJson(dest)).codes, [], 'a fresh install checks clean');
  const withCheck = await yumda([
    'install',
    'setid',
    '--repo',
    server1.url,
    '--cache-dir',
    cache,
    '-d',
    join(work, 'setid-checked'),
    '--base',
    'none',
  ]);
  t.equal(withCheck.exitCode, 5, 'install exits 5 when its own check finds errors (no /bin/sh in an empty base)');
  t.match(withCheck.stderr, /check FAILED/);
  t.ok(existsSync(join(work, 'setid-checked/bin/suid-tool')), 'and the packages are installed');
  chmodSync(join(dest, 'bin/suid-tool'), 0o4755);
  const codes = (await checkJson(dest)).codes;
  t.ok(codes.includes('setid-bits'), 'check flags a set-id file');
});

t.test('two installs into one layer at once: both land, one after the other', async (t) => {
  const dest = join(work, 'concurrent');
  const [a, b] = await Promise.all([
    yumda(['install', 'small-a', ...args(dest)]),
    yumda(['install', 'small-b', ...args(dest)]),
  ]);
  t.equal(a.exitCode, 0, a.stderr);
  t.equal(b.exitCode, 0, b.stderr);
  t.same(manifestNames(dest), ['small-a-1.0', 'small-b-1.0']);

  // a live holder and no waiting: a clear error naming the pid
  const holder = execa('sleep', ['30']);
  writeFileSync(
    join(dest, '.yumda/lock'),
    JSON.stringify({
      pid: holder.pid,
      host: (await import('node:os')).hostname(),
      start: '',
      command: 'install x',
      since: 'now',
    }),
  );
  const r = await yumda(['remove', 'small-a', '-d', dest, '--lock-wait', '0']);
  t.equal(r.exitCode, 1);
  t.match(r.stderr, new RegExp(`in use by pid ${holder.pid}`));
  holder.kill('SIGKILL');
  await holder.catch(() => undefined);
  // the holder died without releasing: the next run takes the lock over
  const r2 = await yumda(['remove', 'small-a', '-d', dest, '--lock-wait', '0']);
  t.equal(r2.exitCode, 0, r2.stderr);
  t.same(manifestNames(dest), ['small-b-1.0']);
});

t.test('kill -9 during an upgrade: the next run rolls back, the layer matches its manifest', async (t) => {
  const dest = join(work, 'crash-upgrade');
  t.equal((await yumda(['install', 'big', ...args(dest)])).exitCode, 0);
  const before = tree(dest);
  for (const point of ['ops:0', 'ops:1', `ops:${BIG_FILES / 2}`, `ops:${BIG_FILES + 2}`]) {
    const r = await yumda(['install', 'big', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: point } });
    t.not(r.exitCode, 0, `killed at ${point}`);
    t.ok(existsSync(join(dest, '.yumda/txn')), 'the interrupted change is visible');
    const list = await yumda(['list', '--installed', '-d', dest]);
    t.match(list.stderr, /undone/, `${point}: the next command undoes it`);
    t.same(manifestNames(dest), ['big-1.0']);
    t.same(tree(dest), before, `${point}: every file is the old one again`);
    t.notOk(existsSync(join(dest, '.yumda/txn')), 'no staging left for zip to pack');
  }
  // zip right after a crash: it recovers the layer first, and packs neither the lock nor the journal
  t.not((await yumda(['install', 'big', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: 'ops:10' } })).exitCode, 0);
  const zip = await yumda(['zip', dest, '-o', join(work, 'after-crash.zip')]);
  t.equal(zip.exitCode, 0, zip.stderr);
  t.match(zip.stderr, /undone/);
  t.same(tree(dest), before);
  const unzip = await execa('unzip', ['-Z1', join(work, 'after-crash.zip')]);
  t.notMatch(unzip.stdout, /txn|stage|backup/, 'the zip holds no transaction leftovers');

  // killed after the commit point: the next run finishes the clean-up
  const r = await yumda(['install', 'big', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: 'committed' } });
  t.not(r.exitCode, 0);
  const check = await checkJson(dest);
  t.same(check.codes, [], 'check (which opens the layer) finds it complete');
  t.same(manifestNames(dest), ['big-2.0']);
  t.equal(readFileSync(join(dest, 'share/big/f1'), 'utf8'), '2.0 1\n');
  t.notOk(existsSync(join(dest, 'share/big/v1.0')), "the old version's own files are gone");
  t.notOk(existsSync(join(dest, '.yumda/txn')));
});

t.test('kill -9 during remove: the next run restores the package', async (t) => {
  const dest = join(work, 'crash-remove');
  t.equal((await yumda(['install', 'big', ...args(dest)])).exitCode, 0);
  const before = tree(dest);
  const r = await yumda(['remove', 'big', '-d', dest], { env: { YUMDA_TEST_CRASH: 'ops:100' } });
  t.not(r.exitCode, 0);
  const again = await yumda(['install', 'big', ...args(dest)]);
  t.equal(again.exitCode, 0, again.stderr);
  t.match(again.stderr, /undone/);
  t.same(tree(dest), before, 'the files the interrupted remove took are back');
  t.same((await checkJson(dest)).codes, []);
});

t.test('downloads cut short by a killed run are swept from the package cache', async (t) => {
  const dest = join(work, 'sweep');
  t.equal((await yumda(['install', 'small-a', ...args(dest)])).exitCode, 0);
  // the package cache of server1's repository: the one small-a was downloaded into
  const repoCache = readdirSync(join(cache, 'packages'))
    .map((d) => join(cache, 'packages', d))
    .find((d) => readdirSync(d).some((n) => n.startsWith('small-a-')))!;
  // a pid far above pid_max is never alive
  const stale = join(repoCache, '.small-b-1.0-1.lambda2.noarch.rpm.tmp-99999999-0123abcd');
  const live = join(repoCache, `.other.rpm.tmp-${process.pid}-0123abcd`);
  writeFileSync(stale, 'half a download');
  writeFileSync(live, 'a download in progress');
  t.equal((await yumda(['install', 'small-b', ...args(dest)])).exitCode, 0);
  t.notOk(existsSync(stale), "the dead process's temporary file is gone");
  t.ok(existsSync(live), "a live process's temporary file is kept");
});

t.test('file conflicts (pure)', async (t) => {
  const file = (path: string, sha: string) => ({ path, type: 'file' as const, sha256: sha, linkto: null });
  const link = (path: string, to: string) => ({ path, type: 'symlink' as const, sha256: null, linkto: to });
  const dir = (path: string) => ({ path, type: 'dir' as const, sha256: null, linkto: null });
  t.same(
    findFileConflicts([{ label: 'a', entries: [file('x', '1')] }], [{ label: 'b', entries: [file('x', '1')] }]),
    [],
    'identical files are shared',
  );
  t.match(findFileConflicts([{ label: 'a', entries: [file('x', '1')] }], [{ label: 'b', entries: [file('x', '2')] }]), [
    { path: 'x', incoming: 'b', existing: 'a', message: '/opt/x from b differs from the file in a' },
  ]);
  t.match(
    findFileConflicts(
      [],
      [
        { label: 'a', entries: [link('evil', '/etc')] },
        { label: 'b', entries: [file('evil/payload', '1')] },
      ],
    ),
    [{ path: 'evil', incoming: 'a', existing: 'b', message: /symlink in a, but b needs it as a directory/ }],
    'a symlink where another package needs a directory',
  );
  t.equal(
    findFileConflicts(
      [],
      [
        { label: 'a', entries: [file('x', '1')] },
        { label: 'b', entries: [file('x', '1')] },
      ],
    ).length,
    0,
    'two new packages may ship the same file',
  );
  t.same(
    findFileConflicts(
      [{ label: 'a', entries: [dir('d'), file('d/f', '1')] }],
      [{ label: 'b', entries: [dir('d'), file('d/g', '1')] }],
    ),
    [],
    'directories are shared',
  );
  t.same(
    findFileConflicts(
      [
        { label: 'a', entries: [link('l', 'x')] },
        { label: 'b', entries: [file('l/f', '1')] },
      ],
      [{ label: 'c', entries: [file('z', '1')] }],
    ),
    [],
    'old inconsistencies do not block unrelated installs',
  );
});
