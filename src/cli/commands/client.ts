/**
 * The everyday client commands: install, remove, list, search, info, provides. Thin: parse
 * options, call src/config, src/install and src/resolve, print.
 */
import { Option, type Command } from 'commander';
import { resolve as resolvePath } from 'node:path';
import type { BaseProfile } from '../../config/profile.js';
import type { Target } from '../../config/target.js';
import type { RepoOptions } from '../../config/repos.js';
import type { InstallResult, Layer } from '../../install/transaction.js';
import type { Manifest } from '../../install/manifest.js';
import type { Session } from '../../install/session.js';
import { ExitCode, YumdaError } from '../../util/errors.js';
import { defaultCacheDir } from '../../util/paths.js';
import { drawProgress, note, printJson } from '../output.js';
import { nonNegativeInteger, positiveInteger } from '../parse.js';
import { refuseSpecialFileSystem } from '../../util/special-fs.js';
import { attachPath } from '../../util/system-errors.js';

interface RepoCliOptions {
  repo?: string[];
  repofile?: string[];
  enablerepo?: string[];
  disablerepo?: string[];
  cacheDir?: string;
  refresh?: boolean;
  target?: string;
  arch?: string;
  base?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** How --target, --arch, --base and --repo combine, for the --help of install and update. */
const TARGET_HELP = `
Targets: --target DIST[/ARCH] (al2, al2023, al2023/aarch64; repo-metadata/targets/) picks the
architecture, the base profile and the default repository (…/DIST/ARCH/ in repo-metadata/repos/).
Without it: the target the layer records (.yumda/installed.json), else $YUMDA_TARGET, else
al2/x86_64. --arch picks the arch of that target. --base overrides its profile: none installs
everything, and with --target still applies the target's rpm rules (no zstd payloads on al2).
--repo/--repofile replace the default repositories and are used as given. A layer holds one
target: installing another target's packages into it is refused.`;

function addRepoOptions(cmd: Command): Command {
  return cmd
    .option('--repo <url>', 'use this repository (file://, http(s)://, s3://bucket/prefix); repeatable', collect)
    .option('--repofile <file>', 'use the repositories of a yum .repo file; repeatable', collect)
    .option('--enablerepo <id>', 'enable a repository (glob) that its .repo file disables; repeatable', collect)
    .option('--disablerepo <id>', 'disable a repository (glob); repeatable', collect)
    .option('--cache-dir <dir>', 'metadata and package cache (default $XDG_CACHE_HOME/yumda)')
    .option('--refresh', 'fetch repomd.xml now, even when the cached copy is younger than metadata_expire')
    .option(
      '--target <target>',
      "the Lambda runtime: al2, al2023, or DIST/ARCH such as al2023/aarch64 (default: the layer's, else $YUMDA_TARGET, else al2)",
    )
    .addOption(
      new Option('--arch <arch>', "target architecture (default: the target's, else x86_64)").choices([
        'x86_64',
        'aarch64',
      ]),
    )
    .option(
      '--base <profile>',
      "what the Lambda runtime already has: none (install everything), a profile id or JSON file (default: the target's profile)",
    )
    .option('--json', 'print machine-readable JSON on stdout');
}

/** The target of a command that reads only the repositories (no layer, no base profile). */
async function targetOnly(opts: RepoCliOptions): Promise<{ target: Target }> {
  const { chooseLayerTarget } = await libraries();
  return { target: chooseLayerTarget({ target: opts.target, arch: opts.arch }, null) };
}

function repoOptions(opts: RepoCliOptions, target: Target, vars: Record<string, string>): RepoOptions {
  return {
    repo: opts.repo,
    repofile: opts.repofile,
    enablerepo: opts.enablerepo,
    disablerepo: opts.disablerepo,
    arch: target.arch,
    vars,
  };
}

/**
 * The client's libraries (metadata, resolver, installer) load only when a command runs, so
 * `yumda --help` and unrelated commands start fast; listing and update helpers only when used.
 */
async function libraries() {
  const [profile, repos, manifest, metadata, session, plan, pool, resolve, target] = await Promise.all([
    import('../../config/profile.js'),
    import('../../config/repos.js'),
    import('../../install/manifest.js'),
    import('../../install/metadata.js'),
    import('../../install/session.js'),
    import('../../resolve/plan.js'),
    import('../../resolve/pool.js'),
    import('../../resolve/resolve.js'),
    import('../../config/target.js'),
  ]);
  return { ...profile, ...repos, ...manifest, ...metadata, ...session, ...plan, ...pool, ...resolve, ...target };
}

/** The layer's manifest for a read-only command; an interrupted change is finished or undone first. */
async function installedManifest(dest: string) {
  const { readLayerManifest } = await import('../../install/transaction.js');
  return readLayerManifest(dest, { onNote: (m) => note(m) });
}

async function queries() {
  const [query, update] = await Promise.all([import('../../install/query.js'), import('../../resolve/update.js')]);
  return { ...query, ...update };
}

function cacheDirOf(opts: RepoCliOptions): string {
  const dir = resolvePath(opts.cacheDir ?? defaultCacheDir());
  refuseSpecialFileSystem(dir, 'the cache directory');
  return dir;
}

/** The target and base profile of a command: from the options, and the layer's manifest when there is one. */
async function targetAndProfile(
  opts: RepoCliOptions,
  layer: { dir: string; manifest: Manifest | null } | null,
): Promise<{ target: Target; profile: BaseProfile }> {
  const { chooseLayerTarget, targetBaseProfile } = await libraries();
  const m = layer?.manifest;
  const target = chooseLayerTarget(
    { target: opts.target, arch: opts.arch },
    m ? { dir: layer.dir, arch: m.arch, ...(m.target ? { target: m.target } : {}) } : null,
  );
  // --base none keeps the target's rpm rules only when --target is given (as before without it: none at all)
  return { target, profile: targetBaseProfile(target, opts.base, opts.target !== undefined) };
}

async function session(opts: RepoCliOptions, target: Target): Promise<Session> {
  const { openSession, configuredRepos, targetRepoVariables } = await libraries();
  return openSession(configuredRepos(repoOptions(opts, target, targetRepoVariables(target))), {
    cacheDir: cacheDirOf(opts),
    arch: target.arch,
    refresh: opts.refresh,
    onNote: opts.json ? undefined : (m) => note(m),
  });
}

function progressPrinter(
  enabled: boolean,
  humanSize: (bytes: number) => string,
): ((done: number, total: number, bytes: number, totalBytes: number) => void) | undefined {
  if (!enabled) return undefined;
  let last = 0;
  return (done, total, bytes, totalBytes) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    drawProgress(
      `Downloading packages: ${done}/${total}  ${humanSize(bytes)} / ${humanSize(totalBytes)}`,
      done === total,
    );
  };
}

