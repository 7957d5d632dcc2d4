/**
 * The client's caches are verified or rebuilt: a bit flipped anywhere in the parsed-primary cache
 * (primary-CHECKSUM.pool) or in its decoded memo (primary-CHECKSUM.decoded.json) never changes what
 * a resolution answers; a corrupt cache is detected by its checksums and rebuilt. Repositories are
 * written with the project's own repodata renderers (no RPMs needed).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { noneProfile } from '../../src/config/profile.js';
import { repoFromUrl } from '../../src/config/repos.js';
import { CacheCorruptError } from '../../src/install/primary-cache.js';
import { listAvailable } from '../../src/install/query.js';
import { openSession, resolveInSession } from '../../src/install/session.js';
import { primaryFooter, primaryHeader, renderPrimaryPackage } from '../../src/repodata/render.js';
import { renderRepomd } from '../../src/repodata/repomd.js';
import { emptyPackageRecord, type PackageRecord } from '../../src/repodata/types.js';
import { parseDep } from '../../src/rpm/version.js';

function record(nevra: string, requires: string[] = []): PackageRecord {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra)!;
  const [name, version, release, arch] = [m[1]!, m[2]!, m[3]!, m[4]!];
  return {
    ...emptyPackageRecord(),
    pkgId: createHash('sha256').update(nevra).digest('hex'),
    name,
    arch,
    version,
    release,
    summary: name,
    locationHref: `Packages/${nevra}.rpm`,
    sourcerpm: `${name}-${version}-${release}.src.rpm`,
    provides: [
      { name, flags: 'EQ', epoch: 0, version, release, pre: false },
      { name: `lib${name}.so.1()(64bit)`, flags: null, epoch: null, version: null, release: null, pre: false },
    ],
    requires: requires.map((d) => ({ ...parseDep(d), pre: false })),
    primaryFiles: [{ path: `/opt/bin/${name}`, type: 'file' }],
    checksumType: 'sha256',
  };
}

const work = await mkdtemp(join(tmpdir(), 'yumda-cache-integrity-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const records = [
  record('app-1.0-1.x86_64', ['libtool.so.1()(64bit)', 'data >= 2', '/opt/bin/helper']),
  record('tool-2.0-1.x86_64'),
  record('tool-1.0-1.x86_64'),
  record('data-2.0-1.noarch'),
  record('helper-1.0-1.noarch'),
  ...Array.from({ length: 40 }, (_, i) => record(`filler${i}-1.0-1.x86_64`, [`filler${(i + 1) % 40}`])),
];
const repoDir = join(work, 'repo');
await mkdir(join(repoDir, 'repodata'), { recursive: true });
const gz = gzipSync(primaryHeader(records.length) + records.map(renderPrimaryPackage).join('') + primaryFooter);
const checksum = createHash('sha256').update(gz).digest('hex');
await writeFile(join(repoDir, 'repodata', `${checksum}-primary.xml.gz`), gz);
const entry = {
  type: 'primary',
  location: `repodata/${checksum}-primary.xml.gz`,
  checksumType: 'sha256',
  checksum,
  openChecksumType: null,
  openChecksum: null,
  size: gz.length,
  openSize: null,
  timestamp: 1,
};
await writeFile(join(repoDir, 'repodata', 'repomd.xml'), renderRepomd({ revision: '1', data: [entry] }));
const defs = [repoFromUrl(`file://${repoDir}`, 'main')];

const cacheDir = join(work, 'cache');
const plan = async (requests = ['app']): Promise<string[]> => {
  const session = await openSession(defs, { cacheDir, arch: 'x86_64' });
  const resolved = await resolveInSession(session, { requests, profile: noneProfile, arch: 'x86_64' });
  return resolved.install
    .map(
      ({ pkg }) =>
        `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch} ${pkg.pkgId.slice(0, 12)} ${pkg.locationHref}`,
    )
    .sort();
};
const expected = await plan();
t.equal(expected.length, 4);
t.match(expected.join('\n'), /tool-2\.0-1\.x86_64/);
const repoCache = join(cacheDir, 'repos', readdirSync(join(cacheDir, 'repos'))[0]!);
const cachePath = join(
  repoCache,
  readdirSync(repoCache).find((n) => /^primary-[0-9a-f]+\.pool$/.test(n))!,
);
const memoPath = cachePath.replace(/\.json$/, '.decoded.json');
t.ok(existsSync(memoPath), 'the first run left its decoded memo');
const pristine = readFileSync(cachePath);
const pristineMemo = readFileSync(memoPath);

/** Positions to flip: every byte of short files, else spread evenly plus `also`. */
function positions(size: number, count: number, also: number[] = []): number[] {
  const step = Math.max(1, Math.floor(size / count));
  return [...new Set([...Array.from({ length: Math.ceil(size / step) }, (_, i) => i * step), ...also])].filter(
    (p) => p < size,
  );
}
function flipped(bytes: Buffer, at: number, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 1 << bit;
  return copy;
}

t.test(
  'a bit flipped anywhere in the parsed-primary cache: the same plan, the cache rebuilt when it was read',
  async (t) => {
    const versionAt = pristine.indexOf('ver="2.0"') + 5; // tool-2.0's version digit: '2' ^ 1 = '3', still valid XML
    let rebuilt = 0;
    for (const at of positions(pristine.length, 60, [versionAt])) {
      const bit = at % 8;
      writeFileSync(cachePath, flipped(pristine, at, bit));
      rmSync(memoPath, { force: true }); // the XML is read, not the memo
      t.same(await plan(), expected, `byte ${at} bit ${bit}`);
      if (readFileSync(cachePath).equals(pristine)) rebuilt++;
    }
    t.ok(rebuilt > 0, `${rebuilt} flips read and rebuilt`);
    writeFileSync(cachePath, flipped(pristine, versionAt, 0));
    rmSync(memoPath, { force: true });
    t.same(await plan(), expected, 'a version digit changed in a package read by the resolution');
    t.ok(readFileSync(cachePath).equals(pristine), 'that cache was rebuilt whole');
  },
);

t.test('a bit flipped anywhere in the decoded memo: the same plan (the memo is ignored and rewritten)', async (t) => {
  const versionAt = pristineMemo.indexOf('"version":"2.0"') + 11;
  for (const at of positions(pristineMemo.length, 60, [versionAt])) {
    writeFileSync(cachePath, pristine);
    writeFileSync(memoPath, flipped(pristineMemo, at, at % 8));
    t.same(await plan(), expected, `byte ${at}`);
  }
});

t.test('listing every package reads every segment: a flip anywhere in it is caught and the file removed', async (t) => {
  const fillerAt = pristine.indexOf('<name>filler39</name>') + 7;
  writeFileSync(cachePath, flipped(pristine, fillerAt, 1));
  const session = await openSession(defs, { cacheDir, arch: 'x86_64' });
  let thrown: unknown;
  try {
    listAvailable(session.pool);
  } catch (e) {
    thrown = e;
  }
  t.ok(thrown instanceof CacheCorruptError, String(thrown));
  t.notOk(existsSync(cachePath), 'the corrupt cache was removed');
  const again = await openSession(defs, { cacheDir, arch: 'x86_64' });
  t.equal(listAvailable(again.pool).length, records.length - 1, 'the next run rebuilds it');
  t.same(await plan(), expected);
});
