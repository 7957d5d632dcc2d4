/**
 * Issue 15 item 3, the one repository client, end to end with real RPMs (rpmbuild) indexed by
 * Debian's createrepo_c and served on 127.0.0.1: a sha512 repository (pkgId and repomd checksums
 * in sha512; the installer assumed sha256), packages found through xml:base (createrepo_c
 * --baseurl) away from the metadata, per-package fail-over to the next mirror, and the upstream
 * source fetcher reading the same sha512 metadata through the same client.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { repoFromUrl, type RepoDefinition } from '../../src/config/repos.js';
import { readMirrorSources } from '../../src/upstream/metadata.js';
import { downloadSource } from '../../src/upstream/download.js';
import { serveDirectory } from '../helpers/http-server.js';
import { yumda } from '../helpers/cli.js';
import { scratchDir } from '../helpers/tmp.js';
import { buildSrpm } from '../upstream/fake-upstream.js';
import { buildSources, type FixtureSource } from './fixtures.js';

const sources: FixtureSource[] = [
  {
    name: 'rc-hello',
    version: '2.0',
    packages: [{ name: 'rc-hello', requires: ['rc-data'], files: { '/opt/bin/rc-hello': 'hello\n' } }],
  },
  { name: 'rc-data', version: '1.0', packages: [{ name: 'rc-data', files: { '/opt/share/rc/data.txt': 'data\n' } }] },
];
const rpms = await buildSources(sources);
const work = await scratchDir(t, 'repo-client');
const www = join(work, 'www');
const server = await serveDirectory(www);
t.teardown(() => server.close());

/** createrepo_c over `rpms` copied to www/<dir>/Packages, with extra createrepo_c arguments. */
async function createrepo(dir: string, files: string[], args: string[]): Promise<string> {
  const root = join(www, dir);
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'Packages'), { recursive: true });
  for (const f of files) await cp(f, join(root, 'Packages', basename(f)));
  await execa('createrepo_c', ['--no-database', ...args, root]);
  return root;
}

const install = (repo: string, dest: string, extra: string[] = []) =>
  yumda([
    'install',
    'rc-hello',
    '--repo',
    repo,
    '--cache-dir',
    join(work, `cache-${basename(dest)}`),
    '-d',
    dest,
    '--no-check',
    '--base',
    'none',
    ...extra,
  ]);

t.test('a sha512 repository installs (and its cached packages are reused)', async (t) => {
  const root = await createrepo('sha512', rpms, ['--checksum', 'sha512']);
  const repomd = readFileSync(join(root, 'repodata', 'repomd.xml'), 'utf8');
  t.match(repomd, /<checksum type="sha512">[0-9a-f]{128}</, 'repomd checksums are sha512');
  const dest = join(work, 'layer-sha512');
  const r = await install(`${server.url}/sha512`, dest);
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(
    existsSync(join(dest, 'bin', 'rc-hello')) && existsSync(join(dest, 'share', 'rc', 'data.txt')),
    'both packages in the layer',
  );
  const before = server.requests.filter((p) => p.endsWith('.rpm')).length;
  const again = await install(`${server.url}/sha512`, join(work, 'layer-sha512-b'), [
    '--cache-dir',
    join(work, 'cache-layer-sha512'),
  ]);
  t.equal(again.exitCode, 0, again.stderr);
  t.equal(
    server.requests.filter((p) => p.endsWith('.rpm')).length,
    before,
    'verified in sha512 and reused: nothing downloaded again',
  );
});

t.test('xml:base: packages are fetched where the metadata says, not beside it', async (t) => {
  // metadata at /meta, packages at /pool (createrepo_c --baseurl writes <location xml:base=…>)
  const meta = await createrepo('meta', rpms, ['--baseurl', `${server.url}/pool/`]);
  await mkdir(join(www, 'pool', 'Packages'), { recursive: true });
  for (const f of rpms) await cp(f, join(www, 'pool', 'Packages', basename(f)));
  await rm(join(meta, 'Packages'), { recursive: true });
  const dest = join(work, 'layer-xmlbase');
  const r = await install(`${server.url}/meta`, dest);
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(existsSync(join(dest, 'bin', 'rc-hello')));
  t.ok(
    server.requests.some((p) => p.startsWith('/pool/Packages/rc-hello')),
    'fetched from the xml:base',
  );
  t.notOk(
    server.requests.some((p) => p.startsWith('/meta/Packages/')),
    'not from beside the metadata',
  );
});

t.test('a package missing on one mirror is fetched from the next', async (t) => {
  await createrepo('mirror-a', rpms, []);
  await createrepo('mirror-b', rpms, []);
  const broken = (await readdir(join(www, 'mirror-a', 'Packages'))).find((n) => n.startsWith('rc-data'))!;
  await rm(join(www, 'mirror-a', 'Packages', broken));
  const def: RepoDefinition = {
    ...repoFromUrl(`${server.url}/mirror-a`, 'mirrors'),
    baseurls: [`${server.url}/mirror-a`, `${server.url}/mirror-b`],
  };
  const repofile = join(work, 'mirrors.repo');
  await writeFile(repofile, `[mirrors]\nname=mirrors\nbaseurl=${def.baseurls.join('\n        ')}\ngpgcheck=0\n`);
  const dest = join(work, 'layer-mirrors');
  const r = await yumda([
    'install',
    'rc-hello',
    '--repofile',
    repofile,
    '--cache-dir',
    join(work, 'cache-mirrors'),
    '-d',
    dest,
    '--no-check',
    '--base',
    'none',
  ]);
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(existsSync(join(dest, 'share', 'rc', 'data.txt')));
  t.ok(
    server.requests.includes(`/mirror-a/Packages/${broken}`) &&
      server.requests.includes(`/mirror-b/Packages/${broken}`),
    'tried the first mirror, then the second',
  );
});

t.test('the source fetcher reads a sha512 repository through the same client', async (t) => {
  const srpm = await buildSrpm({ name: 'upsrc', version: '3.0', release: '1' });
  await createrepo('srpms-sha512', [srpm], ['--checksum', 'sha512']);
  const { packages } = await readMirrorSources(`${server.url}/srpms-sha512`);
  t.equal(packages.length, 1);
  t.equal(packages[0]!.checksum.type, 'sha512');
  const out = join(work, 'sources');
  const stored = await downloadSource(packages[0]!, [`${server.url}/srpms-sha512`], { outDir: out });
  t.equal(stored.reused, false);
  t.same(readFileSync(stored.path), readFileSync(srpm), 'the same bytes');
  t.equal(
    (await downloadSource(packages[0]!, [`${server.url}/srpms-sha512`], { outDir: out })).reused,
    true,
    'verified in sha512 and kept',
  );
});