async function printResolveProblems(e: unknown): Promise<void> {
  const { ResolveError } = await libraries();
  if (e instanceof ResolveError && e.problems.length > 1) {
    note('yumda: the request cannot be satisfied:');
    for (const p of e.problems) note(`  - ${p}`);
  }
}

/** Runs `yumda check` on the installed layer; returns its one-line summary and its error count. */
async function runLayerCheck(
  dir: string,
  profile: BaseProfile,
  target: Target,
): Promise<{ summary: string; errors: number }> {
  const [{ checkManagedLayer }, { summarizeReport }] = await Promise.all([
    import('../../install/layer-check.js'),
    import('../../layer/report.js'),
  ]);
  const report = await checkManagedLayer(dir, { profile, target });
  return { summary: summarizeReport(report), errors: report.errors };
}

function printInstallSummary(result: InstallResult, dest: string): void {
  if (result.setIdCleared.length > 0) {
    const n = result.setIdCleared.length;
    note(
      `note: setuid/setgid bits cleared on ${n} file${n === 1 ? '' : 's'} (Lambda runs functions without privileges and cannot honour them), e.g. /opt/${result.setIdCleared.slice(0, 3).join(', /opt/')}`,
    );
  }
  for (const o of result.outsidePrefix) {
    note(
      `warning: ${o.package}: ${o.count} file${o.count === 1 ? '' : 's'} outside /opt left out (a layer only holds /opt), e.g. ${o.examples.join(', ')}`,
    );
  }
  if (result.docsSkipped > 0)
    note(
      `${result.docsSkipped} documentation file${result.docsSkipped === 1 ? '' : 's'} left out (--with-docs keeps them)`,
    );
  if (result.removed.length > 0) note(`Replaced: ${result.removed.join(', ')}`);
  const upgraded = result.installed.filter((p) => result.replacedNames.includes(p.name)).length;
  const fresh = result.installed.length - upgraded;
  const what =
    upgraded === 0
      ? `Installed ${fresh} package${fresh === 1 ? '' : 's'} into`
      : `Installed ${fresh} and upgraded ${upgraded} package${upgraded === 1 ? '' : 's'} in`;
  note(`${what} ${dest}` + (result.reusedPackages ? ` (${result.reusedPackages} from the cache)` : ''));
}

