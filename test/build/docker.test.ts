/**
 * The container builder. Command lines as text, then for real with podman: the sample
 * distribution built in containers of the Debian stand-in build image (docker/build/standin, the
 * same entry-point contract as the al2/al2023 images), a failing build, and a build killed half
 * way. The stand-in's base is made with debootstrap once per run (test/helpers/podman.ts).
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import {
  buildRunArgv,
  commitArgv,
  containerNames,
  contextFiles,
  depsRunArgv,
  describeExit,
  DockerBuilder,
  imageBuildArgv,
  shellQuote,
  targetImageRecipe,
} from '../../src/build/builders/docker.js';
import { runBuild } from '../../src/build/run.js';
import { resolveTarget } from '../../src/config/target.js';
import { projectPath } from '../../src/util/paths.js';
import { packSampleSrpm, sampleDistDir, samplePackages } from '../e2e/sample-dist.js';
import { containersNamed, debianImage, podmanSkip } from '../helpers/podman.js';

const podman = { name: 'podman' as const, command: 'podman' };
const job = {
  name: 'libsample',
  specFile: '/w/libsample/topdir/SPECS/libsample.spec',
  sourcesDir: '/w/libsample/topdir/SOURCES',
  resultDir: '/w/libsample/result',
  dependencyRpms: ['/out/RPMS/x86_64/a-devel-1-1.lambda2.x86_64.rpm'],
};

t.test('step 1: BuildRequires in a named container (committed later), deps mounted one by one', async (t) => {
  const argv = depsRunArgv({ engine: podman, image: 'yumda-build:al2', name: 'c-deps', job });
  t.same(argv.slice(0, 4), ['podman', 'run', '--name', 'c-deps']);
  t.notOk(argv.includes('--rm'), 'kept until committed');
  const text = argv.join(' ');
  t.match(text, '--volume /w/libsample/topdir/SPECS:/input/SPECS:ro');
  t.match(text, '--volume /out/RPMS/x86_64/a-devel-1-1.lambda2.x86_64.rpm:/deps/a-devel-1-1.lambda2.x86_64.rpm:ro');
  t.same(argv.slice(-3), ['yumda-build:al2', '/usr/local/bin/yumda-build', 'deps']);
  t.same(commitArgv(podman, 'c-deps', 'localhost/tmp:1'), ['podman', 'commit', 'c-deps', 'localhost/tmp:1']);
});

t.test(
  'step 2: rpmbuild in a fresh container without network, inputs read-only, only the result dir writable',
  async (t) => {
    const argv = buildRunArgv({
      engine: { name: 'docker', command: 'docker' },
      image: 'localhost/tmp:1',
      name: 'c',
      job,
      uid: 1001,
      gid: 1002,
    });
    t.same(argv.slice(0, 3), ['docker', 'run', '--rm']);
    const text = argv.join(' ');
    t.match(text, '--network none');
    t.match(text, '--volume /w/libsample/topdir/SPECS:/input/SPECS:ro');
    t.match(text, '--volume /w/libsample/topdir/SOURCES:/input/SOURCES:ro');
    t.match(text, '--volume /w/libsample/result:/output ');
    t.match(text, '--env HOST_UID=1001 --env HOST_GID=1002');
    t.notMatch(text, '/deps/', 'earlier waves are already installed in the committed image');
    t.same(argv.slice(-3), ['localhost/tmp:1', '/usr/local/bin/yumda-build', 'build']);
  },
);

t.test('names, exits, image build, recipes per target', async (t) => {
  const n = containerNames('Foo+Bar', 'r1');
  t.same(n, {
    deps: 'yumda-build-foo_bar-r1-deps',
    build: 'yumda-build-foo_bar-r1',
    image: 'localhost/yumda-build-tmp-foo_bar:r1',
  });
  t.match(describeExit('rpmbuild', 137, undefined), /killed/);
  t.match(describeExit('rpmbuild', 1, undefined), /exited with 1/);
  t.match(describeExit('rpmbuild', undefined, 'SIGTERM'), /SIGTERM/);
  t.same(
    imageBuildArgv(podman, {
      image: 'yumda-build:al2023',
      context: '/ctx',
      buildArgs: { BASE: 'b' },
      platform: 'linux/arm64',
    }),
    [
      'podman',
      'build',
      '--tag',
      'yumda-build:al2023',
      '--file',
      '/ctx/Dockerfile',
      '--platform',
      'linux/arm64',
      '--build-arg',
      'BASE=b',
      '/ctx',
    ],
  );
  t.equal(targetImageRecipe(resolveTarget('al2023/aarch64')).dir, projectPath('docker/build/al2023'));
  const files = await contextFiles(targetImageRecipe(resolveTarget('al2')));
  t.ok(
    files.has('Dockerfile') &&
      files.has('install-builddeps') &&
      files.has('yumda-build') &&
      files.has('macros/lambda2.macros'),
  );
  t.equal(shellQuote("it's"), `'it'\\''s'`);
  const a = await new DockerBuilder({ target: resolveTarget('al2') }).identity();
  const b = await new DockerBuilder({ target: resolveTarget('al2023') }).identity();
  t.not(a, b, 'each target has its own image identity');
  t.match(a, /^docker:yumda-build:al2:al2\/x86_64:[0-9a-f]{16}$/);
});

t.test('the entry point and the install hooks are valid bash', async (t) => {
  for (const f of [
    'docker/build/yumda-build',
    'docker/build/al2/install-builddeps',
    'docker/build/al2023/install-builddeps',
    'docker/build/standin/install-builddeps',
  ]) {
    const r = await execa('bash', ['-n', projectPath(f)], { reject: false });
    t.equal(r.exitCode, 0, `${f}: ${r.stderr}`);
  }
  for (const target of ['al2', 'al2023']) {
    const dockerfile = await readFile(projectPath(`docker/build/${target}/Dockerfile`), 'utf8');
    t.match(dockerfile, /^FROM \$\{BASE\}$/m, `${target}: the base is a build argument`);
    t.match(dockerfile, 'COPY yumda-build /usr/local/bin/yumda-build');
    t.match(dockerfile, /useradd .*builder/);
    t.match(dockerfile, new RegExp(`COPY macros/${resolveTarget(target).macros} `));
  }
});

// ---- for real, with podman ----

const skip = await podmanSkip();
if (skip) t.comment(`container tests skipped: ${skip}`);

/** The stand-in build image: Debian bookworm + rpm + a toolchain, built from docker/build/standin. */
async function standinBuilder(): Promise<DockerBuilder> {
  const base = await debianImage([
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
  ]);
  const recipe = { dir: projectPath('docker/build/standin'), buildArgs: { BASE: base, MACROS: 'lambda2.macros' } };
  const probe = new DockerBuilder({ engine: 'podman', recipe, image: 'x' });
  const tag = `localhost/yumda-test-build-standin:${(await probe.identity()).split(':').pop()}`;
  return new DockerBuilder({ engine: 'podman', recipe, image: tag });
}

