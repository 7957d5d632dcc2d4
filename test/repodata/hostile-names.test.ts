/**
 * Issue 12, "every name derived from remote data is validated before use": a hostile repository
 * served on 127.0.0.1 names cache files, metadata, packages and mirrors with strings that climb out
 * of the cache or leave its transport. Nothing outside the cache may be created, changed or deleted,
 * and the error says what was refused.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoFromUrl, type RepoDefinition } from '../../src/config/repos.js';
import { loadRepo } from '../../src/install/metadata.js';
import { primaryFooter, primaryHeader } from '../../src/repodata/render.js';
import { renderRepomd, type RepomdData } from '../../src/repodata/repomd.js';
import {
  checkedChecksum,
  hrefFileName,
  mayReference,
  resolveLocation,
  resolveMetadataLocation,
  safeFileName,
} from '../../src/repodata/location.js';
import { parseMirrorList } from '../../src/repodata/client.js';
import { serveDirectory } from '../helpers/http-server.js';
import { failureOf } from '../helpers/hostile-server.js';
import { scratchDir } from '../helpers/tmp.js';

const primaryGz = gzipSync(primaryHeader(0) + primaryFooter);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A repository whose repomd.xml lists primary with the given fields (the real file is served where the real location points). */
async function hostileRepo(dir: string, entry: Partial<RepomdData>): Promise<void> {
  await mkdir(join(dir, 'repodata'), { recursive: true });
  await writeFile(join(dir, 'repodata', 'primary.xml.gz'), primaryGz);
  const data: RepomdData = {
    type: 'primary',
    location: 'repodata/primary.xml.gz',
    checksumType: 'sha256',
    checksum: sha256(primaryGz),
    openChecksumType: null,
    openChecksum: null,
    size: primaryGz.length,
    openSize: null,
    timestamp: 1,
    ...entry,
  };
  await writeFile(join(dir, 'repodata', 'repomd.xml'), renderRepomd({ revision: '1', data: [data] }));
}

/** Every path under `dir`, for "nothing was created or deleted here". */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(`${rel}${e.name}${e.isDirectory() ? '/' : ''}`);
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.sort();
}

t.test('a checksum in repomd.xml that climbs out of the cache deletes nothing and creates nothing', async (t) => {
  const work = await scratchDir(t, 'hostile-sum');
  const repo = join(work, 'served');
  // cache/repos/<key>/ + "../../../victim/" + "-primary.xml.gz" lands in work/victim/
  await mkdir(join(work, 'victim'));
  await writeFile(join(work, 'victim', '-primary.xml.gz'), 'precious');
  await hostileRepo(repo, { checksum: `../../../victim/${'0'.repeat(48)}` });
  const server = await serveDirectory(repo);
  t.teardown(() => server.close());
  const outside = join(work, 'outside');
  await mkdir(outside);
  const before = tree(work).filter((p) => !p.startsWith('cache/') && !p.startsWith('served/'));
  const err = await failureOf(
    loadRepo(repoFromUrl(server.url, 'hostile'), { cacheDir: join(work, 'cache'), arch: 'x86_64' }),
  );
  t.equal(err.code, 'UNSAFE_REMOTE_NAME', err.message);
  t.match(err.message, /not a sha256 checksum/);
  t.ok(existsSync(join(work, 'victim', '-primary.xml.gz')), 'the file outside the cache is still there');
  t.same(
    tree(work).filter((p) => !p.startsWith('cache/') && !p.startsWith('served/')),
    before,
    'nothing created or deleted outside the cache',
  );
  t.notOk(
    server.requests.some((r) => r.includes('primary')),
    'primary was not even requested',
  );
});

t.test('a metadata location outside the repository is refused (remote and local)', async (t) => {
  const work = await scratchDir(t, 'hostile-loc');
  const repo = join(work, 'served', 'repo');
  await hostileRepo(repo, { location: '../../../../../../etc/hostname' });
  const server = await serveDirectory(join(work, 'served'));
  t.teardown(() => server.close());
  for (const url of [`${server.url}/repo`, `file://${repo}`]) {
    const err = await failureOf(
      loadRepo(repoFromUrl(url, 'hostile'), { cacheDir: join(work, 'cache'), arch: 'x86_64' }),
    );
    t.equal(err.code, 'UNSAFE_REMOTE_NAME', `${url}: ${err.message}`);
    t.match(err.message, /inside the repository/);
  }
  for (const location of ['file:///etc/hostname', '/etc/hostname', 'repodata/..', '../repo2/repodata/primary.xml.gz']) {
    await hostileRepo(repo, { location });
    const err = await failureOf(
      loadRepo(repoFromUrl(`${server.url}/repo`, 'hostile'), {
        cacheDir: join(work, 'cache'),
        arch: 'x86_64',
        refresh: true,
      }),
    );
    t.equal(err.code, 'UNSAFE_REMOTE_NAME', `${JSON.stringify(location)}: ${err.message}`);
  }
});