type InstallCliOptions = RepoCliOptions & {
  dest: string;
  dryRun?: boolean;
  withDocs?: boolean;
  check: boolean;
  concurrency: number;
  lockWait: number;
};

const LOCK_WAIT_HELP =
  'seconds to wait while another yumda changes the same layer (then fail with the pid that holds it)';

function addInstallOptions(cmd: Command): Command {
  return cmd
    .option('-d, --dest <dir>', 'layer directory: what Lambda sees at /opt', 'layer')
    .option('--lock-wait <seconds>', LOCK_WAIT_HELP, nonNegativeInteger, 60)
    .option('--dry-run', 'print the plan and stop')
    .option('--with-docs', 'keep documentation, man and info pages')
    .option('--no-check', 'skip the layer check after installing')
    .option('--concurrency <n>', 'parallel downloads', positiveInteger, 6)
    .option('-y, --assumeyes', 'accepted for yum compatibility (yumda never asks)');
}

/**
 * install and update share everything but the request: install takes what the user named (an
 * installed package with a newer version available is upgraded, as yum does); update asks for the
 * newer versions of installed packages. Both stage, verify and move into DIR atomically.
 */
async function installOrUpdate(args: string[], opts: InstallCliOptions, mode: 'install' | 'update'): Promise<void> {
  const dest = resolvePath(opts.dest);
  refuseSpecialFileSystem(dest, 'the layer directory');
  const { openLayer, readLayerManifest } = await import('../../install/transaction.js');
  if (opts.dryRun) {
    // a dry run changes nothing: it reads the manifest without taking the layer
    const manifest = await readLayerManifest(dest, { onNote: (m) => note(m) });
    await resolveAndApply(args, opts, mode, dest, manifest, null);
    return;
  }
  const layer = await openLayer(dest, {
    command: `${mode} ${args.join(' ')}`.trim(),
    lockWaitMs: opts.lockWait * 1000,
    create: mode === 'install',
    onNote: (m) => note(m),
  });
  try {
    await resolveAndApply(args, opts, mode, dest, layer.manifest, layer);
  } finally {
    layer.close();
  }
}

