/**
 * `extractPackage` against the reference `rpm2cpio FILE | cpio -idm`: same paths, types, modes,
 * link targets, contents, file mtimes and hardlink sets, for every fixture and compressor.
 */
import t from 'tap';
import { execa } from 'execa';
import { basename, join } from 'node:path';
import { extractPackage, type ExtractedEntry } from '../../src/rpm/extract.js';
import { readRpmInfo } from '../../src/rpm/package.js';
import { yumda } from '../helpers/cli.js';
import { allFixtureRpms, featureRpms, PAYLOADS, type PayloadName } from './fixtures.js';
import { hardlinkGroups, snapshot, type TreeEntry } from './tree.js';
import { scratchDir } from '../helpers/tmp.js';

async function referenceExtract(rpm: string, dir: string): Promise<void> {
  await execa('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm], { cwd: dir });
}

/**
 * What must agree. Times only for regular files: cpio sets no symlink times and leaves directory
 * times at "now" once children are written (we apply the header's, as rpm does).
 */
function comparable(tree: Map<string, TreeEntry>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [p, e] of tree) {
    const mtime = e.type === 'file' ? e.mtime : undefined;
    out[p] = { type: e.type, mode: e.mode, linkto: e.linkto, sha256: e.sha256, mtime };
  }
  return out;
}

t.test('extractPackage produces the same tree as rpm2cpio | cpio -idm', async (t) => {
  const fixtures = await allFixtureRpms();
  for (const { path, payload } of fixtures) {
    await t.test(`${basename(path)} (${payload})`, async (t) => {
      const ours = await scratchDir(t, 'ours');
      const ref = await scratchDir(t, 'ref');
      const reported: ExtractedEntry[] = [];
      const [result] = await Promise.all([
        extractPackage(path, ours, { onFile: (e) => reported.push(e) }),
        referenceExtract(path, ref),
      ]);
      const [a, b] = await Promise.all([snapshot(ours), snapshot(ref)]);
      t.same(comparable(a), comparable(b), 'same tree');
      t.same(hardlinkGroups(a), hardlinkGroups(b), 'same hardlink sets');
      t.equal(result.written, reported.length);
      for (const e of reported) {
        const entry = a.get(e.path);
        t.ok(entry, `reported ${e.path} exists`);
        if (e.type === 'file' || e.type === 'hardlink') t.equal(e.sha256, entry!.sha256, `sha256 of ${e.path}`);
      }
    });
  }
});

