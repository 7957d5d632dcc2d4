/**
 * repo_gpgcheck=1: repositories indexed by yumda with a signing key (repodata/repomd.xml.asc),
 * served over HTTP, keys made by the real gpg. A good signature installs; a missing signature, a
 * repomd.xml altered after signing and one signed by another key are refused with exit 3, leaving
 * the layer and the cached metadata as they were. Debian's dnf accepting the same kind of signed
 * repository with repo_gpgcheck=1 is checked in test/repodata/dnf.test.ts.
 */
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { yumda } from '../helpers/cli.js';
import { serveDirectory } from '../helpers/http-server.js';
import { indexRepository } from '../../src/repodata/index.js';
import { makeGpgKey } from '../repodata/keys.js';
import { buildSources } from './fixtures.js';
import { distro } from './distro.js';
import { listTree } from '../helpers/tree.js';

const missing = (
  await Promise.all(
    ['rpmbuild', 'gpg'].map(async (tool) =>
      (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0 ? null : tool,
    ),
  )
).filter(Boolean);

if (missing.length > 0) {
  t.test(
    'repo_gpgcheck',
    {
      skip: `${missing.join(' and ')} not installed (apt-get install -y rpm gpg): cannot build and sign test repositories`,
    },
    async () => {},
  );
} else {
  const work = await mkdtemp(join(tmpdir(), 'yumda-repo-gpg-'));
  const served = join(work, 'www');
  const server = await serveDirectory(served);
  t.teardown(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  const rpms = (await buildSources(distro.filter((s) => ['editor', 'writer', 'vim-editor'].includes(s.name)))).filter(
    (r) => !r.endsWith('.src.rpm'),
  );
  // keys under the served directory: gpgkey= is fetched over HTTP like the metadata
  const trusted = await makeGpgKey(join(served, 'keys-trusted'));
  const stranger = await makeGpgKey(join(served, 'keys-stranger'));
  const trustedKeyUrl = `${server.url}/keys-trusted/${basename(trusted.publicKeyFile)}`;

  /** A served repository of the fixture RPMs indexed by yumda (signed with signKey, if any); returns its URL. */
  async function repo(name: string, signKey?: string): Promise<string> {
    const dir = join(served, name);
    await mkdir(join(dir, 'Packages'), { recursive: true });
    for (const rpm of rpms) await cp(rpm, join(dir, 'Packages', basename(rpm)));
    await indexRepository(dir, { revision: '1', ...(signKey ? { signKey } : {}) });
    return `${server.url}/${name}`;
  }

  /** Alters one byte of repomd.xml (the revision) without re-signing: only the signature can tell. */
  async function tamper(name: string): Promise<void> {
    const path = join(served, name, 'repodata/repomd.xml');
    const text = readFileSync(path, 'utf8');
    const altered = text.replace('<revision>1</revision>', '<revision>2</revision>');
    if (altered === text) throw new Error(`${path} has no <revision>1</revision> to alter`);
    await writeFile(path, altered);
  }

  async function repofile(name: string, url: string, options: string): Promise<string> {
    const path = join(work, `${name}.repo`);
    await writeFile(path, `[${name}]\nname=${name}\nbaseurl=${url}\n${options}\n`);
    return path;
  }
  const checked = (name: string, url: string): Promise<string> =>
    repofile(name, url, `repo_gpgcheck=1\ngpgkey=${trustedKeyUrl}`);

  const fetched = (path: string): number => server.requests.filter((p) => p === path).length;

  const goodRepo = await checked('good', await repo('good', trusted.secretKeyFile));
  const cli = (args: string[], repo: string, cache: string, dest: string): ReturnType<typeof yumda> =>
    yumda([...args, '--repofile', repo, '--cache-dir', join(work, cache), '-d', join(work, dest), '--no-check']);

  t.test('a repomd.xml signed with the gpgkey installs; the cached one is not re-verified', async (t) => {
    const r = await cli(['install', 'writer'], goodRepo, 'cache-good', 'layer-good');
    t.equal(r.exitCode, 0, r.stderr);
    t.ok(existsSync(join(work, 'layer-good/bin/writer')));
    t.equal(fetched('/good/repodata/repomd.xml.asc'), 1, 'the signature was fetched');
    // within metadata_expire the repomd.xml verified when it was cached is used as it is
    const again = await cli(['install', 'vim-editor'], goodRepo, 'cache-good', 'layer-good2');
    t.equal(again.exitCode, 0, again.stderr);
    t.equal(fetched('/good/repodata/repomd.xml'), 1, 'repomd.xml not fetched again');
    t.equal(fetched('/good/repodata/repomd.xml.asc'), 1, 'nor its signature');
  });

  const unsignedUrl = await repo('unsigned');
  const tamperedUrl = await repo('tampered', trusted.secretKeyFile);
  await tamper('tampered');
  const strangerUrl = await repo('stranger', stranger.secretKeyFile);
  for (const [label, name, url, error] of [
    [
      'a repository without repomd.xml.asc',
      'unsigned',
      unsignedUrl,
      /repository unsigned: no signature at http:\S+\/unsigned\/repodata\/repomd\.xml\.asc, but the repository has repo_gpgcheck=1/,
    ],
    [
      'a repomd.xml altered after it was signed',
      'tampered',
      tamperedUrl,
      /repository tampered: http:\S+\/repomd\.xml\.asc: signature by key [0-9A-F]+ does not verify/,
    ],
    [
      'a repomd.xml signed by another key',
      'stranger',
      strangerUrl,
      /repository stranger: http:\S+\/repomd\.xml\.asc: signed by key [0-9A-F]+, which is not one of the repository's gpgkey keys/,
    ],
  ] as const) {
    t.test(`${label} is refused (exit 3), the layer is unchanged, nothing is cached`, async (t) => {
      const dest = `layer-${name}`;
      const first = await cli(['install', 'vim-editor'], goodRepo, `cache-${name}-1`, dest);
      t.equal(first.exitCode, 0, first.stderr);
      const before = listTree(join(work, dest), { sizes: true });
      const r = await cli(['install', 'writer', '--json'], await checked(name, url), `cache-${name}-2`, dest);
      t.equal(r.exitCode, 3, r.stderr);
      t.match(r.stderr, error);
      t.match(JSON.parse(r.stdout), {
        error: { code: name === 'unsigned' ? 'REPOMD_UNSIGNED' : 'REPOMD_BAD_SIGNATURE' },
      });
      t.same(listTree(join(work, dest), { sizes: true }), before, 'DIR is as it was');
      const reposDir = join(work, `cache-${name}-2`, 'repos');
      const cached = existsSync(reposDir) ? readdirSync(reposDir).flatMap((d) => readdirSync(join(reposDir, d))) : [];
      t.same(cached, [], 'no metadata of the refused repository was cached');
    });
  }

  t.test(
    'a repository re-signed wrongly after a good fetch: refused on --refresh, the verified cache stays usable',
    async (t) => {
      const url = await repo('republished', trusted.secretKeyFile);
      const file = await checked('republished', url);
      t.equal((await cli(['install', 'editor'], file, 'cache-republished', 'layer-republished')).exitCode, 0);
      const stateDir = join(work, 'cache-republished/repos', readdirSync(join(work, 'cache-republished/repos'))[0]!);
      const state = readFileSync(join(stateDir, 'repomd.json'));
      await tamper('republished');
      const refused = await cli(['install', 'writer', '--refresh'], file, 'cache-republished', 'layer-republished');
      t.equal(refused.exitCode, 3, refused.stderr);
      t.match(refused.stderr, /repository republished: .*does not verify/);
      t.ok(readFileSync(join(stateDir, 'repomd.json')).equals(state), 'the cached repomd.xml was not replaced');
      const cachedRun = await cli(['install', 'writer'], file, 'cache-republished', 'layer-republished');
      t.equal(
        cachedRun.exitCode,
        0,
        `within metadata_expire the verified cached repomd.xml is used: ${cachedRun.stderr}`,
      );
    },
  );

  t.test('a repomd.xml cached while repo_gpgcheck was off is not trusted once it is on', async (t) => {
    const url = await repo('late', undefined);
    const off = await repofile('late', url, `repo_gpgcheck=0\ngpgkey=${trustedKeyUrl}`);
    t.equal((await cli(['install', 'editor'], off, 'cache-late', 'layer-late')).exitCode, 0);
    const on = await checked('late', url);
    const r = await cli(['install', 'writer'], on, 'cache-late', 'layer-late');
    t.equal(r.exitCode, 3, r.stderr);
    t.match(r.stderr, /repository late: no signature at \S+\/late\/repodata\/repomd\.xml\.asc/);
  });

  t.test('repo_gpgcheck in a .repo file: a bad value or a missing gpgkey is a usage error (exit 2)', async (t) => {
    const noKey = await repofile('nokey', `${server.url}/good`, 'repo_gpgcheck=1');
    const r = await cli(['install', 'writer', '--json'], noKey, 'cache-nokey', 'layer-nokey');
    t.equal(r.exitCode, 2, r.stderr);
    t.match(r.stderr, new RegExp(`${noKey.replace(/[.]/g, '\\.')}:4: \\[nokey\\] repo_gpgcheck=1 needs a gpgkey`));
    t.match(JSON.parse(r.stdout), { error: { code: 'REPOFILE_INVALID' } });
    const bad = await repofile('badvalue', `${server.url}/good`, `repo_gpgcheck=sure\ngpgkey=${trustedKeyUrl}`);
    const b = await cli(['install', 'writer'], bad, 'cache-bad', 'layer-bad');
    t.equal(b.exitCode, 2, b.stderr);
    t.match(
      b.stderr,
      /badvalue\.repo:4: \[badvalue\] repo_gpgcheck: must be 1\/0, yes\/no, true\/false or on\/off \(got "sure"\)/,
    );
  });
}