async function resolveAndApply(
  args: string[],
  opts: InstallCliOptions,
  mode: 'install' | 'update',
  dest: string,
  manifest: Manifest | null,
  layer: Layer | null,
): Promise<void> {
  const { resolveInSession, manifestToPool, formatPlan, planToJson, humanSize, ResolveError } = await libraries();
  const { target, profile } = await targetAndProfile(opts, { dir: dest, manifest });
  if (mode === 'update' && !manifest) {
    throw new YumdaError('NOT_A_LAYER', `${dest} has no yumda manifest (.yumda/installed.json): nothing to update`, {
      hint: 'install packages first: yumda install NAME -d DIR',
    });
  }
  const installed = (manifest?.packages ?? []).map(manifestToPool);
  const s = await session(opts, target);
  let requests = args;
  if (mode === 'update') {
    const { updateRequests } = await queries();
    const wanted = updateRequests(s.pool, installed, args);
    if (wanted.notInstalled.length > 0) {
      throw new YumdaError('NOT_INSTALLED', `not installed in ${dest}: ${wanted.notInstalled.join(', ')}`, {
        hint: `yumda list --installed -d ${opts.dest}`,
      });
    }
    requests = wanted.requests;
    if (requests.length === 0) {
      if (opts.json)
        printJson({
          install: [],
          skippedByBase: [],
          downloadSize: 0,
          installedSize: 0,
          dest,
          target: target.key,
          removed: [],
        });
      else note('No packages marked for update');
      return;
    }
  }
  let plan;
  try {
    plan = await resolveInSession(s, { requests, profile, arch: target.arch, installed });
  } catch (e) {
    // a request the repositories have only for another arch: say so, naming both
    const { foreignArchOnly } = await queries();
    const foreign =
      e instanceof ResolveError
        ? foreignArchOnly(
            s.repos.map((r) => r.packages),
            requests,
            target.arch,
          )
        : null;
    if (foreign) {
      const p = foreign.example;
      throw new YumdaError(
        'ARCH_MISMATCH',
        `${foreign.request} is ${foreign.archs.join(', ')} only (${p.name}-${p.version}-${p.release}.${p.arch} in ${p.repo}), but ${dest} is an ${target.arch} layer (${target.key})`,
        { hint: `install it into a layer of its own: -d DIR --target ${target.id}/${p.arch}`, cause: e },
      );
    }
    await printResolveProblems(e);
    throw e;
  }
  if (!opts.json) {
    for (const n of plan.notes) note(n);
    process.stdout.write(formatPlan(plan, { base: profile.id, width: process.stdout.columns }) + '\n');
  }
  if (!layer) {
    if (opts.json) printJson(planToJson(plan));
    return;
  }
  const result = await layer.install(plan, {
    profile,
    arch: target.arch,
    target: { key: target.key, arch: target.arch, elfMachine: target.facts.elfMachine },
    cacheDir: cacheDirOf(opts),
    repos: s.repos,
    withDocs: opts.withDocs,
    concurrency: opts.concurrency,
    onProgress: progressPrinter(!opts.json && process.stderr.isTTY === true, humanSize),
  });
  let check: { summary: string; errors: number } | null = null;
  if (opts.check && result.installed.length > 0) check = await runLayerCheck(dest, profile, target);
  if (opts.json) {
    printJson({
      ...planToJson(plan),
      dest,
      target: target.key,
      removed: result.removed,
      outsidePrefix: result.outsidePrefix,
      docsSkipped: result.docsSkipped,
      setIdCleared: result.setIdCleared,
      check: check?.summary ?? null,
    });
  } else {
    printInstallSummary(result, dest);
    if (check) note(check.summary);
  }
  if (check && check.errors > 0) {
    // installed and committed, but the layer will not work as it is: say so in the exit code
    process.exitCode = ExitCode.checkFailed;
    if (!opts.json) note(`the packages are installed, but the check found problems: see yumda check ${opts.dest}`);
  }
}