t.test(
  'the features package: setuid kept, ghost not created, hardlinks share an inode, symlinks as packaged',
  async (t) => {
    const { rpms } = await featureRpms('xz');
    const main = rpms.find((p) => basename(p).startsWith('yumda-features-1'))!;
    const dir = await scratchDir(t, 'feat');
    const reported: ExtractedEntry[] = [];
    await extractPackage(main, dir, { stripPrefix: '/opt', onFile: (e) => reported.push(e) });
    const tree = await snapshot(dir);
    t.equal(tree.get('sbin/helper')!.mode, 0o4755, 'setuid bit');
    t.notOk(tree.has('var/cache/features/state.db'), 'ghost not created');
    t.ok(tree.has('var/cache/features'), 'ghost parent dir (owned) exists');
    t.equal(tree.get('share/data/private')!.mode, 0o750);
    t.same(hardlinkGroups(tree), [['bin/hard-a', 'bin/hard-b', 'sbin/hard-c']]);
    t.equal(tree.get('bin/features-abs')!.linkto, '/opt/bin/features');
    t.equal(tree.get('share/data/lib-link')!.linkto, '../lib');
    t.ok(tree.has('share/data/café.txt') && tree.has('share/data/with space.txt'));
    t.equal(tree.get('share/data/empty')!.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const byPath = new Map(reported.map((e) => [e.path, e]));
    const set = ['bin/hard-a', 'bin/hard-b', 'sbin/hard-c'].map((p) => byPath.get(p)!);
    const owner = set.filter((e) => e.type === 'file');
    t.equal(owner.length, 1, 'one member carries the content');
    t.same(
      set.filter((e) => e.type === 'hardlink').map((e) => e.linkto),
      [owner[0]!.path, owner[0]!.path],
      'the others link to it',
    );
    t.ok(set.every((e) => e.sha256 === owner[0]!.sha256));
    t.equal(
      tree.get('etc/features')!.mtime,
      (await readRpmInfo(main)).files.find((f) => f.path === '/opt/etc/features')!.mtime,
      'directory mtime from the header',
    );
    t.equal(byPath.get('bin/features')!.file.path, '/opt/bin/features', 'onFile carries the header file');
  },
);

t.test('filter and stripPrefix: docs dropped, files outside the prefix refused or skipped', async (t) => {
  const { rpms } = await featureRpms('gzip');
  const main = rpms.find((p) => basename(p).startsWith('yumda-features-1'))!;
  const dir = await scratchDir(t, 'filter');
  const result = await extractPackage(main, dir, {
    stripPrefix: '/opt/',
    filter: (f) => !f.flags.includes('doc') && !f.flags.includes('license'),
  });
  const tree = await snapshot(dir);
  t.notOk(tree.has('share/doc/features/README'));
  t.notOk(tree.has('share/licenses/features/LICENSE'));
  t.ok(tree.has('bin/features'));
  t.ok(result.skipped >= 3, 'ghost + doc + license skipped');

  const other = await scratchDir(t, 'prefix');
  await t.rejects(extractPackage(main, other, { stripPrefix: '/opt/bin' }), {
    name: 'YumdaError',
    code: 'RPM_OUTSIDE_PREFIX',
  });
  t.same([...(await snapshot(other)).keys()], [], 'nothing written when the plan is refused');
  await extractPackage(main, other, { stripPrefix: '/opt/bin', outsidePrefix: 'skip' });
  t.same([...(await snapshot(other)).keys()].sort(), ['features', 'features-abs', 'features-link', 'hard-a', 'hard-b']);
});

t.test('a hardlink set whose content-carrying member is filtered out still gets its content', async (t) => {
  const { rpms } = await featureRpms('zstd');
  const main = rpms.find((p) => basename(p).startsWith('yumda-features-1'))!;
  const dir = await scratchDir(t, 'hl');
  await extractPackage(main, dir, { stripPrefix: '/opt', filter: (f) => f.path !== '/opt/sbin/hard-c' });
  const tree = await snapshot(dir);
  t.notOk(tree.has('sbin/hard-c'));
  t.same(hardlinkGroups(tree), [['bin/hard-a', 'bin/hard-b']]);
  t.equal(tree.get('bin/hard-a')!.sha256, tree.get('bin/hard-b')!.sha256);
  t.equal(tree.get('bin/hard-a')!.nlink, 2);
});

t.test('extracting over an existing tree replaces files and symlinks without following them', async (t) => {
  const { rpms } = await featureRpms('gzip');
  const main = rpms.find((p) => basename(p).startsWith('yumda-features-1'))!;
  const dir = await scratchDir(t, 'again');
  await extractPackage(main, dir, { stripPrefix: '/opt' });
  const first = await snapshot(dir);
  await extractPackage(main, dir, { stripPrefix: '/opt' });
  const second = await snapshot(dir);
  t.same([...second.keys()], [...first.keys()]);
  t.same(hardlinkGroups(second), hardlinkGroups(first));
});

t.test('yumda rpm extract CLI', async (t) => {
  const { rpms } = await featureRpms('gzip');
  const main = rpms.find((p) => basename(p).startsWith('yumda-features-1'))!;
  const dir = await scratchDir(t, 'cli');
  const r = await yumda(['rpm', 'extract', main, dir, '--strip-prefix', '/opt', '--json']);
  t.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    package: string;
    entries: { path: string; type: string; mode: string; sha256: string | null }[];
  };
  t.equal(out.package, 'yumda-features-2:1.2~rc1-3.noarch');
  t.same(
    out.entries.find((e) => e.path === 'sbin/helper'),
    {
      path: 'sbin/helper',
      type: 'file',
      mode: '4755',
      sha256: out.entries.find((e) => e.path === 'sbin/helper')!.sha256,
      linkto: null,
    },
  );
  const tree = await snapshot(dir);
  t.ok(tree.has('bin/features'));
  const bad = await yumda(['rpm', 'extract', main, join(dir, 'x'), '--strip-prefix', '/usr']);
  t.equal(bad.exitCode, 1);
  t.match(bad.stderr, /outside the prefix \/usr/);
});

t.test('bundled decompressors (no xz/zstd/bzip2 binaries) give the same tree as the system ones', async (t) => {
  for (const payload of Object.keys(PAYLOADS) as PayloadName[]) {
    const { rpms } = await featureRpms(payload);
    const main = rpms.find((p) => basename(p).startsWith('yumda-features-1'))!;
    const auto = await scratchDir(t, 'auto');
    const builtin = await scratchDir(t, 'builtin');
    await extractPackage(main, auto, { decompressor: 'auto' });
    await extractPackage(main, builtin, { decompressor: 'builtin' });
    t.same(comparable(await snapshot(builtin)), comparable(await snapshot(auto)), payload);
  }
});
