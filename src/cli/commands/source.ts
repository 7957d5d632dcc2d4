import type { Command } from 'commander';
import { resolve } from 'node:path';
import { note, printJson } from '../output.js';
import { evrString } from '../../rpm/nevra.js';
import { globToRegExp } from '../../util/glob.js';
import { defaultSpecsDir } from '../../util/paths.js';
import type { Upstream } from '../../upstream/config.js';
import type { UpstreamIndex } from '../../upstream/metadata.js';

/** The upstream libraries load only when a command runs (fast `--help`, fast unrelated commands). */
async function upstreamLibrary() {
  const [config, metadata, fetch, select, unpack, lastBuilt, specs, outdated] = await Promise.all([
    import('../../upstream/config.js'),
    import('../../upstream/metadata.js'),
    import('../../upstream/fetch.js'),
    import('../../upstream/select.js'),
    import('../../upstream/unpack.js'),
    import('../../package-set/last-built.js'),
    import('../../package-set/specs.js'),
    import('../../upstream/outdated.js'),
  ]);
  return { ...config, ...metadata, ...fetch, ...select, ...unpack, ...lastBuilt, ...specs, ...outdated };
}

const UPSTREAM_HELP =
  "upstream id from repo-metadata/upstreams.json, or a URL (mirror.list or repository base URL); default: $YUMDA_UPSTREAM_URL, else the file's default";

function describeUpstream(u: Upstream): string {
  return u.id === 'url' ? u.url : `${u.id} (${u.url})`;
}

const TARGET_HELP =
  'the target whose upstream to read: al2, al2023 (repo-metadata/targets/: its "upstream"); --upstream wins over it, it wins over $YUMDA_UPSTREAM_URL';

/**
 * The upstream of a command: --upstream, else the target's (its source repository layout is
 * target data), else $YUMDA_UPSTREAM_URL, else the file's default. An upstream named for another
 * target's packages is refused.
 */
async function chooseUpstream(choice: string | undefined, targetSpec: string | undefined): Promise<Upstream> {
  const { resolveUpstream, UPSTREAM_URL_ENV } = await upstreamLibrary();
  if (targetSpec === undefined) return resolveUpstream(choice);
  const { resolveTarget } = await import('../../config/target.js');
  const target = resolveTarget(targetSpec);
  if (choice === undefined && process.env[UPSTREAM_URL_ENV]?.trim())
    note(`yumda: note: --target ${targetSpec} reads upstream ${target.upstream}, not $${UPSTREAM_URL_ENV}`);
  const upstream = resolveUpstream(choice ?? target.upstream);
  if (upstream.profile && upstream.profile !== target.id && upstream.profile !== target.facts.profile) {
    const { ExitCode, YumdaError } = await import('../../util/errors.js');
    throw new YumdaError(
      'TARGET_MISMATCH',
      `upstream ${upstream.id} holds ${upstream.profile} sources, not ${target.id}'s (--target ${targetSpec})`,
      { exitCode: ExitCode.usage, hint: `leave out --upstream to read ${target.upstream}` },
    );
  }
  return upstream;
}

