/**
 * `yumda base capture` against real inputs: an rpm database written by Debian's rpm 4.18 (sqlite),
 * a Berkeley DB Packages file written by Berkeley DB itself (db_load) and read back by rpm's own
 * bdb_ro backend, a root with real ELF libraries (this host's glibc and zlib), an image tarball,
 * an image through podman, and the AL2 listing the shipped profile was made from.
 */
import { createRequire } from 'node:module';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import {
  captureFromImage,
  captureFromListing,
  captureFromRoot,
  captureFromTarball,
  glibcVersionFromStrings,
  ldLibraryPathFromEnv,
} from '../../src/base/capture.js';
import { readRpmDbBytes } from '../../src/base/rpmdb.js';
import { RootFs } from '../../src/base/rootfs.js';
import type { BaseProfile } from '../../src/config/profile.js';
import { requireTargetProfile, resolveTarget } from '../../src/config/target.js';
import { projectPath } from '../../src/util/paths.js';
import { containersNamed, importDir, podmanSkip } from '../helpers/podman.js';
import { buildFixture } from '../helpers/rpmbuild.js';
import { scratchDir } from '../helpers/tmp.js';

const al2 = resolveTarget('al2');

/** A root made the way an image is: merged /usr, then `rpm --root DIR -i` of the fixture RPMs. */
async function rpmRoot(dir: string): Promise<string[]> {
  const { rpms } = await buildFixture('capture-base');
  for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'tmp', 'proc'])
    await mkdir(join(dir, d), { recursive: true });
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) await symlink(`usr/${d}`, join(dir, d));
  await writeFile(join(dir, 'tmp', 'scratch'), 'hidden at runtime');
  await execa('rpm', ['--root', dir, '--dbpath', '/var/lib/rpm', '--initdb']);
  await execa('rpm', ['--root', dir, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--noscripts', ...rpms], {
    env: { LC_ALL: 'C' },
  });
  return rpms;
}

async function rpmQa(dir: string, extra: string[] = []): Promise<string[]> {
  const r = await execa(
    'rpm',
    [
      '--root',
      dir,
      '--dbpath',
      '/var/lib/rpm',
      ...extra,
      '-qa',
      '--qf',
      '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}\\n',
    ],
    { env: { LC_ALL: 'C' } },
  );
  return String(r.stdout)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(' (none) ', ' null '))
    .sort();
}

const qa = (p: BaseProfile): string[] =>
  p.packages.map((x) => `${x.name} ${x.epoch} ${x.version} ${x.release} ${x.arch}`).sort();
const names = (p: BaseProfile): Set<string> => new Set(p.provides.map((c) => c.name));
const withoutSource = (p: BaseProfile): Omit<BaseProfile, 'source'> => {
  const { source: _source, ...rest } = p;
  return rest;
};

t.test('the shipped al2 profile comes out the same from the listing it was made from', async (t) => {
  const shipped = JSON.parse(await readFile(projectPath('repo-metadata/base/al2.json'), 'utf8')) as BaseProfile;
  const { profile } = await captureFromListing(projectPath('..', 'shared', 'lambda-base', 'al2'), al2);
  t.same(withoutSource(profile), withoutSource(shipped), 'every field but `source` is identical');
  t.equal(
    JSON.stringify(withoutSource(profile)),
    JSON.stringify(withoutSource(shipped)),
    'byte for byte, order included',
  );
});