/** Build containers and temporary images of this file's packages (other test files build others at the same time). */
async function leftovers(): Promise<{ containers: string[]; images: string[] }> {
  const images = await execa('podman', ['images', '--format', '{{.Repository}}'], { reject: false });
  const ours = (name: string): boolean => samplePackages.some((p) => name.includes(`-${p}`));
  return {
    containers: (await containersNamed('yumda-build-')).filter(ours),
    images: String(images.stdout)
      .split('\n')
      .filter((i) => i.includes('yumda-build-tmp-') && ours(i)),
  };
}

const root = await mkdtemp(join(tmpdir(), 'yumda-docker-'));
t.teardown(() => rm(root, { recursive: true, force: true }));
const paths = (specs: string) => ({
  specsDir: specs,
  patchesDir: join(sampleDistDir, 'patches'),
  macroFiles: [projectPath('repo-metadata/macros/lambda2.macros')],
});

t.test(
  'the sample distribution builds in containers: waves, no network, build user, logs, nothing left',
  { skip },
  async (t) => {
    const builder = await standinBuilder();
    const srpms = join(root, 'srpms');
    for (const name of samplePackages) await packSampleSrpm(name, srpms);
    const out = join(root, 'out');
    const run = await runBuild({
      ...shipped.plan,
      names: [],
      all: true,
      builder,
      paths: paths(join(sampleDistDir, 'specs')),
      outDir: out,
      srpmDir: srpms,
      jobs: 2,
    });
    t.ok(run.ok, JSON.stringify(run.results.map((r) => [r.name, r.status, r.error])));
    t.same(
      run.results
        .filter((r) => r.status === 'built')
        .map((r) => r.name)
        .sort(),
      [...samplePackages].sort(),
    );
    const calc = run.results.find((r) => r.name === 'samplecalc')!;
    const log = await readFile(join(out, calc.log), 'utf8');
    t.match(log, 'from earlier builds: libsample-1.2-3.lambda2.x86_64.rpm, libsample-devel-1.2-3.lambda2.x86_64.rpm');
    t.match(
      log,
      /yumda-build: rpmbuild samplecalc\.spec as builder \(uid 1000\), network: lo $/m,
      'rpmbuild ran as the build user with only loopback',
    );
    const requires = await execa('rpm', ['-qp', '--requires', join(out, calc.rpms[0]!)]);
    t.match(requires.stdout, 'libsample.so.1()(64bit)', "linked against the earlier wave's libsample");
    const files = await execa('rpm', ['-qpl', join(out, calc.rpms[0]!)]);
    t.equal(files.stdout.trim(), '/opt/bin/samplecalc');
    const owner = await execa('stat', ['-c', '%u', join(out, calc.rpms[0]!)]);
    t.equal(Number(owner.stdout), process.getuid!(), 'results belong to the caller');
    t.same(await leftovers(), { containers: [], images: [] }, 'containers and temporary images removed');
  },
);