async function openUpstream(choice: string | undefined, quiet: boolean, target?: string): Promise<UpstreamIndex> {
  const { loadUpstreamIndex } = await upstreamLibrary();
  const upstream = await chooseUpstream(choice, target);
  if (!upstream.enabled)
    note(`yumda: note: upstream ${upstream.id} is disabled by default${upstream.note ? `: ${upstream.note}` : ''}`);
  if (!quiet) note(`reading upstream ${describeUpstream(upstream)}`);
  return loadUpstreamIndex(upstream, {
    onFailover: (failure, next) =>
      note(`yumda: mirror ${failure.mirror} failed (${(failure.error as Error).message}); trying ${next}`),
  });
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function registerSourceCommands(program: Command): void {
  const source = program
    .command('source')
    .description('fetch, list and unpack upstream source RPMs (Amazon Linux SRPMS repositories)');

  source
    .command('fetch')
    .description(
      'download the newest (or the exact NAME-VERSION-RELEASE) upstream source RPM of each NAME, verified against the upstream checksum',
    )
    .argument('<names...>', 'source package names, or NAME-VERSION-RELEASE / NAME-VERSION for an exact build')
    .option('-o, --output <dir>', 'directory to store the .src.rpm files in', '.')
    .option('--upstream <id|url>', UPSTREAM_HELP)
    .option('--target <target>', TARGET_HELP)
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  yumda source fetch git openssh -o sources/
  yumda source fetch git-2.40.1-1.amzn2.0.3 --upstream al2-core
  yumda source fetch pcre2 --target al2023 -o sources/      AL2023's source repository
  YUMDA_UPSTREAM_URL=http://127.0.0.1:8080/2/core/latest/SRPMS/mirror.list yumda source fetch git

Exit codes: 1 no such source package (with close names), 3 checksum mismatch on every mirror, 4 no mirror reachable`,
    )
    .action(async (names: string[], opts: { output: string; upstream?: string; target?: string; json?: boolean }) => {
      const { fetchSources } = await upstreamLibrary();
      const index = await openUpstream(opts.upstream, false, opts.target);
      const stored = await fetchSources(index, names, {
        outDir: resolve(opts.output),
        onFailover: (failure, next) =>
          note(`yumda: mirror ${failure.mirror} failed (${(failure.error as Error).message}); trying ${next}`),
        onStored: (s) => {
          if (!opts.json) note(`${s.reused ? 'kept' : 'fetched'} ${s.path}`);
        },
      });
      if (opts.json) {
        printJson({
          upstream: { id: index.upstream.id, url: index.upstream.url, mirror: index.mirror },
          packages: stored.map((s) => ({
            request: s.request,
            name: s.package.name,
            epoch: s.package.epoch,
            version: s.package.version,
            release: s.package.release,
            path: s.path,
            url: s.url,
            sha256: s.sha256,
            size: s.size,
            reused: s.reused,
          })),
        });
      }
    });

  source
    .command('list')
    .description('list the source packages of an upstream (newest EVR of each name)')
    .argument('[patterns...]', 'only names matching these shell-style patterns (* and ?)')
    .option('--upstream <id|url>', UPSTREAM_HELP)
    .option('--target <target>', TARGET_HELP)
    .option('--all', 'every version, not just the newest of each name')
    .option('--json', 'print the list as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  yumda source list 'open*'
  yumda source list --upstream al2023-core --json
  yumda source list 'pcre*' --target al2023`,
    )
    .action(async (patterns: string[], opts: { upstream?: string; target?: string; all?: boolean; json?: boolean }) => {
      const index = await openUpstream(opts.upstream, Boolean(opts.json), opts.target);
      const matchers = patterns.map(globToRegExp);
      const names = [...index.sources.byName.keys()]
        .filter((n) => matchers.length === 0 || matchers.some((m) => m.test(n)))
        .sort();
      const rows = names.flatMap((n) =>
        opts.all ? index.sources.byName.get(n)! : index.sources.byName.get(n)!.slice(0, 1),
      );
      if (opts.json) {
        printJson({
          upstream: { id: index.upstream.id, url: index.upstream.url, mirror: index.mirror },
          packages: rows.map((p) => ({
            name: p.name,
            epoch: p.epoch,
            version: p.version,
            release: p.release,
            file: p.locationHref.replace(/^.*\//, ''),
            size: p.size,
          })),
        });
        return;
      }
      if (rows.length === 0) {
        note('no matching source packages');
        return;
      }
      process.stdout.write(pad(rows.map((p) => [p.name, evrString(p)])) + '\n');
    });

  source
    .command('upstreams')
    .description('list the upstream repositories defined in repo-metadata/upstreams.json')
    .option('--json', 'print them as JSON on stdout')
    .addHelpText('after', '\nExample:\n  yumda source upstreams            # ids for --upstream; * marks the default')
    .action(async (opts: { json?: boolean }) => {
      const { loadUpstreams, UPSTREAM_URL_ENV } = await upstreamLibrary();
      const file = loadUpstreams();
      if (opts.json) {
        printJson({ default: file.default, upstreams: file.upstreams });
        return;
      }
      const rows = file.upstreams.map((u) => [
        `${u.id === file.default ? '*' : ' '} ${u.id}`,
        u.enabled ? 'enabled' : 'disabled',
        u.url,
      ]);
      process.stdout.write(pad(rows) + '\n');
      const envValue = process.env[UPSTREAM_URL_ENV];
      if (envValue) note(`$${UPSTREAM_URL_ENV} is set: commands read ${envValue} unless --upstream is given`);
    });

  source
    .command('unpack')
    .description('extract the spec file and sources of a source RPM into a directory')
    .argument('<srpm>', 'a .src.rpm file')
    .argument('<dir>', 'destination directory (created if missing)')
    .option('--json', 'print the spec path and source files as JSON on stdout')
    .addHelpText(
      'after',
      `
Example:
  yumda source unpack sources/git-2.40.1-1.amzn2.0.3.src.rpm work/git     # work/git/git.spec + tarballs and patches`,
    )
    .action(async (srpm: string, dir: string, opts: { json?: boolean }) => {
      const { unpackSource } = await upstreamLibrary();
      const result = await unpackSource(resolve(srpm), resolve(dir));
      if (opts.json) printJson(result);
      else {
        process.stdout.write(`${result.spec}\n`);
        note(`${result.sources.length} source file(s) in ${result.dir}`);
      }
    });

  program
    .command('outdated')
    .description('list packages of specs/ whose upstream has a newer source RPM than their last build')
    .option('--upstream <id|url>', UPSTREAM_HELP)
    .option('--target <target>', TARGET_HELP)
    .option(
      '--manifest <path|url>',
      'build manifest: file, directory, http(s):// or s3:// URL of the published repository (default build/RPMS/build-manifest.json, where yumda build writes it)',
    )
    .option('--endpoint <url>', 'S3-compatible endpoint for an s3:// manifest')
    .option('--specs <dir>', "the package set (default: ./specs, else the project's)")
    .option('--all', 'also list packages that are current, ahead, or not upstream')
    .option('--json', 'print every package with its status as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  yumda outdated
  yumda outdated --manifest https://example.com/yumda/build-manifest.json --json
  yumda outdated --manifest s3://my-yumda/lambda2/x86_64 --all

Statuses: outdated (upstream newer), never-built, current, ahead (built newer than upstream), not-upstream`,
    )
    .action(
      async (opts: {
        upstream?: string;
        target?: string;
        manifest?: string;
        endpoint?: string;
        specs?: string;
        all?: boolean;
        json?: boolean;
      }) => {
        const { listSpecNames, readLastBuilt, compareWithUpstream, needsBuild } = await upstreamLibrary();
        const names = await listSpecNames(resolve(opts.specs ?? defaultSpecsDir()));
        const [index, lastBuilt] = await Promise.all([
          openUpstream(opts.upstream, Boolean(opts.json), opts.target),
          readLastBuilt(opts.manifest, opts.endpoint ? { endpoint: opts.endpoint } : {}),
        ]);
        const entries = compareWithUpstream(names, lastBuilt, index.sources);
        if (opts.json) {
          printJson({
            upstream: { id: index.upstream.id, url: index.upstream.url, mirror: index.mirror },
            packages: entries,
          });
          return;
        }
        const shown = opts.all ? entries : entries.filter(needsBuild);
        if (shown.length > 0) {
          process.stdout.write(
            pad([
              ['NAME', 'BUILT', 'UPSTREAM', 'STATUS'],
              ...shown.map((e) => [e.name, e.built ?? '-', e.upstream ?? '-', e.status]),
            ]) + '\n',
          );
        }
        const missing = entries.filter((e) => e.status === 'not-upstream').map((e) => e.name);
        if (missing.length > 0 && !opts.all)
          note(`yumda: note: not in upstream ${index.upstream.id}: ${missing.join(', ')}`);
        note(`${entries.filter(needsBuild).length} of ${entries.length} package(s) need a build`);
      },
    );
}
