/**
 * `yumda build` with the local builder (real rpmbuild) on part of the sample distribution:
 * two waves (libsample, then samplecalc which finds libsample-devel through pkg-config in the
 * build sysroot), the manifest, --changed, --with-dependents, a failing package, --collect.
 */
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { cp, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LocalBuilder } from '../../src/build/builders/local.js';
import type { Builder } from '../../src/build/builders/types.js';
import { collectBuilds } from '../../src/build/collect.js';
import { readManifest, manifestPathIn } from '../../src/package-set/manifest.js';
import { planBuild, runBuild } from '../../src/build/run.js';
import { projectPath } from '../../src/util/paths.js';
import { packSampleSrpm, sampleDistDir } from '../e2e/sample-dist.js';
import { yumda } from '../helpers/cli.js';

const root = await mkdtemp(join(tmpdir(), 'yumda-build-local-'));
t.teardown(() => rm(root, { recursive: true, force: true }));
const srpms = join(root, 'srpms');
const specs = join(root, 'specs');
await cp(join(sampleDistDir, 'specs'), specs, { recursive: true });
// only two packages of the set, plus one that cannot build
for (const f of ['sample-data.yaml', 'sampled.yaml', 'samplegreet.yaml']) await rm(join(specs, f));
await packSampleSrpm('libsample', srpms);
await packSampleSrpm('samplecalc', srpms);
const builder = new LocalBuilder();
const paths = { specsDir: specs, patchesDir: join(sampleDistDir, 'patches'), macroFiles: builder.macroFiles };
const out = join(root, 'out');

t.test('two waves; the second links against the first through the sysroot', async (t) => {
  const run = await runBuild({
    ...shipped.plan,
    names: [],
    all: true,
    builder,
    paths,
    outDir: out,
    srpmDir: srpms,
    jobs: 2,
  });
  t.ok(run.ok, JSON.stringify(run.results));
  t.same(run.plan.waves, [['libsample'], ['samplecalc']]);
  const calc = run.results.find((r) => r.name === 'samplecalc')!;
  t.same(calc.rpms, ['RPMS/x86_64/samplecalc-1.1-2.lambda2.x86_64.rpm']);
  const log = await readFile(join(out, calc.log), 'utf8');
  t.match(log, 'from earlier builds: libsample-1.2-3.lambda2.x86_64.rpm, libsample-devel-1.2-3.lambda2.x86_64.rpm');
  const files = await execa('rpm', ['-qpl', join(out, calc.rpms[0]!)]);
  t.equal(files.stdout.trim(), '/opt/bin/samplecalc');
  const requires = await execa('rpm', ['-qp', '--requires', join(out, calc.rpms[0]!)]);
  t.match(requires.stdout, 'libsample.so.1()(64bit)', 'linked against the sysroot libsample');
  t.ok(existsSync(join(out, 'SRPMS/libsample-1.2-3.lambda2.src.rpm')));
  const manifest = await readManifest(manifestPathIn(out));
  t.same(Object.keys(manifest.packages), ['libsample', 'samplecalc']);
  t.ok(
    manifest.packages.libsample!.provides.includes('pkgconfig(sample)'),
    'automatic provides recorded for later plans',
  );
  t.equal(manifest.packages.libsample!.inputs.srpm.nevr, 'libsample-1.2-3.amzn2');
});

t.test('a package named alone still knows its dependencies in the set, from the manifest', async (t) => {
  // `yumda build samplecalc`: libsample is not rebuilt, but its RPMs in OUT are what samplecalc's
  // sysroot links against; the plan knows that from libsample's recorded provides
  const plan = await planBuild({
    ...shipped.plan,
    names: ['samplecalc'],
    builder,
    paths,
    outDir: out,
    srpmDir: srpms,
  });
  try {
    t.same(plan.waves, [['samplecalc']], 'only the named package is built');
    t.same(plan.dependsOn.get('samplecalc'), ['libsample']);
    t.same(plan.considered, ['samplecalc']);
  } finally {
    await rm(plan.workRoot, { recursive: true, force: true });
  }
});

t.test('--changed: nothing, then exactly the changed overlay, then its dependents', async (t) => {
  let r = await yumda([
    'plan',
    '--changed',
    '--json',
    '--builder',
    'local',
    '--srpm-dir',
    srpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    out,
  ]);
  t.equal(r.exitCode, 0, r.stderr);
  t.same(JSON.parse(r.stdout).waves, []);
  await appendFile(join(specs, 'libsample.yaml'), '# a reviewed change\n');
  r = await yumda([
    'plan',
    '--changed',
    '--json',
    '--builder',
    'local',
    '--srpm-dir',
    srpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    out,
  ]);
  const plan = JSON.parse(r.stdout) as { waves: string[][]; packages: Array<{ name: string; reasons: string[] }> };
  t.same(plan.waves, [['libsample']]);
  t.same(plan.packages[0]!.reasons, ['overlay']);
  r = await yumda([
    'plan',
    '--changed',
    '--with-dependents',
    '--json',
    '--builder',
    'local',
    '--srpm-dir',
    srpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    out,
  ]);
  t.same(JSON.parse(r.stdout).waves, [['libsample'], ['samplecalc']]);
  r = await yumda([
    'plan',
    '--changed',
    '--github-matrix',
    '--wave',
    '0',
    '--builder',
    'local',
    '--srpm-dir',
    srpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    out,
  ]);
  t.same(JSON.parse(r.stdout), { include: [{ package: 'libsample', wave: 0 }] });
  r = await yumda([
    'plan',
    '--changed',
    '--builder',
    'docker',
    '--json',
    '--srpm-dir',
    srpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    out,
  ]);
  t.same(JSON.parse(r.stdout).waves, [['libsample'], ['samplecalc']], 'another builder changes every input hash');
});

