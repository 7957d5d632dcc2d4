/**
 * Issue 12, "no limits": a hostile HTTP server on 127.0.0.1 sends more than anything should hold:
 * an endless repomd.xml, a metadata file or package larger than its declared size, a gzip bomb.
 * The client stops reading at the declared size (or a ceiling), fails with a clear error and exit
 * code, and keeps nothing of it. A full or read-only cache (tmpfs in a private mount namespace) is
 * reported as the user's disk problem, not as an unreachable repository, and not retried.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { repoFromUrl } from '../../src/config/repos.js';
import { loadRepo } from '../../src/install/metadata.js';
import { primaryFooter, primaryHeader, renderPrimaryPackage } from '../../src/repodata/render.js';
import { renderRepomd, type RepomdData } from '../../src/repodata/repomd.js';
import type { PackageRecord } from '../../src/repodata/types.js';
import { downloadFile } from '../../src/util/fetch.js';
import { yumda, yumdaBin } from '../helpers/cli.js';
import { hostileServer, type HostileServer, failureOf } from '../helpers/hostile-server.js';
import { scratchDir } from '../helpers/tmp.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** One noarch package record, its file served at Packages/NAME.rpm. */
function record(name: string, body: Buffer): PackageRecord {
  return {
    pkgId: sha256(body),
    name,
    arch: 'noarch',
    epoch: 0,
    version: '1.0',
    release: '1',
    summary: name,
    description: name,
    packager: '',
    url: '',
    timeFile: 1,
    timeBuild: 1,
    sizePackage: body.length,
    sizeInstalled: 1,
    sizeArchive: 1,
    locationHref: `Packages/${name}.rpm`,
    license: 'MIT',
    vendor: '',
    group: '',
    buildhost: '',
    sourcerpm: '',
    headerStart: 0,
    headerEnd: 0,
    provides: [{ name, flags: 'EQ', epoch: 0, version: '1.0', release: '1', pre: false }],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    primaryFiles: [],
    checksumType: 'sha256',
  };
}

/** Writes repodata for `records` (primary = `primaryGz` when given); `entry` overrides repomd's primary fields. */
async function writeRepo(
  dir: string,
  records: PackageRecord[],
  entry: Partial<RepomdData> = {},
  primaryGz?: Buffer,
): Promise<void> {
  await mkdir(join(dir, 'repodata'), { recursive: true });
  const xml = primaryHeader(records.length) + records.map(renderPrimaryPackage).join('') + primaryFooter;
  const gz = primaryGz ?? gzipSync(xml);
  await writeFile(join(dir, 'repodata', 'primary.xml.gz'), gz);
  const data: RepomdData = {
    type: 'primary',
    location: 'repodata/primary.xml.gz',
    checksumType: 'sha256',
    checksum: sha256(gz),
    openChecksumType: null,
    openChecksum: null,
    size: gz.length,
    openSize: primaryGz ? null : Buffer.byteLength(xml),
    timestamp: 1,
    ...entry,
  };
  await writeFile(join(dir, 'repodata', 'repomd.xml'), renderRepomd({ revision: '1', data: [data] }));
}

async function served(
  t: { teardown: (fn: () => unknown) => void },
  label: string,
): Promise<{ work: string; repo: string; server: HostileServer }> {
  const work = await scratchDir(t, label);
  const repo = join(work, 'repo');
  await mkdir(repo);
  const server = await hostileServer(repo);
  t.teardown(() => server.close());
  return { work, repo, server };
}

t.test('an endless repomd.xml is cut off at its ceiling', async (t) => {
  const { work, server } = await served(t, 'endless-repomd');
  server.on('/repodata/repomd.xml', { endless: `<repomd>${' '.repeat(65536)}` });
  const err = await failureOf(
    loadRepo(repoFromUrl(server.url, 'endless'), { cacheDir: join(work, 'cache'), arch: 'x86_64' }),
  );
  t.equal(err.code, 'RESPONSE_TOO_LARGE', err.message);
  t.notMatch(err.message, /unreachable/);
  t.match(err.message, /larger than the 8388608 bytes/);
  const sent = server.sent.get('/repodata/repomd.xml') ?? 0;
  t.ok(sent < 64 << 20, `the server got to send ${(sent / 2 ** 20).toFixed(1)} MiB before the client hung up`);
  t.equal(server.requests.filter((r) => r === '/repodata/repomd.xml').length, 1, 'not retried');
});

t.test('a metadata file larger than repomd.xml says is cut off there (exit 3)', async (t) => {
  const { work, repo, server } = await served(t, 'big-primary');
  await writeRepo(repo, [record('a', Buffer.from('a'))]);
  server.on('/repodata/primary.xml.gz', { endless: Buffer.alloc(65536, 0x20) });
  const err = await failureOf(
    loadRepo(repoFromUrl(server.url, 'big'), { cacheDir: join(work, 'cache'), arch: 'x86_64' }),
  );
  t.equal(err.code, 'METADATA_CHECKSUM', err.message);
  t.equal(err.exitCode, 3);
  t.match(err.message, /more than the \d+ bytes its metadata declares/);
  t.ok((server.sent.get('/repodata/primary.xml.gz') ?? 0) < 64 << 20, 'cut off early');
});