t.test(
  "a failing build is that package's failure; a killed container too; the rest of the wave is unaffected",
  { skip },
  async (t) => {
    const builder = await standinBuilder();
    const specs = join(root, 'fail-specs');
    await cp(join(sampleDistDir, 'specs'), specs, { recursive: true });
    const srpms = join(root, 'fail-srpms');
    const upstream = (name: string) => readFile(join(sampleDistDir, 'upstream', name, `${name}.spec`), 'utf8');
    // wave 1: libsample fails in %build, sample-data sleeps until killed, sampled builds;
    // wave 2: samplecalc and samplegreet need libsample, so they are skipped
    await packSampleSrpm('libsample', srpms, {
      specText: (await upstream('libsample')).replace('%build\n', '%build\necho broken on purpose; exit 3\n'),
    });
    for (const name of ['samplecalc', 'samplegreet', 'sampled']) await packSampleSrpm(name, srpms);
    const dataSpec = await upstream('sample-data');
    t.ok(dataSpec.includes('%install\n'), 'sample-data has an %install section');
    await packSampleSrpm('sample-data', srpms, {
      specText: dataSpec.replace('%install\n', '%install\necho sleeping; sleep 600\n'),
    });

    const out = join(root, 'fail-out');
    let finished = false;
    const killer = (async () => {
      while (!finished) {
        const running = (await containersNamed('yumda-build-sample-data-')).filter((n) => !n.endsWith('-deps'));
        if (running.length > 0) {
          const log = await readFile(join(out, 'logs/sample-data.log'), 'utf8').catch(() => '');
          if (log.includes('sleeping')) {
            await execa('podman', ['kill', running[0]!], { reject: false });
            return running[0];
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      return undefined;
    })();
    const run = await runBuild({
      ...shipped.plan,
      names: [],
      all: true,
      builder,
      paths: paths(specs),
      outDir: out,
      srpmDir: srpms,
      jobs: 3,
      keepGoing: true,
    }).finally(() => {
      finished = true;
    });
    t.ok(await killer, 'the container was killed half way');
    const by = Object.fromEntries(run.results.map((r) => [r.name, r]));
    t.equal(run.ok, false);
    t.equal(by.libsample!.status, 'failed');
    t.match(by.libsample!.error, /libsample: rpmbuild exited with 1/);
    t.match(await readFile(join(out, by.libsample!.log), 'utf8'), 'broken on purpose');
    t.equal(by.samplecalc!.status, 'skipped', 'its dependents are not built');
    t.equal(by.samplegreet!.status, 'skipped');
    t.equal(by.sampled!.status, 'built', 'the rest of the wave is unaffected');
    t.ok(existsSync(join(out, by.sampled!.rpms[0]!)));
    t.equal(by['sample-data']!.status, 'failed');
    t.match(by['sample-data']!.error, /sample-data: rpmbuild (container was killed|exited with 137)/);
    t.notOk(existsSync(join(out, 'RPMS/noarch/sample-data-1.0-1.lambda2.noarch.rpm')));
    t.same(await leftovers(), { containers: [], images: [] }, 'no container or temporary image left');
  },
);
