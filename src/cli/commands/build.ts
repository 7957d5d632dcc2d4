import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ExitCode, YumdaError } from '../../util/errors.js';
import { note, printJson } from '../output.js';
import { nonNegativeInteger, positiveInteger } from '../parse.js';

// the build libraries are large: load them only when a command runs
const buildLibraries = async () => {
  const [support, run, collect] = await Promise.all([
    import('../../build/cli-support.js'),
    import('../../build/run.js'),
    import('../../build/collect.js'),
  ]);
  return { ...support, ...run, ...collect };
};

interface CommonOpts {
  all?: boolean;
  changed?: boolean;
  withDependents?: boolean;
  builder: string;
  output: string;
  srpmDir?: string;
  upstream?: string;
  specs?: string;
  patches?: string;
  manifest?: string;
  endpoint?: string;
  image?: string;
  engine?: string;
  target?: string;
  arch?: string;
  json?: boolean;
}

function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option('--all', 'every package of the set')
    .option(
      '--changed',
      'only packages whose inputs (upstream SRPM, overlay, patches, macros, builder) differ from the build manifest',
    )
    .option('--with-dependents', 'also packages that BuildRequire the selected ones (transitively)')
    .addOption(
      new Option(
        '--builder <kind>',
        'docker: a fresh amazonlinux:2 container per package; local: rpmbuild on this host',
      )
        .choices(['docker', 'local'])
        .default('docker'),
    )
    .option('-o, --output <dir>', 'output directory: RPMS/ (with build-manifest.json), SRPMS/, logs/', 'build')
    .option('--srpm-dir <dir>', 'take source RPMs from this directory (newest of each name) instead of the upstream')
    .option('--upstream <id|url>', 'upstream to fetch source RPMs from (see yumda source fetch --upstream)')
    .option(
      '--specs <dir>',
      "the package set: one NAME.yaml overlay per package (default: ./specs, else the project's)",
    )
    .option('--patches <dir>', 'Lambda patches, DIR/NAME/*.patch (default: patches/ beside the specs directory)')
    .option(
      '--manifest <url>',
      'the previous build manifest: path, file://, http(s):// or s3:// (default: OUT/RPMS/build-manifest.json)',
    )
    .option('--endpoint <url>', 'S3-compatible endpoint for s3:// URLs')
    .option(
      '--image <tag>',
      "docker builder image tag (default: the target's, e.g. yumda-build:al2, built from docker/build/TARGET/)",
    )
    .option('--engine <engine>', 'docker builder: docker, podman or auto (default: $YUMDA_ENGINE, else auto)')
    .option(
      '--target <target>',
      'the target: al2, al2023, or DIST/ARCH such as al2023/aarch64 (repo-metadata/targets/)',
    )
    .option('--arch <arch>', "x86_64 or aarch64 (default: the target's arch, else x86_64)");
}

