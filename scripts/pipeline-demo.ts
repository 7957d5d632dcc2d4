/**
 * The README quick start's main job: the whole yumda pipeline on the sample distribution
 * (test/fixtures/sample-dist/), on this machine, with the local builder.
 *
 *   upstream SRPMs (packed here with rpmbuild -bs, indexed as an AL2-style SRPMS repository)
 *   → yumda source fetch → yumda build --builder local → yumda repo index → yumda repo publish
 *   (to $YUMDA_DEMO_REPO, e.g. s3://bucket/prefix, else a local directory) → yumda install
 *   → yumda check → yumda zip → unzip and run the program with the layer at /opt (bwrap)
 *
 * Usage: node dist/scripts/pipeline-demo.js [WORKDIR]   (or scripts/pipeline-demo.sh)
 * Needs: Node 20, rpmbuild (apt-get install rpm), gcc, make; bubblewrap to run the result at /opt.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { projectPath } from '../src/util/paths.js';
import { packSampleDist, sampleDistDir, samplePackages } from '../test/e2e/sample-dist.js';
import { atOptUnavailable } from '../test/e2e/at-opt.js';

const work = resolve(process.argv[2] ?? join(tmpdir(), 'yumda-demo'));
const verified: string[] = [];
const say = (line: string): void => void process.stderr.write(`\n==> ${line}\n`);

async function yumda(args: string[]): Promise<string> {
  process.stderr.write(`$ yumda ${args.join(' ')}\n`);
  const r = await execa(process.execPath, [projectPath('dist/src/cli/main.js'), ...args], {
    cwd: work,
    stderr: 'inherit',
    reject: false,
    // the demo's own metadata/package cache, gone with the work directory: a rerun never sees the last run's repository
    env: { XDG_CACHE_HOME: join(work, 'cache') },
  });
  if (r.exitCode !== 0) {
    process.stderr.write(String(r.stdout) + '\n');
    throw new Error(`yumda ${args[0]} failed (exit ${r.exitCode})`);
  }
  return String(r.stdout);
}

async function need(cmd: string, args: string[], hint: string): Promise<boolean> {
  const r = await execa(cmd, args, { reject: false });
  if (r.failed) process.stderr.write(`missing ${cmd}: ${hint}\n`);
  return !r.failed;
}

async function main(): Promise<void> {
  if (
    !(await need('rpmbuild', ['--version'], 'apt-get install rpm')) ||
    !(await need('gcc', ['--version'], 'apt-get install gcc make'))
  )
    process.exit(1);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const repo = process.env.YUMDA_DEMO_REPO ?? pathToFileURL(join(work, 'published')).href;

  say(
    `1. an upstream: ${samplePackages.length} source packages written like Amazon Linux 2's, packed with rpmbuild -bs`,
  );
  await packSampleDist(join(work, 'upstream/Packages'));
  await yumda(['repo', 'index', 'upstream']);
  await yumda([
    'source',
    'fetch',
    ...samplePackages,
    '-o',
    'sources',
    '--upstream',
    pathToFileURL(join(work, 'upstream')).href,
  ]);
  verified.push(`fetched ${samplePackages.length} SRPMs from the upstream's repodata, checksums verified`);

  say('2. rebuild for /opt: spec rewrite + overlays + patches, BuildRequires order, local rpmbuild');
  const set = [
    '--specs',
    join(sampleDistDir, 'specs'),
    '--patches',
    join(sampleDistDir, 'patches'),
    '--builder',
    'local',
    '--srpm-dir',
    'sources',
    '-o',
    'out',
  ];
  const built = JSON.parse(await yumda(['build', '--all', '-j', '3', '--json', ...set])) as {
    waves: string[][];
    packages: Array<{ name: string; status: string; rpms: string[] }>;
  };
  verified.push(
    `built ${built.packages.length} packages in ${built.waves.length} waves (${built.waves.map((w) => w.join(' ')).join(' → ')})`,
  );

  say(`3. index and publish to ${repo}`);
  await yumda(['repo', 'index', 'out']);
  await yumda(['repo', 'publish', 'out/RPMS', repo, '--verify']);
  verified.push(`published and read back: ${repo}`);

  say('4. install the program into a layer, check it, zip it');
  // the local builder links against this machine's glibc: the base is AL2's with this machine's glibc and libraries
  await yumda(['base', 'build-host', '--rpms', 'out/RPMS', '-o', 'base.json']);
  const base = ['--base', join(work, 'base.json')];
  await yumda(['install', 'samplegreet', '-d', 'layer', '--repo', repo, ...base]);
  await yumda(['check', 'layer', ...base]);
  verified.push('yumda check: no errors (libraries resolve, no interpreter or path problems)');
  await yumda(['zip', 'layer', '-o', 'layer.zip']);
  verified.push(`layer zip: ${join(work, 'layer.zip')} (${(await stat(join(work, 'layer.zip'))).size} bytes)`);

  say('5. run it the way Lambda would: the unzipped layer mounted at /opt');
  await mkdir(join(work, 'opt'));
  await execa('unzip', ['-q', join(work, 'layer.zip'), '-d', join(work, 'opt')]);
  const atOpt = await atOptUnavailable();
  if (atOpt) {
    verified.push(`NOT RUN at /opt: ${atOpt}`);
  } else {
    const r = await execa(
      'bwrap',
      [
        '--dev-bind',
        '/',
        '/',
        '--ro-bind',
        join(work, 'opt'),
        '/opt',
        '--setenv',
        'LD_LIBRARY_PATH',
        '/lib64:/usr/lib64:/opt/lib',
        '/opt/bin/samplegreet',
      ],
      { reject: false },
    );
    process.stderr.write(`/opt/bin/samplegreet → ${String(r.stdout)}${String(r.stderr)}\n`);
    const expected =
      'Hello, World! (served by yumda) [libsample 1.2; data /opt/share/sample-data/greeting.txt; config /opt/etc/samplegreet.conf]';
    if (r.exitCode !== 0 || String(r.stdout).trim() !== expected)
      throw new Error('the program did not run as expected from /opt');
    verified.push('samplegreet ran from /opt: library from /opt/lib, data from /opt/share, config from /opt/etc');
    const leaked = [
      '/usr/bin/samplegreet',
      '/usr/lib64/libsample.so.1',
      '/usr/share/sample-data',
      '/etc/samplegreet.conf',
    ].filter((p) => existsSync(p));
    if (leaked.length > 0) throw new Error(`files exist outside /opt: ${leaked.join(', ')}`);
    verified.push("none of its files exist under the host's /usr or /etc");
  }
  process.stdout.write(`\nyumda pipeline demo: OK (work dir ${work})\n${verified.map((v) => `  ✓ ${v}`).join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`\nyumda pipeline demo: FAILED: ${(e as Error).message}\n`);
  process.exit(1);
});