t.test('a failing build: non-zero exit, its log, dependents skipped, --keep-going builds the rest', async (t) => {
  const broken = join(root, 'broken-out');
  const brokenSpec = (await readFile(join(sampleDistDir, 'upstream/libsample/libsample.spec'), 'utf8')).replace(
    '%build\n',
    '%build\nexit 1\n',
  );
  const brokenSrpms = join(root, 'broken-srpms');
  await packSampleSrpm('libsample', brokenSrpms, { specText: brokenSpec });
  await packSampleSrpm('samplecalc', brokenSrpms);
  await writeFile(join(specs, 'sample-data.yaml'), 'notes: builds fine\n');
  await packSampleSrpm('sample-data', brokenSrpms);
  const r = await yumda([
    'build',
    '--all',
    '--keep-going',
    '--json',
    '--builder',
    'local',
    '--srpm-dir',
    brokenSrpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    broken,
  ]);
  t.equal(r.exitCode, 1, r.stderr);
  const result = JSON.parse(r.stdout) as {
    ok: boolean;
    packages: Array<{ name: string; status: string; log: string }>;
  };
  t.equal(result.ok, false);
  const status = Object.fromEntries(result.packages.map((p) => [p.name, p.status]));
  t.same(status, { libsample: 'failed', 'sample-data': 'built', samplecalc: 'skipped' });
  t.match(await readFile(join(broken, 'logs/libsample.log'), 'utf8'), /rpmbuild exited with 1/);
  const table = await yumda([
    'build',
    'libsample',
    '--builder',
    'local',
    '--srpm-dir',
    brokenSrpms,
    '--specs',
    specs,
    '--patches',
    paths.patchesDir,
    '-o',
    broken,
  ]);
  t.equal(table.exitCode, 1);
  t.match(table.stdout, /libsample\s+1\s+failed\s+[\d.]+s\s+logs\/libsample.log/, 'summary table');
  await rm(join(specs, 'sample-data.yaml'));

  t.test('--collect gathers build outputs, newest wins', async (t) => {
    const gathered = join(root, 'gathered');
    const result = await collectBuilds([out, broken], gathered);
    t.same(result.taken.map((x) => x.name).sort(), ['libsample', 'sample-data', 'samplecalc']);
    const manifest = await readManifest(manifestPathIn(gathered));
    for (const entry of Object.values(manifest.packages))
      for (const f of entry.rpms) t.ok(existsSync(join(gathered, f)), f);
    const again = await collectBuilds([out], gathered);
    t.same(again.taken, [], 'nothing newer the second time');
  });
});

t.test('a package starts when its BuildRequires are built, not when its whole wave is', async (t) => {
  // sample-data (wave 1, independent) is held until samplecalc (wave 2) has started: with wave
  // barriers samplecalc would wait for sample-data and the hold would time out
  const dir = await mkdtemp(join(tmpdir(), 'yumda-build-dag-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dagSpecs = join(dir, 'specs');
  await cp(join(sampleDistDir, 'specs'), dagSpecs, { recursive: true });
  for (const f of ['sampled.yaml', 'samplegreet.yaml']) await rm(join(dagSpecs, f));
  for (const name of ['libsample', 'samplecalc', 'sample-data']) await packSampleSrpm(name, join(dir, 'srpms'));
  let calcStarted!: () => void;
  const calcStart = new Promise<void>((resolve) => (calcStarted = resolve));
  const held: Builder = {
    kind: builder.kind,
    identity: () => builder.identity(),
    ensureAvailable: () => builder.ensureAvailable(),
    async build(job) {
      if (job.name === 'samplecalc') calcStarted();
      if (job.name === 'sample-data') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          calcStart,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('samplecalc never started while sample-data was building')),
              120_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
      }
      return builder.build(job);
    },
  };
  const run = await runBuild({
    ...shipped.plan,
    names: [],
    all: true,
    builder: held,
    paths: { ...paths, specsDir: dagSpecs },
    outDir: join(dir, 'out'),
    srpmDir: join(dir, 'srpms'),
    jobs: 2,
  });
  t.same(run.plan.waves, [['libsample', 'sample-data'], ['samplecalc']], 'the plan still reports waves');
  t.ok(run.ok, JSON.stringify(run.results.map((r) => [r.name, r.status, r.error])));
});

t.test('unknown names and empty selections are usage errors', async (t) => {
  let r = await yumda(['build', 'nosuch', '--builder', 'local', '--srpm-dir', srpms, '--specs', specs, '-o', out]);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /not in the package set.*nosuch/);
  r = await yumda(['build', '--builder', 'local', '--srpm-dir', srpms, '--specs', specs, '-o', out]);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /--all or --changed/);
  void projectPath;
});