export function registerBuildCommands(program: Command): void {
  addSelectionOptions(
    program
      .command('build')
      .description(
        'rebuild packages of the distribution for /opt: fetch source, rewrite spec + overlay + patches, build in BuildRequires order, collect RPMs',
      )
      .argument('[names...]', 'source package names of the set (specs/NAME.yaml)'),
  )
    .option('-j, --jobs <n>', 'packages built in parallel within a wave', positiveInteger, 2)
    .option('--keep-going', 'after a failure, keep building packages that do not depend on it')
    .option('--deps-dir <dir>', "more binary RPMs BuildRequires may use (e.g. earlier CI waves' artifacts); read only")
    .option(
      '--collect <dirs...>',
      'build nothing: gather the outputs of other build runs (CI matrix jobs) into OUT; newest build of each package wins',
    )
    .option('--json', 'print the results as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  yumda build --all --builder local --srpm-dir sources/ -o build/
  yumda build git --builder docker -j 4
  yumda build --changed --with-dependents --manifest s3://my-yumda/lambda2/x86_64/build-manifest.json
  yumda build --collect parts/* -o repo/        # CI: gather matrix jobs' outputs
  yumda repo index build/ && yumda repo publish build/RPMS s3://my-yumda/lambda2/x86_64

Output: OUT/RPMS/ARCH/*.rpm, OUT/SRPMS/*.src.rpm, OUT/logs/NAME.log, and OUT/RPMS/build-manifest.json
(published with the binary repository, so the next --changed can read it from there).

Exit codes: 0 everything built, 1 a package failed (see OUT/logs/NAME.log), 2 bad selection`,
    )
    .action(
      async (
        names: string[],
        opts: CommonOpts & { jobs: number; keepGoing?: boolean; depsDir?: string; collect?: string[] },
      ) => {
        const { collectBuilds, resolveSetup, runBuild, summaryTable } = await buildLibraries();
        const outDir = resolve(opts.output);
        if (opts.collect) {
          if (names.length > 0 || opts.all || opts.changed)
            throw new YumdaError(
              'BAD_SELECTION',
              '--collect builds nothing: give no package names, --all or --changed',
              { exitCode: ExitCode.usage },
            );
          const collected = await collectBuilds(
            opts.collect.map((d) => resolve(d)),
            outDir,
          );
          if (opts.json) printJson(collected);
          else
            process.stdout.write(
              `collected ${collected.taken.length} package(s) into ${outDir}: ${collected.taken.map((t) => t.name).join(', ') || '(none)'}; manifest ${collected.manifestPath}\n`,
            );
          return;
        }
        const { builder, paths, target, base, specTarget } = resolveSetup(opts);
        const run = await runBuild({
          names,
          base,
          specTarget,
          ...(target ? { target } : {}),
          all: opts.all ?? false,
          changed: opts.changed ?? false,
          withDependents: opts.withDependents ?? false,
          builder,
          paths,
          outDir,
          jobs: opts.jobs,
          keepGoing: opts.keepGoing ?? false,
          ...(opts.depsDir ? { depsDir: resolve(opts.depsDir) } : {}),
          ...(opts.srpmDir ? { srpmDir: resolve(opts.srpmDir) } : {}),
          ...(opts.upstream ? { upstream: opts.upstream } : {}),
          ...(opts.manifest ? { manifest: opts.manifest } : {}),
          ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
          onNote: opts.json ? undefined : note,
        });
        if (opts.json) {
          printJson({
            ok: run.ok,
            output: outDir,
            manifest: run.manifestPath,
            waves: run.plan.waves,
            packages: run.results.map((r) => ({ ...r, reasons: run.plan.reasons[r.name] ?? [] })),
          });
        } else if (run.results.length === 0) {
          process.stdout.write('nothing to build: every package matches the build manifest\n');
        } else {
          process.stdout.write(summaryTable(run.results));
          const built = run.results.filter((r) => r.status === 'built').length;
          process.stdout.write(
            `${built} of ${run.results.length} built; RPMs in ${outDir}/RPMS, manifest ${run.manifestPath}\n`,
          );
        }
        if (!run.ok) process.exitCode = ExitCode.failure;
      },
    );

  addSelectionOptions(
    program
      .command('plan')
      .description('print what `yumda build` would build, in waves (packages of a wave build in parallel)')
      .argument('[names...]', 'source package names (default: the whole set)'),
  )
    .option('--json', 'print the plan as JSON')
    .option(
      '--github-matrix',
      'print the JSON a GitHub Actions strategy.matrix takes: {"include":[{"package","wave"}]}',
    )
    .option('--wave <n>', 'with --github-matrix: only wave N (0-based)', nonNegativeInteger)
    .option('--max-waves <n>', 'fail when the plan needs more waves than the CI workflow has jobs for', positiveInteger)
    .addHelpText(
      'after',
      `
Examples:
  yumda plan --srpm-dir sources/ --builder local
  yumda plan --changed --manifest s3://my-yumda/lambda2/x86_64/build-manifest.json --json
  yumda plan --changed --github-matrix --wave 0 --max-waves 4   # in .github/workflows/rebuild.yml`,
    )
    .action(
      async (names: string[], opts: CommonOpts & { githubMatrix?: boolean; wave?: number; maxWaves?: number }) => {
        const { githubMatrix, planBuild, resolveSetup, table } = await buildLibraries();
        const { builder, paths, base, specTarget } = resolveSetup(opts);
        const plan = await planBuild({
          names,
          base,
          specTarget,
          all: opts.all || (names.length === 0 && !opts.changed),
          changed: opts.changed ?? false,
          withDependents: opts.withDependents ?? false,
          builder,
          paths,
          outDir: resolve(opts.output),
          ...(opts.srpmDir ? { srpmDir: resolve(opts.srpmDir) } : {}),
          ...(opts.upstream ? { upstream: opts.upstream } : {}),
          ...(opts.manifest ? { manifest: opts.manifest } : {}),
          ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
          onNote: opts.json || opts.githubMatrix ? undefined : note,
        });
        await rm(plan.workRoot, { recursive: true, force: true });
        if (opts.maxWaves !== undefined && plan.waves.length > opts.maxWaves) {
          throw new YumdaError(
            'TOO_MANY_WAVES',
            `the plan needs ${plan.waves.length} waves, more than --max-waves ${opts.maxWaves}`,
            {
              hint: 'add wave jobs to the workflow, or build the extra waves in a later run',
            },
          );
        }
        if (opts.githubMatrix) {
          printJson(githubMatrix(plan, opts.wave));
          return;
        }
        if (opts.json) {
          printJson({
            waves: plan.waves,
            packages: plan.waves.flatMap((names, wave) =>
              names.map((name) => ({
                name,
                wave,
                source: plan.sources.get(name)!.nevr,
                inputsHash: plan.inputs.get(name)!.inputsHash,
                reasons: plan.reasons[name] ?? [],
                buildRequiresInSet: plan.dependsOn.get(name) ?? [],
              })),
            ),
          });
          return;
        }
        if (plan.waves.length === 0) {
          process.stdout.write('nothing to build: every package matches the build manifest\n');
          return;
        }
        const rows = [['WAVE', 'PACKAGE', 'SOURCE', 'WHY', 'AFTER']];
        plan.waves.forEach((names, wave) => {
          for (const name of names)
            rows.push([
              String(wave + 1),
              name,
              plan.sources.get(name)!.nevr,
              (plan.reasons[name] ?? []).join(','),
              (plan.dependsOn.get(name) ?? []).join(','),
            ]);
        });
        process.stdout.write(table(rows));
      },
    );
}
