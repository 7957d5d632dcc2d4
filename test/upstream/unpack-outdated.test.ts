/** `yumda source unpack` against rpm2cpio | cpio, and `yumda outdated` against a real build manifest. */
import t from 'tap';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { yumda } from '../helpers/cli.js';
import { buildFixture } from '../helpers/rpmbuild.js';
import { isYumdaError } from '../../src/util/errors.js';
import { unpackSource } from '../../src/upstream/unpack.js';
import { compareWithUpstream } from '../../src/upstream/outdated.js';
import { listSpecNames } from '../../src/package-set/specs.js';
import { lastBuiltFromManifest, readLastBuilt } from '../../src/package-set/last-built.js';
import { parseNevr } from '../../src/rpm/nevra.js';
import { emptyManifest, writeManifest, type BuildManifest } from '../../src/package-set/manifest.js';
import { buildSourceIndex } from '../../src/upstream/select.js';
import { buildSrpm, startFakeUpstream } from './fake-upstream.js';

const work = await mkdtemp(join(tmpdir(), 'yumda-unpack-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

t.test('unpack gives the spec and the sources, the same bytes rpm2cpio | cpio gives', async (t) => {
  const srpm = await buildSrpm({ name: 'upsrc', version: '1.10', release: '1' });
  const dir = join(work, 'unpacked');
  const result = await unpackSource(srpm, dir);
  t.equal(result.spec, join(dir, 'upstream-src.spec'));
  t.same(
    result.sources,
    ['upsrc-fix.patch', 'upsrc.c', 'upsrc.conf'].map((f) => join(dir, f)),
  );
  t.match(result, { name: 'upsrc', version: '1.10', release: '1.amzn2' });

  const reference = join(work, 'reference');
  await mkdir(reference);
  await execa('sh', ['-c', `rpm2cpio "${srpm}" | cpio -idm --quiet`], { cwd: reference });
  const names = (await readdir(reference)).sort();
  t.same((await readdir(dir)).sort(), names);
  for (const name of names)
    t.same(await readFile(join(dir, name)), await readFile(join(reference, name)), `${name} identical`);

  // unpacking again over the same directory replaces the files
  await writeFile(join(dir, 'upsrc.c'), 'edited');
  await unpackSource(srpm, dir);
  t.same(await readFile(join(dir, 'upsrc.c')), await readFile(join(reference, 'upsrc.c')));

  const cli = await yumda(['source', 'unpack', srpm, join(work, 'cli'), '--json']);
  t.equal(cli.exitCode, 0, cli.stderr);
  t.equal((JSON.parse(cli.stdout) as { spec: string }).spec, join(work, 'cli', 'upstream-src.spec'));
});

t.test('unpack refuses a binary RPM and leaves the directory alone', async (t) => {
  const built = await buildFixture('hello');
  const dir = join(work, 'binary');
  const error = await unpackSource(built.rpms[0]!, dir).catch((e: unknown) => e);
  t.ok(isYumdaError(error));
  if (isYumdaError(error)) t.equal(error.code, 'NOT_A_SOURCE_RPM');
  const files = await readdir(dir).catch(() => []);
  t.same(files, []);
});

function manifestWith(builds: Record<string, string>): BuildManifest {
  const m = emptyManifest();
  for (const [name, nevr] of Object.entries(builds)) {
    m.packages[name] = {
      inputsHash: 'h',
      inputs: { srpm: { nevr, sha256: '0' }, overlay: null, patches: {}, macros: {}, builder: 'local' },
      rpms: [],
      srpms: [],
      provides: [],
      buildRequires: [],
      builtAt: '2026-11-23T00:00:00.000Z',
    };
  }
  return m;
}

t.test('NEVR strings from the manifest', async (t) => {
  t.same(parseNevr('openssh-7.4p1-22.amzn2.0.10'), {
    name: 'openssh',
    epoch: 0,
    version: '7.4p1',
    release: '22.amzn2.0.10',
  });
  t.same(parseNevr('upsrc-extra-1:0.5-3.amzn2'), { name: 'upsrc-extra', epoch: 1, version: '0.5', release: '3.amzn2' });
  t.same(parseNevr('git-2.40.1-1.amzn2.0.3.src.rpm'), {
    name: 'git',
    epoch: 0,
    version: '2.40.1',
    release: '1.amzn2.0.3',
  });
  t.equal(parseNevr('nodash'), null);
});

t.test('outdated: statuses from the manifest and the upstream index', async (t) => {
  const index = buildSourceIndex([
    {
      name: 'a',
      epoch: 0,
      version: '1.10',
      release: '1',
      checksum: { type: 'sha256', value: '' },
      size: 0,
      locationHref: 'a-1.10-1.src.rpm',
    },
    {
      name: 'b',
      epoch: 1,
      version: '0.5',
      release: '1',
      checksum: { type: 'sha256', value: '' },
      size: 0,
      locationHref: 'b-0.5-1.src.rpm',
    },
    {
      name: 'c',
      epoch: 0,
      version: '1',
      release: '1',
      checksum: { type: 'sha256', value: '' },
      size: 0,
      locationHref: 'c-1-1.src.rpm',
    },
  ]);
  const last = lastBuiltFromManifest(manifestWith({ a: 'a-1.9-1', b: 'b-1:0.5-1', d: 'd-1-1', e: 'e-2-1' }));
  const entries = compareWithUpstream(['a', 'b', 'c', 'd'], last, index);
  t.same(
    entries.map((e) => [e.name, e.status, e.built, e.upstream]),
    [
      ['a', 'outdated', '1.9-1', '1.10-1'],
      ['b', 'current', '1:0.5-1', '1:0.5-1'],
      ['c', 'never-built', null, '1-1'],
      ['d', 'not-upstream', '1-1', null],
    ],
  );
  const ahead = compareWithUpstream(['a'], lastBuiltFromManifest(manifestWith({ a: 'a-2.0-1' })), index);
  t.equal(ahead[0]!.status, 'ahead');
});

t.test('CLI: yumda outdated reads specs/, the build manifest and the upstream', async (t) => {
  const up = await startFakeUpstream();
  t.teardown(() => up.close());
  const specs = join(work, 'specs');
  await mkdir(specs, { recursive: true });
  for (const name of ['upsrc', 'gone']) await writeFile(join(specs, `${name}.yaml`), `notes: overlay for ${name}\n`);
  await writeFile(
    join(specs, 'extra.yaml'),
    'name: upsrc-extra\nnotes: the overlay names its upstream source package\n',
  );
  t.same(await listSpecNames(specs), ['gone', 'upsrc', 'upsrc-extra']);
  const manifest = join(work, 'build-manifest.json');
  await writeManifest(
    manifest,
    manifestWith({ upsrc: 'upsrc-1.9-1.amzn2', 'upsrc-extra': 'upsrc-extra-1:0.5-3.amzn2' }),
  );
  t.equal((await readLastBuilt(manifest)).get('upsrc')?.version, '1.9');
  t.equal((await readLastBuilt(join(work, 'missing.json'))).size, 0, 'no manifest: nothing built yet');

  const r = await yumda([
    'outdated',
    '--specs',
    specs,
    '--manifest',
    manifest,
    '--upstream',
    up.mirrorListUrl,
    '--json',
  ]);
  t.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    packages: Array<{ name: string; status: string; upstreamFile: string | null }>;
  };
  t.same(
    json.packages.map((p) => [p.name, p.status, p.upstreamFile]),
    [
      ['gone', 'not-upstream', null],
      ['upsrc', 'outdated', 'upsrc-1.10-1.amzn2.src.rpm'],
      ['upsrc-extra', 'current', 'upsrc-extra-0.5-3.amzn2.src.rpm'],
    ],
  );
  const text = await yumda(['outdated', '--specs', specs, '--manifest', work, '--upstream', up.mirrorListUrl]);
  t.equal(text.exitCode, 0, text.stderr);
  t.match(text.stdout, /^NAME\s+BUILT\s+UPSTREAM\s+STATUS\nupsrc\s+1\.9-1\.amzn2\s+1\.10-1\.amzn2\s+outdated$/);
  t.match(text.stderr, /not in upstream .*: gone/);
  t.match(text.stderr, /1 of 3 package\(s\) need a build/);

  // defaults: ./specs and the manifest where `yumda build` (-o build) leaves it
  await writeManifest(
    join(work, 'build', 'RPMS', 'build-manifest.json'),
    manifestWith({ upsrc: 'upsrc-1.10-1.amzn2' }),
  );
  const defaults = await yumda(['outdated', '--upstream', up.mirrorListUrl, '--json'], { cwd: work });
  t.equal(defaults.exitCode, 0, defaults.stderr);
  const statuses = (JSON.parse(defaults.stdout) as { packages: Array<{ name: string; status: string }> }).packages.map(
    (p) => [p.name, p.status],
  );
  t.same(statuses, [
    ['gone', 'not-upstream'],
    ['upsrc', 'current'],
    ['upsrc-extra', 'never-built'],
  ]);
});
