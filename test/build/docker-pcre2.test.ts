/**
 * A real package in containers: pcre2 (Amazon Linux 2's spec, Debian's source, the project's
 * overlay: test/fixtures/real-project/) built by the container builder in the Debian stand-in
 * build image with podman (the headline test, test/e2e/headline.test.ts, builds pcre2 on the host).
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { DockerBuilder } from '../../src/build/builders/docker.js';
import { runBuild } from '../../src/build/run.js';
import { projectPath } from '../../src/util/paths.js';
import { containersNamed, debianImage, podmanSkip } from '../helpers/podman.js';

// compiling pcre2 takes a few minutes on an idle machine, far more on a busy one
t.setTimeout(25 * 60 * 1000);

const PACKAGE = 'pcre2';
const standinPackages = [
  'rpm',
  'gcc',
  'libc6-dev',
  'make',
  'binutils',
  'file',
  'pkgconf',
  'patch',
  'bzip2',
  'xz-utils',
];
const work = await mkdtemp(join(tmpdir(), 'yumda-docker-pcre2-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

/** Debian's orig tarball of a source package, through apt-get with a private state dir. */
async function debianSource(name: string): Promise<{ orig?: string; reason?: string }> {
  const apt = join(work, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'src'])
    await mkdir(join(apt, d), { recursive: true });
  const codename = (await readFile('/etc/os-release', 'utf8')).match(/^VERSION_CODENAME=(\S+)/m)?.[1] ?? 'bookworm';
  await writeFile(join(apt, 'etc/sources.list'), `deb-src http://deb.debian.org/debian ${codename} main\n`);
  const options = [
    '-o',
    `Dir::Etc::SourceList=${join(apt, 'etc/sources.list')}`,
    '-o',
    `Dir::Etc::SourceParts=${join(apt, 'etc/sources.list.d')}`,
    '-o',
    `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o',
    `Dir::Cache=${join(apt, 'cache')}`,
    '-o',
    'APT::Sandbox::User=root',
  ];
  const update = await execa('apt-get', [...options, 'update'], { reject: false, all: true, timeout: 120_000 });
  if (update.exitCode !== 0)
    return { reason: `Debian's archive is unreachable (apt-get update exit ${update.exitCode})` };
  await execa('apt-get', [...options, 'source', '--download-only', name], {
    cwd: join(apt, 'src'),
    reject: false,
    timeout: 120_000,
  });
  const orig = (await readdir(join(apt, 'src'))).find(
    (f) => f.startsWith(`${name}_`) && /_[\d.]+\.orig\.tar\.(gz|bz2|xz)$/.test(f),
  );
  return orig ? { orig: join(apt, 'src', orig) } : { reason: `Debian's archive did not provide ${name}'s source` };
}

const skip =
  (await podmanSkip()) ||
  ((await execa('apt-get', ['--version'], { reject: false })).failed ? 'apt-get is not available' : false);
const fetched = skip ? {} : await debianSource(PACKAGE);
const why = skip || fetched.reason;
if (why) t.comment(`skipping ${PACKAGE} in containers: ${why}`);

t.test('pcre2 builds in containers of the stand-in build image', { skip: why }, async (t) => {
  const version = /_([\d.]+)\.orig\./.exec(fetched.orig!)![1]!;
  const pack = join(work, 'pack');
  await mkdir(join(pack, 'SOURCES'), { recursive: true });
  const tarball = join(pack, 'SOURCES', `${PACKAGE}-${version}.tar.bz2`);
  if (fetched.orig!.endsWith('.bz2')) await copyFile(fetched.orig!, tarball);
  else
    await execa('sh', [
      '-c',
      `${fetched.orig!.endsWith('.xz') ? 'xz' : 'gzip'} -dc "$1" | bzip2 -c > "$2"`,
      'sh',
      fetched.orig!,
      tarball,
    ]);
  const al2 = await readFile(projectPath('test/fixtures/real-project/pcre2.al2.spec'), 'utf8');
  // the overlay drops AL2's patches; rpmbuild -bs only wants files by their names
  for (const [, file] of al2.matchAll(/^Patch\d*:\s*(\S+)\s*$/gm))
    await writeFile(join(pack, 'SOURCES', file!), `# stand-in for ${file}\n`);
  const spec = join(pack, `${PACKAGE}.spec`);
  await writeFile(spec, al2.replace(/^Version:(\s*)\S+$/m, `Version:$1${version}`));
  const srpms = join(work, 'srpms');
  await execa('rpmbuild', [
    '-bs',
    '--nodeps',
    '--define',
    `_topdir ${pack}`,
    '--define',
    `_srcrpmdir ${srpms}`,
    '--define',
    'dist .amzn2',
    spec,
  ]);

  const base = await debianImage(standinPackages);
  const recipe = { dir: projectPath('docker/build/standin'), buildArgs: { BASE: base, MACROS: 'lambda2.macros' } };
  const tag = `localhost/yumda-test-build-standin:${(await new DockerBuilder({ engine: 'podman', recipe, image: 'x' }).identity()).split(':').pop()}`;
  const builder = new DockerBuilder({ engine: 'podman', recipe, image: tag });
  const out = join(work, 'out');
  const run = await runBuild({
    ...shipped.plan,
    names: [PACKAGE],
    builder,
    paths: {
      specsDir: projectPath('test/fixtures/real-project/specs'),
      patchesDir: join(work, 'no-patches'),
      macroFiles: [projectPath('repo-metadata/macros/lambda2.macros')],
    },
    outDir: out,
    srpmDir: srpms,
  });
  const result = run.results[0]!;
  if (result.status !== 'built')
    t.comment((await readFile(join(out, result.log), 'utf8')).split('\n').slice(-40).join('\n'));
  t.equal(result.status, 'built', result.error ?? '');
  const tools = result.rpms.find((r) => r.includes('pcre2-tools-'));
  t.ok(tools, 'pcre2-tools built');
  const files = await execa('rpm', ['-qpl', join(out, tools!)]);
  t.match(files.stdout, '/opt/bin/pcre2grep');
  const requires = await execa('rpm', ['-qp', '--requires', join(out, tools!)]);
  t.match(requires.stdout, 'libpcre2-8.so.0()(64bit)', "pcre2grep links the package's own library");
  t.match(await readFile(join(out, result.log), 'utf8'), /network: lo $/m, 'rpmbuild had no network');
  t.same(await containersNamed('yumda-build-'), [], 'no container left');
});
