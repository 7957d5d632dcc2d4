/**
 * `yumda plan` and `yumda build`: choose the packages (named, --all, or --changed against the build
 * manifest), order them in waves by BuildRequires, build each package as soon as what it
 * BuildRequires is built (up to --jobs at once) with the chosen
 * builder, and collect OUT/RPMS, OUT/SRPMS, OUT/logs/NAME.log and OUT/build-manifest.json.
 */
import { appendFile, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type { BaseProfile } from '../config/profile.js';
import type { TargetOptions } from '../spec/evaluate.js';
import pLimit from 'p-limit';
import { readRpmInfo } from '../rpm/package.js';
import { rpmTargetProblem } from '../rpm/target-compat.js';
import { resolveTarget, type Target } from '../config/target.js';
import { listSpecNames } from '../package-set/specs.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import type { Builder } from './builders/types.js';
import {
  changedInputs,
  manifestPathIn,
  readManifest,
  writeManifest,
  type BuildManifest,
} from '../package-set/manifest.js';
import { criticalPathOrder, planWaves, restrictPlan, withDependents, type PlanPackage } from './plan.js';
import {
  packageInputs,
  preparePackage,
  type PackageInputsInfo,
  type PackageSetPaths,
  type PreparedPackage,
} from './prepare.js';
import { dependencyClosure, scanPool, type PoolRpm } from './rpm-pool.js';
import { findSources, type SourceRpm } from './sources.js';

export interface SelectionOptions {
  names: string[];
  all?: boolean;
  changed?: boolean;
  withDependents?: boolean;
}

export interface PlanOptions extends SelectionOptions {
  builder: Builder;
  outDir: string;
  paths: PackageSetPaths;
  srpmDir?: string;
  upstream?: string;
  /** Previous manifest (path or file/http/s3 URL); default OUT/RPMS/build-manifest.json. */
  manifest?: string;
  endpoint?: string;
  onNote?: (message: string) => void;
  /** What the Lambda runtime provides, for the spec rewrite (the CLI: the al2 profile). */
  base: BaseProfile;
  /** The macros specs are evaluated with, whatever the builder (the CLI: config/macros.ts buildSpecTarget). */
  specTarget: TargetOptions;
}

export interface BuildPlanResult {
  /** Every package of the set that was considered. */
  considered: string[];
  /** Waves of the considered packages. */
  allWaves: string[][];
  /** Waves of what will be built. */
  waves: string[][];
  /** Why each selected package is built: changed inputs ("srpm", "overlay", …), "new", or "requested". */
  reasons: Record<string, string[]>;
  dependsOn: Map<string, string[]>;
  sources: Map<string, SourceRpm>;
  /** Unpacked and rewritten: every selected package (and, without --changed, every considered one). */
  prepared: Map<string, PreparedPackage>;
  inputs: Map<string, PackageInputsInfo>;
  manifest: BuildManifest;
  workRoot: string;
}

function usage(message: string, hint?: string): YumdaError {
  return new YumdaError('BAD_SELECTION', message, { exitCode: ExitCode.usage, ...(hint ? { hint } : {}) });
}

export async function planBuild(options: PlanOptions): Promise<BuildPlanResult> {
  const members = await listSpecNames(options.paths.specsDir);
  if (members.length === 0)
    throw new YumdaError(
      'EMPTY_PACKAGE_SET',
      `no packages in ${options.paths.specsDir} (one NAME.yaml overlay per package)`,
    );
  const unknown = options.names.filter((n) => !members.includes(n));
  if (unknown.length > 0)
    throw usage(
      `not in the package set (${options.paths.specsDir}): ${unknown.join(', ')}`,
      `known: ${members.join(', ')}`,
    );
  if (options.names.length === 0 && !options.all && !options.changed)
    throw usage('name the packages to build, or use --all or --changed');
  if (options.names.length > 0 && options.all) throw usage('give package names or --all, not both');

  // named packages alone need only themselves; --changed and --with-dependents look at the whole set
  const namedOnly = options.names.length > 0 && !options.changed && !options.withDependents;
  const considered = namedOnly ? [...options.names].sort() : members;
  const sources = await findSources(considered, {
    ...(options.srpmDir ? { srpmDir: options.srpmDir } : {}),
    ...(options.upstream ? { upstream: options.upstream } : {}),
    downloadDir: join(options.outDir, 'sources'),
    ...(options.onNote ? { onNote: options.onNote } : {}),
  });
  const manifest = await readManifest(
    options.manifest ?? manifestPathIn(options.outDir),
    options.endpoint ? { endpoint: options.endpoint } : {},
  );
  const identity = await options.builder.identity();
  const inputs = new Map<string, PackageInputsInfo>();
  for (const name of considered)
    inputs.set(name, await packageInputs(name, sources.get(name)!, options.paths, identity));

  const workRoot = await mkdtemp(join(tmpdir(), 'yumda-build-'));
  // the spec evaluator always knows the AL2 stand-ins (%systemd_requires, %_isa, …), whatever the builder
  const target = options.specTarget;
  const prepared = new Map<string, PreparedPackage>();
  const prepare = async (name: string): Promise<void> => {
    if (!prepared.has(name))
      prepared.set(
        name,
        await preparePackage(name, sources.get(name)!, {
          paths: options.paths,
          workDir: join(workRoot, name),
          target,
          base: options.base,
        }),
      );
  };
  // with --changed, an unchanged package is planned from what its last build recorded (no unpacking)
  const unchanged = (name: string): boolean =>
    options.changed === true && manifest.packages[name]?.inputsHash === inputs.get(name)!.inputsHash;
  for (const name of considered) if (!unchanged(name)) await prepare(name);
  const planPackages: PlanPackage[] = considered.map((name) => {
    const recorded = manifest.packages[name];
    const fresh = prepared.get(name);
    return {
      name,
      buildRequires: fresh?.buildRequires ?? recorded?.buildRequires ?? [],
      provides: [...new Set([...(fresh?.provides ?? []), ...(recorded?.provides ?? [])])],
    };
  });
  // the rest of the set as its last build recorded it: a named package's dependencies inside the set
  // are known without unpacking them, so its sysroot still gets their libraries (libedit for openssh)
  if (namedOnly)
    for (const name of members)
      if (!considered.includes(name) && manifest.packages[name]) {
        const recorded = manifest.packages[name];
        planPackages.push({ name, buildRequires: recorded.buildRequires, provides: recorded.provides });
      }
  const plan = planWaves(planPackages);

  const reasons: Record<string, string[]> = {};
  let selected = new Set(options.names.length > 0 ? options.names : considered);
  for (const name of selected) reasons[name] = options.names.includes(name) ? ['requested'] : ['all'];
  if (options.changed) {
    for (const name of [...selected]) {
      const info = inputs.get(name)!;
      const before = manifest.packages[name];
      if (before?.inputsHash === info.inputsHash) selected.delete(name);
      else reasons[name] = changedInputs(info.inputs, before?.inputs);
    }
  }
  if (options.withDependents) {
    const grown = withDependents(selected, plan.dependsOn);
    for (const name of grown)
      if (!selected.has(name))
        reasons[name] = [
          `depends on ${plan.dependsOn
            .get(name)!
            .filter((d) => grown.has(d))
            .join(', ')}`,
        ];
    selected = grown;
  }
  for (const name of Object.keys(reasons)) if (!selected.has(name)) delete reasons[name];
  for (const name of selected) await prepare(name);
  return {
    sources,
    considered,
    allWaves: plan.waves,
    waves: restrictPlan(plan, selected),
    reasons,
    dependsOn: plan.dependsOn,
    prepared,
    inputs,
    manifest,
    workRoot,
  };
}

export type PackageStatus = 'built' | 'failed' | 'skipped' | 'not-built';

export interface PackageResult {
  name: string;
  wave: number;
  status: PackageStatus;
  seconds: number;
  log: string;
  rpms: string[];
  error?: string;
}

export interface BuildRunOptions extends PlanOptions {
  jobs?: number;
  /** More binary RPMs BuildRequires may use (e.g. the artifacts of earlier CI waves); never modified. */
  depsDir?: string;
  keepGoing?: boolean;
  /** The target the packages are built for (default al2/x86_64): its rpm must read every output. */
  target?: Target;
}

export interface BuildRunResult {
  plan: BuildPlanResult;
  results: PackageResult[];
  manifestPath: string;
  ok: boolean;
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true, recursive: true }))
      .filter((e) => e.isFile() && e.name.endsWith(suffix))
      .map((e) => join(e.parentPath, e.name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * The library packages the in-set packages a build depends on made: what its dropped -devel
 * BuildRequires (libedit-devel, pcre2-devel) would have pulled, so the sysroot has the set's
 * libraries to link against rather than the build host's.
 */
function libraryPackagesOf(sources: readonly string[], pool: readonly PoolRpm[]): string[] {
  const wanted = new Set(sources);
  return [
    ...new Set(
      pool
        .filter((rpm) => wanted.has(rpm.sourceName) && rpm.files.some((f) => /\/lib(64)?\/[^/]+\.so(\.|$)/.test(f)))
        .map((rpm) => rpm.name),
    ),
  ];
}

export async function runBuild(options: BuildRunOptions): Promise<BuildRunResult> {
  await options.builder.ensureAvailable();
  const target = options.target ?? resolveTarget();
  const out = options.outDir;
  const rpmsDir = join(out, 'RPMS');
  const srpmsDir = join(out, 'SRPMS');
  const logsDir = join(out, 'logs');
  await Promise.all([rpmsDir, srpmsDir, logsDir].map((d) => mkdir(d, { recursive: true })));
  const plan = await planBuild(options);
  const manifest = plan.manifest;
  const manifestPath = manifestPathIn(out);
  let manifestWrite = Promise.resolve();
  const saveManifest = (): Promise<void> =>
    (manifestWrite = manifestWrite.then(() =>
      writeManifest(manifestPath, { ...manifest, updated: new Date().toISOString() }),
    ));

  const results = new Map<string, PackageResult>();
  let stop = false;
  const limit = pLimit(Math.max(1, options.jobs ?? 1));
  // OUT/RPMS is read (the pool a build's BuildRequires come from) and written (a build's RPMs moved
  // in, the previous build's removed) by builds running side by side: one at a time
  let outTurn = Promise.resolve();
  const withOut = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = outTurn.then(fn);
    outTurn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  // each package starts as soon as the packages it BuildRequires are built (the waves are the
  // plan's order and what it reports; a package does not wait for the rest of the wave before it)
  const finished = new Map<string, Promise<void>>();
  // packages ready together start longest chain first; a package never built before weighs the
  // median of those that were (or 1 when none was)
  const known = Object.values(manifest.packages)
    .map((e) => e.seconds)
    .filter((s): s is number => s !== undefined)
    .sort((a, b) => a - b);
  const typical = known[Math.floor(known.length / 2)] ?? 1;
  const startOrder = criticalPathOrder(
    plan.waves.flat(),
    plan.dependsOn,
    (n) => manifest.packages[n]?.seconds ?? typical,
  );
  const rank = new Map(startOrder.map((n, i) => [n, i]));
  try {
    for (const [waveIndex, wave] of plan.waves.entries()) {
      for (const name of [...wave].sort((a, b) => rank.get(a)! - rank.get(b)!))
        finished.set(
          name,
          Promise.all((plan.dependsOn.get(name) ?? []).map((d) => finished.get(d))).then(() =>
            limit(async () => {
              const log = join(logsDir, `${name}.log`);
              const result: PackageResult = {
                name,
                wave: waveIndex,
                status: 'not-built',
                seconds: 0,
                log: relative(out, log),
                rpms: [],
              };
              results.set(name, result);
              const failedDeps = (plan.dependsOn.get(name) ?? []).filter(
                (d) => results.get(d) && results.get(d)!.status !== 'built',
              );
              if (failedDeps.length > 0) {
                result.status = 'skipped';
                result.error = `not built: ${failedDeps.join(', ')} failed`;
                return;
              }
              if (stop) return;
              const started = Date.now();
              const prepared = plan.prepared.get(name)!;
              const info = plan.inputs.get(name)!;
              const pool = await withOut(async () => [
                ...(await scanPool(rpmsDir)),
                ...(options.depsDir ? await scanPool(options.depsDir) : []),
              ]);
              const deps = dependencyClosure(
                [...prepared.buildRequires, ...libraryPackagesOf(plan.dependsOn.get(name) ?? [], pool)],
                pool,
                name,
              );
              const workDir = join(plan.workRoot, name);
              const resultDir = join(workDir, 'result');
              await writeFile(
                log,
                [
                  `yumda build ${name} (wave ${waveIndex + 1}, builder ${options.builder.kind})`,
                  `source: ${prepared.source.nevr} (${prepared.source.path})`,
                  `inputs: ${info.inputsHash}`,
                  `BuildRequires: ${prepared.buildRequires.join(', ') || '(none)'}`,
                  `from earlier builds: ${deps.map((d) => basename(d.path)).join(', ') || '(none)'}`,
                  `rewrite: ${prepared.rewriteChanges} edits${prepared.lint.length > 0 ? `; lint: ${prepared.lint.join('; ')}` : ''}`,
                  '',
                ].join('\n'),
              );
              options.onNote?.(`building ${name} (wave ${waveIndex + 1})`);
              try {
                await rm(resultDir, { recursive: true, force: true });
                await mkdir(resultDir, { recursive: true });
                await options.builder.build({
                  name,
                  specFile: prepared.specFile,
                  sourcesDir: prepared.sourcesDir,
                  workDir,
                  resultDir,
                  dependencyRpms: deps.map((d) => d.path),
                  logFile: log,
                });
                const newRpms = await listFiles(join(resultDir, 'RPMS'), '.rpm');
                const newSrpms = await listFiles(join(resultDir, 'SRPMS'), '.src.rpm');
                if (newRpms.length === 0)
                  throw new YumdaError('BUILD_NO_OUTPUT', `${name}: the build produced no binary RPMs`);
                // the target's rpm must be able to read what was built (no zstd payloads for al2)
                const infos = new Map<string, Awaited<ReturnType<typeof readRpmInfo>>>();
                for (const rpm of newRpms) {
                  const rpmInfo = await readRpmInfo(rpm);
                  const problem = rpmTargetProblem(rpmInfo, target, basename(rpm));
                  if (problem) throw problem;
                  infos.set(rpm, rpmInfo);
                }
                const placed = await withOut(async () => {
                  // replace what an earlier build of this package left in OUT
                  for (const old of pool.filter((r) => r.sourceName === name && r.path.startsWith(rpmsDir)))
                    await rm(old.path, { force: true });
                  for (const old of manifest.packages[name]?.srpms ?? []) await rm(join(out, old), { force: true });
                  const placed: string[] = [];
                  // with the names of subpackages the rewrite dropped (libedit-devel): a later plan maps
                  // a BuildRequires on one to this package from the record alone
                  const provides = new Set<string>(prepared.provides);
                  for (const rpm of newRpms) {
                    const rpmInfo = infos.get(rpm)!;
                    provides.add(rpmInfo.name);
                    for (const p of rpmInfo.provides) provides.add(p.name);
                    const dest = join(rpmsDir, rpmInfo.arch, basename(rpm));
                    await mkdir(join(rpmsDir, rpmInfo.arch), { recursive: true });
                    await rename(rpm, dest);
                    placed.push(relative(out, dest));
                  }
                  const placedSrpms: string[] = [];
                  for (const srpm of newSrpms) {
                    const dest = join(srpmsDir, basename(srpm));
                    await rename(srpm, dest);
                    placedSrpms.push(relative(out, dest));
                  }
                  manifest.packages[name] = {
                    inputsHash: info.inputsHash,
                    inputs: info.inputs,
                    rpms: placed,
                    srpms: placedSrpms,
                    provides: [...provides].sort(),
                    buildRequires: prepared.buildRequires,
                    builtAt: new Date().toISOString(),
                    seconds: Math.round((Date.now() - started) / 100) / 10,
                  };
                  await saveManifest();
                  return placed;
                });
                result.status = 'built';
                result.rpms = placed;
              } catch (e) {
                result.status = 'failed';
                result.error = (e as Error).message;
                await appendFile(log, `\nyumda: ${result.error}\n`);
                if (!options.keepGoing) stop = true;
              } finally {
                result.seconds = (Date.now() - started) / 1000;
              }
            }),
          ),
        );
    }
    await Promise.all(finished.values());
  } finally {
    await manifestWrite;
    await rm(plan.workRoot, { recursive: true, force: true });
  }
  const ordered = plan.waves.flat().map(
    (n) =>
      results.get(n) ?? {
        name: n,
        wave: plan.waves.findIndex((w) => w.includes(n)),
        status: 'not-built' as const,
        seconds: 0,
        log: '',
        rpms: [],
      },
  );
  return { plan, results: ordered, manifestPath, ok: ordered.every((r) => r.status === 'built') };
}