t.test(
  'a root with a sqlite rpmdb (Debian rpm 4.18): packages as rpm -qa, paths as find, provides from rpm and ELF',
  async (t) => {
    const dir = await scratchDir(t, 'capture-root');
    const rpms = await rpmRoot(dir);
    const { profile, notes } = await captureFromRoot(dir, al2);
    t.same(notes, []);
    t.same(qa(profile), await rpmQa(dir), 'the packages rpm itself lists');

    const find = await execa(
      'find',
      [
        '.',
        '-mindepth',
        '1',
        '(',
        '-path',
        './tmp',
        '-o',
        '-path',
        './proc',
        ')',
        '-prune',
        '-o',
        '(',
        '-type',
        'd',
        '-printf',
        '/%P/\\n',
        ')',
        '-o',
        '-printf',
        '/%P\\n',
      ],
      { cwd: dir },
    );
    t.same(
      [...profile.files].sort(),
      String(find.stdout).split('\n').filter(Boolean).sort(),
      'every path find sees, without the runtime mounts (/tmp, /proc)',
    );
    t.same(profile.symlinks['/lib64'], '/usr/lib64');
    t.ok(
      profile.symlinks['/usr/lib64/libz.so.1']?.startsWith('/usr/lib64/libz.so.1.'),
      'file symlinks too, targets absolute',
    );

    const provided = names(profile);
    for (const rpm of rpms) {
      const r = await execa('rpm', ['-qp', '--provides', rpm]);
      for (const line of String(r.stdout).split('\n').filter(Boolean))
        t.ok(provided.has(line.split(' ')[0]!), `${line} (rpm -qp --provides)`);
    }
    t.ok(provided.has('capbase-virtual'), 'a virtual provide from the rpm database');
    t.ok(provided.has('capbase-glibc(x86-64)'));
    t.ok(provided.has('libz.so.1(ZLIB_1.2.0)(64bit)'), 'symbol versions read from the ELF verdef');
    const host = String((await execa('getconf', ['GNU_LIBC_VERSION'])).stdout)
      .trim()
      .split(' ')[1]!;
    t.ok(provided.has(`libc.so.6(GLIBC_${host})(64bit)`), `libc.so.6(GLIBC_${host})`);
    t.equal(profile.glibc.version, host, 'glibc version from libc.so.6 itself');
    t.ok(provided.has('rtld(GNU_HASH)'), 'the loader is there');
    t.ok(
      provided.has('/usr/bin/captool') && provided.has('/bin/captool'),
      'executables under both merged-/usr spellings',
    );
    t.equal(profile.packages.find((p) => p.name === 'capbase-zlib')?.epoch, 1, 'epochs from the database');
  },
);

/** Writes the root's packages into a Berkeley DB hash file with Berkeley DB's own db_load, as rpm < 4.16 keeps them. */
async function bdbFromSqlite(sqliteFile: string, out: string): Promise<number> {
  const initSqlJs = createRequire(import.meta.url)('sql.js') as () => Promise<{
    Database: new (d: Uint8Array) => { exec(s: string): { values: unknown[][] }[] };
  }>;
  const SQL = await initSqlJs();
  const rows = new SQL.Database(await readFile(sqliteFile)).exec('SELECT hnum, blob FROM Packages')[0]!.values;
  const u32 = (n: number): string => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b.toString('hex');
  };
  const lines = [
    'VERSION=3',
    'format=bytevalue',
    'type=hash',
    'db_pagesize=4096',
    'HEADER=END',
    ` ${u32(0)}`,
    ` ${u32(rows.length + 1)}`,
  ];
  for (const [hnum, blob] of rows)
    lines.push(` ${u32(hnum as number)}`, ` ${Buffer.from(blob as Uint8Array).toString('hex')}`);
  lines.push('DATA=END');
  await writeFile(`${out}.dump`, lines.join('\n') + '\n');
  await execa('db_load', ['-f', `${out}.dump`, out]);
  return rows.length;
}

