/**
 * Benchmark: `yumda install` vs `dnf --installroot` on the same repository and request.
 *
 *   npm run build && node dist/scripts/bench/install.js [--packages 5000] [--closure 60] [--runs 3] [--keep] [--keep-env]
 *
 * The repository: `closure` real RPMs built with rpmbuild (one source, one subpackage each, a
 * dependency chain with fan-out: each requires 1-3 later ones, the sink requires base capabilities)
 * indexed by yumda's indexer, plus `packages - closure` generated records written straight into
 * primary/filelists/other.xml (realistic names, 2-6 requires each, sonames, files), so both tools
 * parse and index a 5,000-package repository but only the real closure is ever downloaded.
 * The request is the head of the chain: its closure is the `closure` real packages.
 *
 * Measured (wall time, median of runs, each command timed alone; peak RSS, the maximum over a
 * second pass of the same runs under /usr/bin/time):
 *   resolve cold: empty caches; yumda install --dry-run vs dnf install --assumeno (metadata
 *                 download + parse + resolve: the same work for both)
 *   resolve warm: the same with caches filled (each tool within its metadata_expire: yumda 6 h,
 *                 dnf 48 h, so neither asks the repository again)
 *   yumda install cold/warm: the full install (download, verify, extract) for reference; dnf has no
 *                 equivalent here (an --installroot install needs a whole rpmdb/root).
 * The base is `--base none` for yumda and an empty installroot for dnf, so both see the same problem.
 * Both tools run with their compiled code cached, as installed: dnf's Python bytecode (.pyc) comes
 * with its package, yumda's compile cache (Node's, turned on by its bin) is written by the sanity run below.
 *
 * With --debian the repository is instead a real 63,000-package dependency graph: Debian bookworm's
 * binary index converted to yum metadata (debian-repo.ts; apt's list, or --packages-file FILE).
 * Nothing in it can be downloaded, so only resolutions are timed, each with a satisfiable request
 * (--request, default git) and an unsatisfiable one (bench-unsatisfiable: git and a capability
 * nobody provides), cold and warm, for yumda (--dry-run) and dnf (--assumeno):
 *
 *   npm run build && node dist/scripts/bench/install.js --debian [--request git] [--runs 3]
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { indexRepository } from '../../src/repodata/index.js';
import { readFilelists, readOther, readPrimary } from '../../src/repodata/reader.js';
import {
  filelistsFooter,
  filelistsHeader,
  otherFooter,
  otherHeader,
  primaryFooter,
  primaryHeader,
  renderFilelistsPackage,
  renderOtherPackage,
  renderPrimaryPackage,
} from '../../src/repodata/render.js';
import { renderRepomd, type RepomdData } from '../../src/repodata/repomd.js';
import type { FilelistsRecord, OtherRecord, PackageRecord } from '../../src/repodata/types.js';
import { hashFile } from '../../src/util/hash.js';
import { projectPath } from '../../src/util/paths.js';
import { buildFixture } from '../../test/helpers/rpmbuild.js';
import { hostEnvNote, median, option, rng, timedRun } from './common.js';
import { debianRepo } from './debian-repo.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => Number(option(name, String(fallback), args));
const TOTAL = opt('--packages', 5000);
const CLOSURE = opt('--closure', 60);
const RUNS = opt('--runs', 3);

function closureSpec(): string {
  const lines = [
    'Name: bench',
    'Version: 1.0',
    'Release: 1.lambda2',
    'Summary: bench source',
    'License: MIT',
    'BuildArch: noarch',
    'Prefix: /opt',
    '%description',
    'bench',
    '',
  ];
  const rand = rng(7);
  for (let i = 0; i < CLOSURE; i++) {
    lines.push(`%package -n bench-p${i}`, `Summary: closure package ${i}`);
    const deps = new Set<number>();
    if (i + 1 < CLOSURE) deps.add(i + 1);
    for (let k = 0; k < 2; k++) {
      const j = i + 1 + Math.floor(rand() * 8);
      if (j < CLOSURE) deps.add(j);
    }
    for (const d of deps) lines.push(`Requires: bench-p${d} >= 1.0`);
    if (i % 5 === 0 && i + 1 < CLOSURE) lines.push(`Requires: libbench${Math.min(CLOSURE - 1, i + 3)}.so.1()(64bit)`);
    lines.push(`Provides: libbench${i}.so.1()(64bit)`, `%description -n bench-p${i}`, `closure package ${i}`, '');
  }
  lines.push('%install');
  for (let i = 0; i < CLOSURE; i++)
    lines.push(
      `mkdir -p %{buildroot}/opt/share/bench${i}`,
      `head -c 20000 /dev/urandom | base64 > %{buildroot}/opt/share/bench${i}/data.txt`,
    );
  for (let i = 0; i < CLOSURE; i++) lines.push(`%files -n bench-p${i}`, `/opt/share/bench${i}`, '');
  return lines.join('\n') + '\n';
}

function syntheticRecord(i: number, rand: () => number): { p: PackageRecord; f: FilelistsRecord; o: OtherRecord } {
  const name = `gen-${['lib', 'tool', 'data', 'perl', 'py'][i % 5]}-${i}`;
  const pkgId = createHash('sha256').update(name).digest('hex');
  const dep = (n: string) => ({ name: n, flags: null, epoch: null, version: null, release: null, pre: false });
  const requires = [];
  const fan = 2 + Math.floor(rand() * 5);
  for (let k = 0; k < fan; k++) {
    const j = Math.floor(rand() * TOTAL);
    requires.push(j % 2 ? dep(`gen-lib-${j - (j % 5)}`) : dep(`libgen${j - (j % 5)}.so.1()(64bit)`));
  }
  const files = [`/opt/bin/${name}`, `/opt/share/${name}/a`, `/opt/share/${name}/b`].map((path) => ({
    path,
    type: 'file' as const,
  }));
  const p: PackageRecord = {
    pkgId,
    name,
    arch: 'x86_64',
    epoch: 0,
    version: `${1 + (i % 7)}.${i % 13}`,
    release: '1.lambda2',
    summary: `generated package ${i}`,
    description: `generated package ${i} for the benchmark`,
    packager: '',
    url: '',
    timeFile: 1,
    timeBuild: 1,
    sizePackage: 10000,
    sizeInstalled: 30000,
    sizeArchive: 31000,
    locationHref: `Packages/${name}.rpm`,
    license: 'MIT',
    vendor: '',
    group: '',
    buildhost: 'bench',
    sourcerpm: `${name}-1-1.src.rpm`,
    headerStart: 0,
    headerEnd: 0,
    provides: [
      { name, flags: 'EQ', epoch: 0, version: `${1 + (i % 7)}.${i % 13}`, release: '1.lambda2', pre: false },
      dep(`libgen${i}.so.1()(64bit)`),
    ],
    requires,
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    primaryFiles: files.slice(0, 1),
  };
  return {
    p,
    f: { pkgId, name, arch: 'x86_64', epoch: 0, version: p.version, release: p.release, files },
    o: { pkgId, name, arch: 'x86_64', epoch: 0, version: p.version, release: p.release, changelog: [] },
  };
}

async function writeGz(path: string, chunks: Iterable<string>): Promise<RepomdData & { path: string }> {
  await pipeline(Readable.from(chunks), createGzip({ level: 6 }), createWriteStream(path));
  return {
    path,
    type: '',
    location: '',
    checksumType: 'sha256',
    checksum: await hashFile(path),
    openChecksumType: null,
    openChecksum: null,
    size: (await stat(path)).size,
    openSize: null,
    timestamp: 1,
  };
}

async function buildRepo(dir: string): Promise<void> {
  const spec = join(dir, 'bench.spec');
  await writeFile(spec, closureSpec());
  const built = await buildFixture(spec, { defines: { _binary_payload: 'w2.xzdio' } });
  await mkdir(join(dir, 'repo', 'Packages'), { recursive: true });
  for (const rpm of built.rpms) await execa('cp', [rpm, join(dir, 'repo', 'Packages')]);
  await indexRepository(join(dir, 'repo'), { revision: '1' });
  const repodata = join(dir, 'repo', 'repodata');
  const names = await readdir(repodata);
  const real = { p: [] as PackageRecord[], f: [] as FilelistsRecord[], o: [] as OtherRecord[] };
  for await (const r of readPrimary(
    join(
      repodata,
      names.find((n) => n.endsWith('primary.xml.gz'))!,
    ),
  ))
    real.p.push(r);
  for await (const r of readFilelists(
    join(
      repodata,
      names.find((n) => n.endsWith('filelists.xml.gz'))!,
    ),
  ))
    real.f.push(r);
  for await (const r of readOther(
    join(
      repodata,
      names.find((n) => n.endsWith('other.xml.gz'))!,
    ),
  ))
    real.o.push(r);
  const rand = rng(42);
  const gen = Array.from({ length: TOTAL - real.p.length }, (_, i) => syntheticRecord(i, rand));
  for (const n of names) await rm(join(repodata, n));
  const all = {
    p: [...real.p, ...gen.map((g) => g.p)],
    f: [...real.f, ...gen.map((g) => g.f)],
    o: [...real.o, ...gen.map((g) => g.o)],
  };
  const entries: RepomdData[] = [];
  for (const [type, header, render, footer, list] of [
    ['primary', primaryHeader, renderPrimaryPackage, primaryFooter, all.p],
    ['filelists', filelistsHeader, renderFilelistsPackage, filelistsFooter, all.f],
    ['other', otherHeader, renderOtherPackage, otherFooter, all.o],
  ] as const) {
    const tmp = join(repodata, `${type}.xml.gz`);
    const items = list as unknown as never[];
    const written = await writeGz(tmp, [
      header(items.length),
      ...items.map((x) => (render as (r: never) => string)(x)),
      footer,
    ]);
    const final = `${written.checksum}-${type}.xml.gz`;
    await execa('mv', [tmp, join(repodata, final)]);
    entries.push({ ...written, type, location: `repodata/${final}` });
  }
  await writeFile(
    join(repodata, 'repomd.xml'),
    renderRepomd({
      revision: '1',
      data: entries.map(({ ...e }) => {
        delete (e as { path?: string }).path;
        return e;
      }),
    }),
  );
}

type Measure = 'wall' | 'rss';

/**
 * One run of a command: its wall time in seconds, or (in a separate run) its peak RSS in MB.
 * Wall time is taken with the command alone (timedRun): /usr/bin/time around it would add the
 * same few milliseconds to both tools and pull every ratio toward 1.
 */
