/**
 * The whole pipeline on the sample distribution, run the way a user runs it (the CLI, child
 * processes): an AL2-style SRPMS upstream over HTTP → yumda source fetch → yumda build --builder
 * local → yumda repo index → yumda repo publish s3:// (radosgw) → yumda install from s3:// →
 * yumda check → yumda zip → unzip → the program runs from the layer bind-mounted at /opt. Then
 * one upstream package changes: build --changed rebuilds exactly it, and the next publish uploads
 * only its RPMs and the metadata.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureS3, s3Unavailable } from '../helpers/s3.js';
import { yumda } from '../helpers/cli.js';
import { packSampleDist, packSampleSrpm, sampleDistDir, samplePackages } from './sample-dist.js';
import { startSampleUpstream } from './upstream.js';
import { atOptUnavailable, runAtOpt } from './at-opt.js';

const bwrapMissing = await atOptUnavailable();
const rpmbuildMissing = (await execa('rpmbuild', ['--version'], { reject: false })).failed
  ? 'rpmbuild is not installed: apt-get install rpm'
  : undefined;
const skip = rpmbuildMissing ?? s3Unavailable() ?? bwrapMissing;

t.test('sample distribution: upstream SRPMs in, a working Lambda layer out', { skip }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'yumda-e2e-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const packed = await packSampleDist(join(work, 'packed'));
  const upstream = await startSampleUpstream([...packed.values()]);
  t.teardown(() => upstream.close());
  const s3 = await ensureS3();
  const env = { ...s3.env, XDG_CACHE_HOME: join(work, 'cache') };
  const run = async (args: string[], expectExit = 0): Promise<string> => {
    const r = await yumda(args, { env, cwd: work });
    t.equal(
      r.exitCode,
      expectExit,
      `yumda ${args.join(' ')}${r.exitCode === expectExit ? '' : `\n${r.stderr}\n${r.stdout}`}`,
    );
    return r.stdout;
  };
  const setArgs = [
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
  const repoUrl = s3.url('lambda2/x86_64');

  // 1. sources from the upstream, the way AL2 publishes them
  const fetched = JSON.parse(
    await run(['source', 'fetch', ...samplePackages, '-o', 'sources', '--upstream', upstream.mirrorListUrl, '--json']),
  ) as { packages: Array<{ name: string; release: string }> };
  t.same(fetched.packages.map((p) => p.name).sort(), [...samplePackages].sort());
  t.ok(upstream.server.requests.includes('/2/core/latest/SRPMS/mirror.list'), 'went through mirror.list');

  // 2. build everything, in waves
  const built = JSON.parse(await run(['build', '--all', '-j', '3', '--json', ...setArgs])) as {
    ok: boolean;
    waves: string[][];
    packages: Array<{ name: string; status: string }>;
  };
  t.ok(built.ok);
  t.same(built.waves, [
    ['libsample', 'sample-data', 'sampled'],
    ['samplecalc', 'samplegreet'],
  ]);

  // 3. index and publish to S3
  await run(['repo', 'index', 'out']);
  const first = JSON.parse(await run(['repo', 'publish', 'out/RPMS', repoUrl, '--json'])) as {
    repositories: Array<{ steps: Array<{ action: string; path: string }> }>;
  };
  const firstUploads = first.repositories[0]!.steps.filter((s) => s.action !== 'delete').map((s) => s.path);
  t.ok(firstUploads.includes('build-manifest.json'), 'the build manifest is published with the repository');

  // 4. install from S3 into a layer, check it, zip it
  await run(['base', 'build-host', '--rpms', join(work, 'out/RPMS'), '-o', join(work, 'base.json')]);
  const base = ['--base', join(work, 'base.json')];
  const installed = JSON.parse(
    await run(['install', 'samplegreet', 'sampled', '-d', 'layer', '--repo', repoUrl, ...base, '--json']),
  ) as { install: Array<{ name: string }> };
  t.same(installed.install.map((p) => p.name).sort(), ['libsample', 'sample-data', 'sampled', 'samplegreet']);
  const check = await yumda(['check', 'layer', ...base, '--json'], { env, cwd: work });
  t.equal(check.exitCode, 0, `yumda check layer: ${check.stdout}`);
  await run(['zip', 'layer', '-o', 'layer.zip']);
  const fresh = join(work, 'fresh');
  await mkdir(fresh);
  await execa('unzip', ['-q', join(work, 'layer.zip'), '-d', fresh]);

  // 5. what Lambda would see at /opt
  t.ok((await lstat(join(fresh, 'lib/libsample.so.1'))).isSymbolicLink(), 'the zip kept the soname link');
  t.equal((await stat(join(fresh, 'bin/sampled-ping'))).mode & 0o7777, 0o755, 'no setuid bit in the layer');
  t.notOk(existsSync(join(fresh, 'share/man')), 'no man pages');
  t.notOk(existsSync(join(fresh, 'lib/systemd')), 'no systemd unit');
  const greet = await runAtOpt(fresh, ['/opt/bin/samplegreet']);
  t.equal(greet.exitCode, 0, greet.stderr);
  t.equal(
    greet.stdout.trim(),
    'Hello, World! (served by yumda) [libsample 1.2; data /opt/share/sample-data/greeting.txt; config /opt/etc/samplegreet.conf]',
  );
  const ldd = await runAtOpt(fresh, ['ldd', '/opt/bin/samplegreet']);
  t.match(ldd.stdout, /libsample\.so\.1 => \/opt\/lib\/libsample\.so\.1/, 'the library comes from /opt/lib');
  const daemon = await runAtOpt(fresh, ['/opt/sbin/sampled', '--once']);
  t.match(daemon.stdout, 'state in /tmp/var/lib/sampled');
  for (const hostPath of [
    '/usr/bin/samplegreet',
    '/usr/lib64/libsample.so.1',
    '/usr/lib/x86_64-linux-gnu/libsample.so.1',
    '/usr/share/sample-data',
    '/etc/samplegreet.conf',
    '/opt/bin/samplegreet',
  ]) {
    t.notOk(existsSync(hostPath), `${hostPath} does not exist on the host`);
  }

  // 6. upstream releases sample-data 1.0-2: exactly it is rebuilt and published
  const specText = (await readFile(join(sampleDistDir, 'upstream/sample-data/sample-data.spec'), 'utf8')).replace(
    /^Release:\s*1%/m,
    'Release:        2%',
  );
  await upstream.publish([await packSampleSrpm('sample-data', join(work, 'packed2'), { specText })]);
  await run(['source', 'fetch', 'sample-data', '-o', 'sources', '--upstream', upstream.mirrorListUrl]);
  const plan = JSON.parse(await run(['plan', '--changed', '--json', ...setArgs])) as {
    waves: string[][];
    packages: Array<{ reasons: string[] }>;
  };
  t.same(plan.waves, [['sample-data']]);
  t.same(plan.packages[0]!.reasons, ['srpm']);
  const rebuilt = JSON.parse(await run(['build', '--changed', '--json', ...setArgs])) as {
    packages: Array<{ name: string; status: string }>;
  };
  t.same(
    rebuilt.packages.map((p) => `${p.name}:${p.status}`),
    ['sample-data:built'],
  );
  t.notOk(
    existsSync(join(work, 'out/RPMS/noarch/sample-data-1.0-1.lambda2.noarch.rpm')),
    'the old build left the output',
  );
  await run(['repo', 'index', 'out', '--update']);
  const second = JSON.parse(await run(['repo', 'publish', 'out/RPMS', repoUrl, '--json'])) as typeof first;
  const uploads = second.repositories[0]!.steps.filter((s) => s.action !== 'delete')
    .map((s) => s.path)
    .sort();
  t.same(
    uploads.filter((p) => p.endsWith('.rpm')),
    ['noarch/sample-data-1.0-2.lambda2.noarch.rpm'],
    'the only package uploaded is the rebuilt one',
  );
  t.same(
    uploads.filter((p) => !p.endsWith('.rpm') && !p.startsWith('repodata/')),
    ['build-manifest.json'],
    'besides it, only metadata and the manifest',
  );
  const manifest = JSON.parse(
    await run(['plan', '--changed', '--json', ...setArgs, '--manifest', `${repoUrl}/build-manifest.json`]),
  ) as { waves: string[][] };
  t.same(manifest.waves, [], 'the published manifest, read back from S3, says nothing is left to build');
});