t.test(
  'a Berkeley DB Packages file (AL2 rpm 4.11 format): read without rpm, same as rpm -qa with bdb_ro',
  async (t) => {
    const src = await scratchDir(t, 'capture-src');
    await rpmRoot(src);
    const dir = await scratchDir(t, 'capture-bdb');
    await mkdir(join(dir, 'var/lib/rpm'), { recursive: true });
    const count = await bdbFromSqlite(join(src, 'var/lib/rpm/rpmdb.sqlite'), join(dir, 'var/lib/rpm/Packages'));
    const file = String((await execa('file', ['-b', join(dir, 'var/lib/rpm/Packages')])).stdout);
    t.match(file, /Berkeley DB \(Hash/, file);
    const viaRpm = await rpmQa(dir, ['--define', '_db_backend bdb_ro']);
    t.equal(viaRpm.length, count, 'rpm itself reads the file');
    const { packages, skipped } = await readRpmDbBytes(
      await readFile(join(dir, 'var/lib/rpm/Packages')),
      'bdb',
      'Packages',
    );
    t.equal(skipped, 0);
    t.same(packages.map((p) => `${p.name} ${p.epoch} ${p.version} ${p.release} ${p.arch}`).sort(), viaRpm);
    const fromSqlite = (await captureFromRoot(src, al2)).profile;
    t.same(
      [
        ...(await captureFromRoot(dir, al2)).profile.provides.filter(
          (c) => !c.name.includes('.so') && !c.name.startsWith('/') && c.name !== 'rtld(GNU_HASH)',
        ),
      ],
      fromSqlite.provides.filter(
        (c) => !c.name.includes('.so') && !c.name.startsWith('/') && c.name !== 'rtld(GNU_HASH)',
      ),
      'the same package provides as from the sqlite database',
    );
  },
);

t.test('an image tarball gives the same profile as its root; hostile links stay inside the root', async (t) => {
  const dir = await scratchDir(t, 'capture-tar-root');
  await rpmRoot(dir);
  const out = await scratchDir(t, 'capture-tar');
  await execa('tar', ['-C', dir, '-cf', join(out, 'rootfs.tar'), '.']);
  const a = (await captureFromRoot(dir, al2)).profile;
  const b = (await captureFromTarball(join(out, 'rootfs.tar'), al2)).profile;
  t.same(withoutSource(b), withoutSource(a));
  t.match(b.source, /image tarball \(rootfs\.tar\)/);

  // an absolute link to /etc means ROOT/etc, never the host's
  await symlink('/etc', join(dir, 'escape'));
  const root = new RootFs(dir);
  t.equal(root.resolve('/escape/capbase.conf'), '/etc/capbase.conf');
  t.equal(root.resolve('/escape/passwd'), null, 'the host /etc/passwd is not seen');
  await symlink('../../../../../../etc', join(dir, 'usr/up'));
  t.equal(root.resolve('/usr/up/capbase.conf'), '/etc/capbase.conf', '.. stops at the root');
  await symlink('loop', join(dir, 'loop'));
  t.equal(root.resolve('/loop/x'), null, 'link loops end');

  await t.rejects(captureFromTarball(join(out, 'missing.tar'), al2), { code: 'CAPTURE_BAD_TARBALL' });
});

t.test('an image through podman: created, exported, removed, same profile', async (t) => {
  const skip = await podmanSkip();
  if (skip) {
    t.comment(`skipped: ${skip}`);
    return;
  }
  const dir = await scratchDir(t, 'capture-img-root');
  await rpmRoot(dir);
  const ref = `localhost/yumda-test-capture:${process.pid}`;
  await importDir(dir, ref);
  t.teardown(() => execa('podman', ['rmi', '--force', ref], { reject: false }));
  const { profile } = await captureFromImage({ name: 'podman', command: 'podman' }, ref, al2);
  t.same(withoutSource(profile), withoutSource((await captureFromRoot(dir, al2)).profile));
  t.match(profile.source, /through podman/);
  t.same(await containersNamed('yumda-capture-'), [], 'no container left');
  await t.rejects(captureFromImage({ name: 'podman', command: 'podman' }, 'localhost/yumda-no-such-image:1', al2), {
    code: 'CAPTURE_IMAGE_FAILED',
  });
});

t.test('architectures: a capture of the wrong arch is refused naming both', async (t) => {
  const dir = await scratchDir(t, 'capture-arch');
  await rpmRoot(dir);
  await t.rejects(captureFromRoot(dir, resolveTarget('al2', 'arm64')), {
    code: 'CAPTURE_WRONG_ARCH',
    message: /x86_64 .*al2\/aarch64/,
  });
});

t.test('small pure pieces', async (t) => {
  t.equal(
    glibcVersionFromStrings(['GNU C Library (GNU libc) stable release version 2.26, by Roland McGrath et al.']),
    '2.26',
  );
  t.equal(
    glibcVersionFromStrings(['GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36.']),
    '2.36',
  );
  t.equal(glibcVersionFromStrings(['nothing']), null);
  t.same(ldLibraryPathFromEnv(['PATH=/usr/bin', 'LD_LIBRARY_PATH=/var/lang/lib:/lib64::/opt/lib']), [
    '/var/lang/lib',
    '/lib64',
    '/opt/lib',
  ]);
  t.equal(ldLibraryPathFromEnv(['PATH=/bin']), null);
  t.throws(() => requireTargetProfile(resolveTarget('al2023/aarch64')), {
    code: 'PROFILE_NOT_CAPTURED',
    message: /al2023\/aarch64.*public\.ecr\.aws\/lambda\/provided:al2023/,
  });
  t.equal(requireTargetProfile(resolveTarget('al2')), 'al2');
  t.throws(() => resolveTarget('al2/x86_64', 'aarch64'), { code: 'TARGET_ARCH_CONFLICT' });
  t.throws(() => resolveTarget('al3'), { code: 'UNKNOWN_TARGET' });
  t.equal(resolveTarget('al2023-arm64').key, 'al2023/aarch64');
});