async function measured(
  measure: Measure,
  cmd: string,
  argv: string[],
  env: Record<string, string> = {},
  accept?: (stdout: string) => boolean,
): Promise<number> {
  const [file, args] = measure === 'wall' ? [cmd, argv] : ['/usr/bin/time', ['-f', '%M', cmd, ...argv]];
  const r = await timedRun(file, args, { ...env, LC_ALL: 'C' });
  if (r.exitCode !== 0 && !accept?.(r.stdout))
    throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return measure === 'wall' ? r.seconds : Number(r.stderr.trim().split('\n').pop()) / 1024;
}

/** dnf's arguments to resolve `request` against `repo` into a fresh empty installroot under dir. */
async function dnfArgs(dir: string, cache: string, repo: string, request: string): Promise<string[]> {
  const root = join(dir, `root-${Math.random().toString(36).slice(2)}`);
  await mkdir(root);
  return [
    `--installroot=${root}`,
    '--releasever=2',
    '--setopt=reposdir=/dev/null',
    `--setopt=cachedir=${cache}`,
    '--setopt=install_weak_deps=False',
    '--setopt=gpgcheck=0',
    `--repofrompath=b,${repo}`,
    '--repo=b',
    '--assumeno',
    'install',
    request,
  ];
}

/** The --debian benchmark (see the header). */
async function debian(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-bench-debian-'));
  try {
    const request = option('--request', 'git', args);
    const packagesFile = args.includes('--packages-file') ? option('--packages-file', '', args) : undefined;
    process.stderr.write(`converting Debian's package index into a yum repository in ${dir}\n`);
    const converted = await debianRepo(join(dir, 'repo'), packagesFile);
    const repo = `file://${join(dir, 'repo')}`;
    const cli = projectPath('dist/src/cli/main.js');
    const codeCache = { NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
    const failed = (out: string): boolean => /cannot be satisfied|nothing provides|Problem/.test(out);
    const yumda = (measure: Measure, cache: string, req: string): Promise<number> =>
      measured(
        measure,
        process.execPath,
        [
          cli,
          'install',
          req,
          '--repo',
          repo,
          '--cache-dir',
          cache,
          '-d',
          join(dir, 'layer'),
          '--base',
          'none',
          '--no-check',
          '--dry-run',
        ],
        codeCache,
        req === request ? undefined : () => true,
      );
    const dnf = async (measure: Measure, cache: string, req: string): Promise<number> =>
      measured(measure, 'dnf', await dnfArgs(dir, cache, repo, req), {}, (out) =>
        req === request ? /Install\s+\d+ Packages/.test(out) : true,
      ); // --assumeno answers "no": exit 1 after the plan
    // sanity: both resolve the request to the same number of packages, and both refuse the unsatisfiable one
    const plan = await execa(
      process.execPath,
      [
        cli,
        'install',
        request,
        '--repo',
        repo,
        '--cache-dir',
        join(dir, 'c0'),
        '--base',
        'none',
        '--dry-run',
        '--json',
      ],
      { env: codeCache },
    );
    const yumdaCount = (JSON.parse(String(plan.stdout)) as { install: unknown[] }).install.length;
    const dnfPlan = await execa('dnf', await dnfArgs(dir, join(dir, 'd0'), repo, request), {
      reject: false,
      env: { LC_ALL: 'C' },
    });
    const dnfCount = Number(/Install\s+(\d+) Packages?/.exec(String(dnfPlan.stdout))?.[1] ?? NaN);
    const refused = await execa(
      process.execPath,
      [
        cli,
        'install',
        'bench-unsatisfiable',
        '--repo',
        repo,
        '--cache-dir',
        join(dir, 'c0'),
        '--base',
        'none',
        '--dry-run',
      ],
      { env: codeCache, reject: false },
    );
    const dnfRefused = await execa('dnf', await dnfArgs(dir, join(dir, 'd0'), repo, 'bench-unsatisfiable'), {
      reject: false,
      env: { LC_ALL: 'C' },
    });
    if (
      refused.exitCode === 0 ||
      !failed(String(refused.stderr)) ||
      !failed(String(dnfRefused.stdout) + String(dnfRefused.stderr))
    )
      throw new Error(
        `bench-unsatisfiable was not refused by both:\n${refused.stderr}\n${dnfRefused.stdout}\n${dnfRefused.stderr}`,
      );
    const cases = [
      'yumdaCold',
      'yumdaWarm',
      'dnfCold',
      'dnfWarm',
      'yumdaUnsatCold',
      'yumdaUnsatWarm',
      'dnfUnsatCold',
      'dnfUnsatWarm',
    ] as const;
    const results = {
      wall: Object.fromEntries(cases.map((c) => [c, [] as number[]])),
      rss: Object.fromEntries(cases.map((c) => [c, [] as number[]])),
    };
    for (let run = 0; run < RUNS; run++) {
      for (const measure of ['wall', 'rss'] as const) {
        const at = (name: string): string => join(dir, `${name}-${measure}${run}`);
        const r = results[measure];
        r.yumdaCold!.push(await yumda(measure, at('y'), request));
        r.yumdaWarm!.push(await yumda(measure, at('y'), request));
        r.dnfCold!.push(await dnf(measure, at('d'), request));
        r.dnfWarm!.push(await dnf(measure, at('d'), request));
        r.yumdaUnsatCold!.push(await yumda(measure, at('yu'), 'bench-unsatisfiable'));
        r.yumdaUnsatWarm!.push(await yumda(measure, at('yu'), 'bench-unsatisfiable'));
        r.dnfUnsatCold!.push(await dnf(measure, at('du'), 'bench-unsatisfiable'));
        r.dnfUnsatWarm!.push(await dnf(measure, at('du'), 'bench-unsatisfiable'));
      }
    }
    const m = Object.fromEntries(
      cases.map((c) => [c, { wall: median(results.wall[c]!), rssMb: Math.max(...results.rss[c]!) }]),
    );
    const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));
    const summary = {
      repository: `Debian bookworm, ${converted.packages} packages (${converted.source})`,
      request,
      packagesResolved: { yumda: yumdaCount, dnf: dnfCount },
      runs: RUNS,
      seconds: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.wall.toFixed(3))])),
      peakRssMb: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.rssMb.toFixed(1))])),
      ratios: {
        coldTime: ratio(m.yumdaCold!.wall, m.dnfCold!.wall),
        warmTime: ratio(m.yumdaWarm!.wall, m.dnfWarm!.wall),
        coldRss: ratio(m.yumdaCold!.rssMb, m.dnfCold!.rssMb),
        warmRss: ratio(m.yumdaWarm!.rssMb, m.dnfWarm!.rssMb),
        unsatisfiableOverSatisfiableCold: ratio(m.yumdaUnsatCold!.wall, m.yumdaCold!.wall),
        unsatisfiableOverSatisfiableWarm: ratio(m.yumdaUnsatWarm!.wall, m.yumdaWarm!.wall),
      },
      targets: { coldTime: '<= 1.0 (x dnf)', coldRss: '<= 1.5 (x dnf)', unsatisfiableOverSatisfiable: '<= 2.0' },
      load: `load average ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (2 cores shared: compare ratios, not seconds)`,
    };
    process.stdout.write(JSON.stringify({ ...summary, host: await hostEnvNote() }, null, 2) + '\n');
  } finally {
    if (args.includes('--keep')) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-bench-install-'));
  try {
    process.stderr.write(`building a ${TOTAL}-package repository (closure ${CLOSURE}) in ${dir}\n`);
    await buildRepo(dir);
    const repo = `file://${join(dir, 'repo')}`;
    const cli = projectPath('dist/src/cli/main.js');
    // Node's compile cache goes with the bench's files, not into the shared one
    const codeCache = { NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
    const yumda = async (measure: Measure, cache: string, dest: string, dry: boolean): Promise<number> =>
      measured(
        measure,
        process.execPath,
        [
          cli,
          'install',
          'bench-p0',
          '--repo',
          repo,
          '--cache-dir',
          cache,
          '-d',
          dest,
          '--base',
          'none',
          '--no-check',
          ...(dry ? ['--dry-run'] : []),
        ],
        codeCache,
      );
    const dnf = async (measure: Measure, cache: string): Promise<number> => {
      const root = join(dir, `root-${Math.random().toString(36).slice(2)}`);
      await mkdir(root);
      return measured(
        measure,
        'dnf',
        [
          `--installroot=${root}`,
          '--releasever=2',
          '--setopt=reposdir=/dev/null',
          `--setopt=cachedir=${cache}`,
          '--setopt=install_weak_deps=False',
          '--setopt=gpgcheck=0',
          `--repofrompath=b,${repo}`,
          '--repo=b',
          '--assumeno',
          'install',
          'bench-p0',
        ],
        {},
        (out) => /Install\s+\d+ Packages/.test(out),
      ); // --assumeno answers "no": exit 1 after the plan
    };
    // sanity: the closure is what we built
    const plan = await execa(
      process.execPath,
      [
        cli,
        'install',
        'bench-p0',
        '--repo',
        repo,
        '--cache-dir',
        join(dir, 'c0'),
        '--base',
        'none',
        '--dry-run',
        '--json',
      ],
      { env: codeCache },
    );
    const closure = (JSON.parse(String(plan.stdout)) as { install: unknown[] }).install.length;
    const cases = [
      'yumdaResolveCold',
      'yumdaResolveWarm',
      'dnfCold',
      'dnfWarm',
      'yumdaInstallCold',
      'yumdaInstallWarm',
    ] as const;
    const results = {
      wall: Object.fromEntries(cases.map((c) => [c, [] as number[]])),
      rss: Object.fromEntries(cases.map((c) => [c, [] as number[]])),
    };
    for (let run = 0; run < RUNS; run++) {
      // the same sequence twice, on fresh caches: timed, then under /usr/bin/time for peak RSS
      for (const measure of ['wall', 'rss'] as const) {
        const at = (name: string): string => join(dir, `${name}-${measure}${run}`);
        const r = results[measure];
        r.yumdaResolveCold!.push(await yumda(measure, at('yc'), at('l'), true));
        r.yumdaResolveWarm!.push(await yumda(measure, at('yc'), at('l'), true));
        r.dnfCold!.push(await dnf(measure, at('dc')));
        r.dnfWarm!.push(await dnf(measure, at('dc')));
        r.yumdaInstallCold!.push(await yumda(measure, at('ic'), at('ia'), false));
        r.yumdaInstallWarm!.push(await yumda(measure, at('ic'), at('ib'), false));
      }
    }
    const m = Object.fromEntries(
      cases.map((c) => [c, { wall: median(results.wall[c]!), rssMb: Math.max(...results.rss[c]!) }]),
    );
    const summary = {
      packages: TOTAL,
      closure,
      runs: RUNS,
      seconds: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.wall.toFixed(3))])),
      peakRssMb: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.rssMb.toFixed(1))])),
      ratioCold: Number((m.yumdaResolveCold!.wall / m.dnfCold!.wall).toFixed(2)),
      ratioWarm: Number((m.yumdaResolveWarm!.wall / m.dnfWarm!.wall).toFixed(2)),
      targets: { cold: '<= 1.0x dnf', warm: '<= 0.5x dnf', rss: '< 300 MB' },
    };
    process.stdout.write(JSON.stringify({ ...summary, host: await hostEnvNote() }, null, 2) + '\n');
  } finally {
    if (args.includes('--keep')) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await (args.includes('--debian') ? debian() : main());