t.test('a gzip bomb: open-size is enforced, and without one the reader stays bounded', async (t) => {
  const { work, repo, server } = await served(t, 'bomb');
  // 80 MiB of whitespace inside one <package>: about 80 KB of gzip
  const blank = Buffer.alloc(80 << 20, 0x20);
  const bomb = gzipSync(
    Buffer.concat([
      Buffer.from(`${primaryHeader(1)}<package type="rpm">`),
      blank,
      Buffer.from(`</package>${primaryFooter}`),
    ]),
    { level: 9 },
  );
  await writeRepo(repo, [], { openSize: 4096 }, bomb);
  const declared = await failureOf(
    loadRepo(repoFromUrl(server.url, 'bomb'), { cacheDir: join(work, 'cache'), arch: 'x86_64' }),
  );
  t.equal(declared.code, 'METADATA_TOO_LARGE', declared.message);
  t.equal(declared.exitCode, 3);
  t.match(declared.message, /more than the 4096 bytes repomd.xml declares/);
  await writeRepo(repo, [], { openSize: null }, bomb);
  const undeclared = await failureOf(
    loadRepo(repoFromUrl(server.url, 'bomb'), { cacheDir: join(work, 'cache'), arch: 'x86_64', refresh: true }),
  );
  t.equal(undeclared.code, 'METADATA_CORRUPT', undeclared.message);
  t.match(undeclared.message, /a <package> element longer than 64 Mi characters/);
});

t.test('a package larger than its metadata says is cut off at that size and not kept', async (t) => {
  const { work, repo, server } = await served(t, 'big-package');
  const body = Buffer.from('not really an rpm, but 40 bytes of one..');
  await writeRepo(repo, [record('endless', body)]);
  server.on('/Packages/endless.rpm', { endless: Buffer.alloc(65536, 0x41) });
  const dest = join(work, 'layer');
  const cache = join(work, 'cache');
  const r = await yumda([
    'install',
    'endless',
    '--repo',
    server.url,
    '--cache-dir',
    cache,
    '-d',
    dest,
    '--no-check',
    '--base',
    'none',
  ]);
  t.equal(r.exitCode, 3, r.stderr);
  t.match(r.stderr, /more than the 40 bytes its metadata declares/);
  t.ok(
    (server.sent.get('/Packages/endless.rpm') ?? 0) < 64 << 20,
    `cut off after ${server.sent.get('/Packages/endless.rpm')} bytes`,
  );
  const pkgDir = join(cache, 'packages');
  const left = existsSync(pkgDir)
    ? readdirSync(pkgDir, { recursive: true })
        .map(String)
        .filter((f) => f.includes('endless'))
    : [];
  t.same(left, [], 'nothing of it kept in the cache');
  // the same through the library call every download goes through
  const lib = await failureOf(downloadFile(`${server.url}/Packages/endless.rpm`, join(work, 'x.rpm'), { size: 40 }));
  t.equal(lib.code, 'SIZE_MISMATCH');
  t.notOk(existsSync(join(work, 'x.rpm')));
});

t.test('a full or read-only cache is the user’s disk problem: one line, not "unreachable", not retried', async (t) => {
  const { work, repo, server } = await served(t, 'full-disk');
  const body = Buffer.alloc(512 << 10, 0x42);
  await writeRepo(repo, [record('big', body)]);
  await mkdir(join(repo, 'Packages'));
  await writeFile(join(repo, 'Packages', 'big.rpm'), body);
  const cli = yumdaBin;
  const run = (mount: string) =>
    execa(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        `${mount} && exec "$0" "$@"`,
        process.execPath,
        cli,
        'install',
        'big',
        '--repo',
        server.url,
        '--cache-dir',
        join(work, 'cache'),
        '-d',
        join(work, 'layer'),
        '--no-check',
        '--base',
        'none',
      ],
      { reject: false },
    );
  const cache = join(work, 'cache');
  await mkdir(cache);
  // 256 KiB: room for the metadata, not for the 512 KiB package
  const full = await run(`mount -t tmpfs -o size=256k tmpfs '${cache}'`);
  t.equal(full.exitCode, 6, full.stderr);
  t.match(full.stderr, /cannot write .*: no space left on the device \(ENOSPC\)/);
  t.notMatch(full.stderr, /unreachable|check the network|internal error/);
  t.equal(server.requests.filter((r) => r === '/Packages/big.rpm').length, 1, 'not retried');
  const readOnly = await run(`mount -t tmpfs tmpfs '${cache}' && mount -o remount,ro '${cache}'`);
  t.equal(readOnly.exitCode, 6, readOnly.stderr);
  t.match(readOnly.stderr, /read-only file system \(EROFS\)/);
  t.notMatch(readOnly.stderr, /unreachable|internal error|ENOENT/);
});