export function registerClientCommands(program: Command): void {
  addInstallOptions(
    addRepoOptions(
      program
        .command('install')
        .description(
          'install packages and what they need (minus what Lambda already has) into a layer directory; an installed package with a newer version available is upgraded',
        )
        .argument(
          '<package...>',
          'names, name-version[-release], capabilities (libfoo.so.1()(64bit)) or paths (/opt/bin/git)',
        ),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  yumda install git openssh -d layer           git and ssh into ./layer (zip it with: yumda zip layer)
  yumda install libcurl.so.4'()(64bit)' --dry-run
  yumda install /opt/bin/git --repo https://example.com/yumda/al2/x86_64/ --json
  yumda install git -d layer-arm --target al2023/aarch64 --base none
${TARGET_HELP}`,
    )
    .action((requests: string[], opts: InstallCliOptions) =>
      // a write into the layer that fails for lack of space names no file: name the layer
      installOrUpdate(requests, opts, 'install').catch((e: unknown) => {
        throw attachPath(e, resolvePath(opts.dest));
      }),
    );

  addInstallOptions(
    addRepoOptions(
      program
        .command('update')
        .alias('upgrade')
        .description(
          'upgrade packages installed in a layer directory to the newest versions in the repositories (all when no name is given)',
        )
        .argument('[package...]', 'installed package names (default: every installed package)'),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  yumda update -d layer                 everything in ./layer that has a newer version
  yumda update git -d layer --dry-run   what upgrading git (and what the new git needs) would do
${TARGET_HELP}`,
    )
    .action((names: string[], opts: InstallCliOptions) =>
      installOrUpdate(names, opts, 'update').catch((e: unknown) => {
        throw attachPath(e, resolvePath(opts.dest));
      }),
    );

  program
    .command('remove')
    .alias('erase')
    .description('remove installed packages from a layer directory (files no other package owns)')
    .argument('<package...>', 'installed package names')
    .option('-d, --dest <dir>', 'layer directory', 'layer')
    .option('--lock-wait <seconds>', LOCK_WAIT_HELP, nonNegativeInteger, 60)
    .option('--json', 'print machine-readable JSON on stdout')
    .addHelpText('after', '\nExamples:\n  yumda remove openssh -d layer')
    .action(async (names: string[], opts: { dest: string; json?: boolean; lockWait: number }) => {
      const dest = resolvePath(opts.dest);
      refuseSpecialFileSystem(dest, 'the layer directory');
      const { summarize, evrString } = await queries();
      const { openLayer } = await import('../../install/transaction.js');
      const layer = await openLayer(dest, {
        command: `remove ${names.join(' ')}`,
        lockWaitMs: opts.lockWait * 1000,
        onNote: (m) => note(m),
      });
      let outcome;
      try {
        outcome = layer.remove(names);
      } finally {
        layer.close();
      }
      const { removed, brokenDependents } = outcome;
      if (opts.json) {
        printJson({ removed: removed.map(summarize), brokenDependents });
        return;
      }
      for (const r of removed) note(`Removed ${r.name}-${evrString(r)}.${r.arch} (${r.files.length} files)`);
      for (const b of brokenDependents) note(`warning: ${b}, which is no longer in the layer`);
    });

  addRepoOptions(
    program
      .command('list')
      .description('list packages available in the repositories, or installed in a layer directory')
      .argument('[pattern...]', 'name globs (e.g. "lib*")')
      .option('--available', 'packages in the repositories (the default)')
      .option('--installed', 'packages installed in the layer directory (-d)')
      .option('--showduplicates', 'every version, not only the newest')
      .option('-d, --dest <dir>', 'layer directory for --installed', 'layer'),
  )
    .addHelpText('after', '\nExamples:\n  yumda list --installed -d layer\n  yumda list "lib*" --json')
    .action(
      async (
        patterns: string[],
        opts: RepoCliOptions & { installed?: boolean; available?: boolean; showduplicates?: boolean; dest: string },
      ) => {
        const { listInstalled, summarize, formatSummaryTable, evrString, listAvailable } = await queries();
        if (opts.installed && opts.available)
          throw new YumdaError('USAGE', 'use either --installed or --available', { exitCode: ExitCode.usage });
        if (opts.installed) {
          const dest = resolvePath(opts.dest);
          const manifest = await installedManifest(dest);
          const pkgs = listInstalled(manifest?.packages ?? [], patterns);
          if (opts.json) printJson(pkgs.map((p) => ({ ...summarize(p), files: p.files.length })));
          else if (pkgs.length === 0)
            note(manifest ? 'no matching packages installed' : `nothing installed in ${dest}`);
          else
            process.stdout.write(
              formatSummaryTable(
                pkgs.map((p) => ({ name: p.name, arch: p.arch, evr: evrString(p), repo: `@${p.repo}` })),
              ) + '\n',
            );
          return;
        }
        const { target } = await targetOnly(opts);
        const s = await session(opts, target);
        const pkgs = listAvailable(s.pool, patterns, opts.showduplicates);
        if (opts.json) printJson(pkgs.map(summarize));
        else if (pkgs.length === 0) note('no matching packages');
        else
          process.stdout.write(
            formatSummaryTable(pkgs.map((p) => ({ name: p.name, arch: p.arch, evr: evrString(p), repo: p.repo }))) +
              '\n',
          );
      },
    );

  addRepoOptions(
    program
      .command('search')
      .description('search package names and summaries')
      .argument('<term>', 'text to look for (case-insensitive)'),
  )
    .addHelpText('after', '\nExamples:\n  yumda search ssh')
    .action(async (term: string, opts: RepoCliOptions) => {
      const { searchPackages, summarize } = await queries();
      const { target } = await targetOnly(opts);
      const s = await session(opts, target);
      const { nameMatches, summaryMatches } = searchPackages(s.pool, term);
      if (opts.json) {
        printJson([...nameMatches, ...summaryMatches].map(summarize));
        return;
      }
      if (nameMatches.length + summaryMatches.length === 0) {
        note(`no package matches ${term}`);
        process.exitCode = ExitCode.failure;
        return;
      }
      const line = (p: { name: string; arch: string; summary: string }): string => `${p.name}.${p.arch} : ${p.summary}`;
      if (nameMatches.length)
        process.stdout.write(`=== Name Matched: ${term} ===\n` + nameMatches.map(line).join('\n') + '\n');
      if (summaryMatches.length)
        process.stdout.write(`=== Summary Matched: ${term} ===\n` + summaryMatches.map(line).join('\n') + '\n');
    });

  addRepoOptions(
    program
      .command('info')
      .description('show details of a package (from the repositories, or installed with --installed)')
      .argument('<package>', 'package name')
      .option('--installed', 'show the package installed in the layer directory (-d)')
      .option('-d, --dest <dir>', 'layer directory for --installed', 'layer'),
  )
    .addHelpText('after', '\nExamples:\n  yumda info git\n  yumda info git --json')
    .action(async (name: string, opts: RepoCliOptions & { installed?: boolean; dest: string }) => {
      const [{ plainRecord }, { formatInfo, listAvailable }] = await Promise.all([libraries(), queries()]);
      if (opts.installed) {
        const manifest = await installedManifest(resolvePath(opts.dest));
        const p = manifest?.packages.find((q) => q.name === name);
        if (!p) throw new YumdaError('NOT_INSTALLED', `package ${name} is not installed in ${opts.dest}`);
        if (opts.json) printJson(p);
        else process.stdout.write(formatInfo(p, { installed: true }) + '\n');
        return;
      }
      const { target } = await targetOnly(opts);
      const s = await session(opts, target);
      const pkgs = listAvailable(s.pool, [name]);
      if (pkgs.length === 0)
        throw new YumdaError('NO_SUCH_PACKAGE', `no package named ${name}`, {
          hint: 'yumda search TERM finds packages by name and summary',
        });
      if (opts.json) {
        printJson(pkgs.map((p) => plainRecord(p)).map(({ files: _files, primaryFiles: _pf, ...rest }) => rest));
        return;
      }
      process.stdout.write(pkgs.map((p) => formatInfo(p, { installed: false })).join('\n\n') + '\n');
    });

  addRepoOptions(
    program
      .command('provides')
      .alias('whatprovides')
      .description('which packages provide a capability or a file')
      .argument('<capability>', 'capability (libz.so.1()(64bit), "foo >= 1.2") or path (/opt/bin/git)'),
  )
    .addHelpText('after', "\nExamples:\n  yumda provides /opt/bin/git\n  yumda provides 'libcurl.so.4()(64bit)'")
    .action(async (capability: string, opts: RepoCliOptions) => {
      const { whatProvides, summarize, evrString } = await queries();
      const { target, profile } = await targetAndProfile(opts, null);
      const s = await session(opts, target);
      let pkgs = whatProvides(s.pool, capability);
      if (pkgs.length === 0 && capability.startsWith('/')) {
        await s.loadFilelists();
        pkgs = whatProvides(s.pool, capability);
      }
      const { BaseSatisfier } = await import('../../resolve/base.js');
      const inBase = new BaseSatisfier(profile).satisfies({
        name: capability,
        flags: null,
        epoch: null,
        version: null,
        release: null,
      });
      if (opts.json) {
        printJson({ capability, providers: pkgs.map(summarize), providedByBase: inBase ? profile.id : null });
        return;
      }
      if (inBase) note(`${capability} is provided by the Lambda base (${profile.id})`);
      if (pkgs.length === 0) {
        if (!inBase) {
          note(`no package provides ${capability}`);
          process.exitCode = ExitCode.failure;
        }
        return;
      }
      process.stdout.write(
        pkgs.map((p) => `${p.name}-${evrString(p)}.${p.arch} : ${p.summary}\nRepo        : ${p.repo}`).join('\n\n') +
          '\n',
      );
    });
}