t.test('a remote mirror list naming a local directory is refused', async (t) => {
  const work = await scratchDir(t, 'hostile-mirrors');
  const served = join(work, 'served');
  const local = join(work, 'local-repo');
  await hostileRepo(local, {});
  await mkdir(served);
  await writeFile(join(served, 'mirror.list'), `# looks innocent\nfile://${local}\n${local}\n`);
  const server = await serveDirectory(served);
  t.teardown(() => server.close());
  const def: RepoDefinition = {
    ...repoFromUrl(`${server.url}/unused`, 'hostile'),
    baseurls: [],
    mirrorlist: `${server.url}/mirror.list`,
  };
  const err = await failureOf(loadRepo(def, { cacheDir: join(work, 'cache'), arch: 'x86_64' }));
  t.equal(err.code, 'UNSAFE_REMOTE_NAME', err.message);
  t.throws(() => parseMirrorList(`file://${local}\n`, `${server.url}/mirror.list`), { code: 'UNSAFE_REMOTE_NAME' });
  t.throws(() => parseMirrorList(`gopher://x/\n`, `${server.url}/mirror.list`), { code: 'UNSAFE_REMOTE_NAME' });
  t.same(parseMirrorList(`https://a.example/x/\nrel/path\n`, `${server.url}/l/mirror.list`), [
    'https://a.example/x',
    `${server.url}/l/rel/path`,
  ]);
  // a local mirror list is the user's own: it may name local directories
  t.same(parseMirrorList(`file://${local}\n`, join(work, 'mirror.list')), [`file://${local}`]);
});

t.test('locations and names: what a remote string may become', async (t) => {
  // package hrefs may climb within their transport (Amazon Linux 2's blob store) ...
  t.equal(
    resolveLocation('http://h/2/core/x86_64/abc', '../../../blobstore/aa/p.rpm'),
    'http://h/2/blobstore/aa/p.rpm',
  );
  t.equal(resolveLocation('s3://bucket/repo', 'Packages/p.rpm'), 's3://bucket/repo/Packages/p.rpm');
  t.equal(resolveLocation('/srv/repo', '../pool/p.rpm'), '/srv/pool/p.rpm');
  t.equal(resolveLocation('http://h/repo', 'p.rpm', 'https://cdn.example/base/'), 'https://cdn.example/base/p.rpm');
  t.equal(resolveLocation('http://h/repo', 'p.rpm', 'sub/'), 'http://h/repo/sub/p.rpm');
  // ... but a remote repository never reaches a local file or another transport
  for (const [href, base] of [
    ['file:///etc/shadow', null],
    ['/etc/shadow', 'file:///'],
    ['p.rpm', 'file:///etc/'],
    ['p.rpm', 's3://b/'],
    ['javascript:x', null],
    ['', null],
  ] as const) {
    t.throws(() => resolveLocation('http://h/repo', href, base), { code: 'UNSAFE_REMOTE_NAME' }, `${href} @ ${base}`);
  }
  t.throws(() => resolveLocation('s3://bucket/repo', 'http://h/x.rpm'), { code: 'UNSAFE_REMOTE_NAME' });
  t.equal(resolveMetadataLocation('http://h/repo', 'repodata/x.xml.gz'), 'http://h/repo/repodata/x.xml.gz');
  t.throws(() => resolveMetadataLocation('http://h/repo', '../repo2/repodata/x.xml.gz'), {
    code: 'UNSAFE_REMOTE_NAME',
  });
  t.notOk(mayReference('http://h/', 'file:///'));
  t.ok(mayReference('file:///srv/', 'http://h/'));
  for (const bad of ['', '.', '..', '.hidden', 'a/b', 'a\\b', 'x\u0000', 'x\ny', 'a'.repeat(201)]) {
    t.throws(() => safeFileName(bad), { code: 'UNSAFE_REMOTE_NAME' }, JSON.stringify(bad));
  }
  t.equal(hrefFileName('Packages/a/foo-1.0^git1-1.x86_64.rpm'), 'foo-1.0^git1-1.x86_64.rpm');
  t.throws(() => hrefFileName('Packages/..'), { code: 'UNSAFE_REMOTE_NAME' });
  t.throws(() => hrefFileName('Packages/'), { code: 'UNSAFE_REMOTE_NAME' });
  t.equal(checkedChecksum('SHA512', 'AB'.repeat(64)).hex, 'ab'.repeat(64));
  t.equal(checkedChecksum('sha', 'a'.repeat(40)).algo, 'sha1');
  t.throws(() => checkedChecksum('sha256', '../'.repeat(21) + 'a'), { code: 'UNSAFE_REMOTE_NAME' });
  t.throws(() => checkedChecksum('sha256', 'a'.repeat(63)), { code: 'UNSAFE_REMOTE_NAME' });
  t.throws(() => checkedChecksum('crc32', 'a'.repeat(8)), { code: 'CHECKSUM_TYPE' });
});
