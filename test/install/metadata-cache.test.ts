/**
 * The client's parsed-metadata cache and the pool built over it: a warm run decodes packages only
 * as they are looked up, so these check that it answers exactly what the freshly parsed metadata
 * answers, and that priorities, excludes and other-arch hints still apply to looked-up packages.
 * Repositories are written with the project's own repodata renderers (no RPMs needed).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { noneProfile } from '../../src/config/profile.js';
import { parseRepoFile, repoFromUrl, type RepoDefinition } from '../../src/config/repos.js';
import { plainRecord } from '../../src/install/metadata.js';
import { buildPrimaryCache, openPrimaryCache, writePrimaryCache } from '../../src/install/primary-cache.js';
import { openSession, resolveInSession } from '../../src/install/session.js';
import { readPrimary } from '../../src/repodata/reader.js';
import { primaryFooter, primaryHeader, renderPrimaryPackage } from '../../src/repodata/render.js';
import { renderRepomd } from '../../src/repodata/repomd.js';
import type { PackageRecord } from '../../src/repodata/types.js';
import { indexTables } from '../../src/resolve/pool-index.js';
import { ResolveError } from '../../src/resolve/resolve.js';
import { parseDep } from '../../src/rpm/version.js';

function record(
  nevra: string,
  extra: { requires?: string[]; provides?: string[]; obsoletes?: string[]; files?: string[]; summary?: string } = {},
): PackageRecord {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra)!;
  const [name, version, release, arch] = [m[1]!, m[2]!, m[3]!, m[4]!];
  const deps = (list: string[] = []) => list.map((d) => ({ ...parseDep(d), pre: false }));
  return {
    pkgId: createHash('sha256').update(nevra).digest('hex'),
    name,
    arch,
    epoch: 0,
    version,
    release,
    summary: extra.summary ?? `${name} "summary" & <more>`,
    description: `${name}\nsecond line ünïcode`,
    packager: '',
    url: `https://example.com/${name}`,
    timeFile: 1,
    timeBuild: 2,
    sizePackage: 1000,
    sizeInstalled: 3000,
    sizeArchive: 3100,
    locationHref: `Packages/${nevra}.rpm`,
    license: 'MIT',
    vendor: '',
    group: 'Unspecified',
    buildhost: 'test',
    sourcerpm: `${name}-${version}-${release}.src.rpm`,
    headerStart: 10,
    headerEnd: 20,
    provides: [{ name, flags: 'EQ', epoch: 0, version, release, pre: false }, ...deps(extra.provides)],
    requires: deps(extra.requires),
    conflicts: [],
    obsoletes: deps(extra.obsoletes),
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    primaryFiles: (extra.files ?? []).map((path) => ({ path, type: 'file' as const })),
    checksumType: 'sha256',
  };
}

/** A repository with only primary metadata (what the client reads to resolve). */
async function writeRepo(dir: string, records: PackageRecord[]): Promise<string> {
  await mkdir(join(dir, 'repodata'), { recursive: true });
  const gz = gzipSync(primaryHeader(records.length) + records.map(renderPrimaryPackage).join('') + primaryFooter);
  const checksum = createHash('sha256').update(gz).digest('hex');
  await writeFile(join(dir, 'repodata', `${checksum}-primary.xml.gz`), gz);
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
  await writeFile(join(dir, 'repodata', 'repomd.xml'), renderRepomd({ revision: '1', data: [entry] }));
  return `file://${dir}`;
}

const work = await mkdtemp(join(tmpdir(), 'yumda-metadata-cache-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

const main = [
  record('app-1.0-1.x86_64', { requires: ['libthing.so.1()(64bit)', 'tool', '/opt/bin/helper'] }),
  record('libthing-2.0-1.x86_64', { provides: ['libthing.so.1()(64bit)'] }),
  record('libthing-1.0-1.x86_64', { provides: ['libthing.so.1()(64bit)'] }),
  record('helper-1.0-1.noarch', { files: ['/opt/bin/helper'] }),
  record('tool-2.0-1.noarch'),
  record('newtool-1.0-1.noarch', { obsoletes: ['oldtool < 2'] }),
  record('armonly-1.0-1.aarch64', { provides: ['libarm.so.1()(64bit)'] }),
  record('needs-arm-1.0-1.x86_64', { requires: ['libarm.so.1()(64bit)'] }),
  record('bad-thing-1.0-1.noarch'),
  record('needs-bad-1.0-1.noarch', { requires: ['bad-thing'] }),
];
const mainUrl = await writeRepo(join(work, 'main'), main);
const preferredUrl = await writeRepo(join(work, 'preferred'), [record('tool-1.0-1.noarch')]);

const planOf = async (defs: RepoDefinition[], cacheDir: string, requests: string[]): Promise<string[]> => {
  const session = await openSession(defs, { cacheDir, arch: 'x86_64' });
  const plan = await resolveInSession(session, { requests, profile: noneProfile, arch: 'x86_64' });
  return plan.install.map(({ pkg }) => `${pkg.name}-${pkg.version}.${pkg.arch}@${pkg.repo}`);
};
const failureOf = async (defs: RepoDefinition[], cacheDir: string, requests: string[]): Promise<string> => {
  try {
    await planOf(defs, cacheDir, requests);
  } catch (e) {
    if (e instanceof ResolveError) return `${e.message}\nhint: ${e.hint ?? ''}`;
    throw e;
  }
  return 'no error';
};

t.test('a warm session answers what the freshly parsed metadata answers', async (t) => {
  const cache = join(work, 'cache-same');
  const defs = [repoFromUrl(mainUrl, 'test')];
  const cold = await openSession(defs, { cacheDir: cache, arch: 'x86_64' });
  const repoCache = join(cache, 'repos', readdirSync(join(cache, 'repos'))[0]!);
  t.ok(
    readdirSync(repoCache).some((n) => /^primary-[0-9a-f]{32}\.pool$/.test(n)),
    'the parsed primary is cached',
  );
  // the warm session must not need the metadata files any more (a local repository's repomd.xml
  // is read every time: it has nothing to expire)
  const primaryFile = join(
    work,
    'main',
    'repodata',
    readdirSync(join(work, 'main', 'repodata')).find((n) => n.endsWith('primary.xml.gz'))!,
  );
  renameSync(primaryFile, `${primaryFile}.away`);
  const warm = await openSession(defs, { cacheDir: cache, arch: 'x86_64' });
  renameSync(`${primaryFile}.away`, primaryFile);
  const all = (s: typeof cold) => s.pool.packages.map((p) => plainRecord(p));
  t.same(all(warm), all(cold), 'every package, every field');
  t.same(
    all(warm)
      .map((p) => p.name)
      .sort(),
    main
      .filter((p) => p.arch !== 'aarch64')
      .map((p) => p.name)
      .sort(),
    'usable: machine arch and noarch',
  );
  for (const dep of ['libthing.so.1()(64bit)', 'libthing >= 2', '/opt/bin/helper', 'tool', 'nothing-provides-this']) {
    const d = dep.startsWith('/')
      ? { name: dep, flags: null, epoch: null, version: null, release: null }
      : parseDep(dep);
    t.same(
      warm.pool.providers(d).map((p) => p.pkgId),
      cold.pool.providers(d).map((p) => p.pkgId),
      `providers of ${dep}`,
    );
  }
  t.same(
    warm.pool.obsoletedBy(record('oldtool-1-1.noarch')).map((p) => p.name),
    ['newtool'],
  );
  const id = defs[0]!.id;
  t.same(
    await planOf(defs, cache, ['app']),
    [`app-1.0.x86_64@${id}`, `helper-1.0.noarch@${id}`, `libthing-2.0.x86_64@${id}`, `tool-2.0.noarch@${id}`],
    'a plan from the warm cache',
  );
});

t.test('a local repository is read in place, and still verified', async (t) => {
  const dir = join(work, 'local-copy');
  const url = await writeRepo(dir, main);
  const defs = [repoFromUrl(url, 'test')];
  const cache = join(work, 'cache-local');
  t.ok((await openSession(defs, { cacheDir: cache, arch: 'x86_64' })).pool.named('app').length === 1, 'opens');
  const repoCache = join(cache, 'repos', readdirSync(join(cache, 'repos'))[0]!);
  t.notOk(
    readdirSync(repoCache).some((n) => n.endsWith('.xml.gz')),
    'primary.xml.gz is not copied into the cache',
  );
  const primary = join(
    dir,
    'repodata',
    readdirSync(join(dir, 'repodata')).find((n) => n.endsWith('primary.xml.gz'))!,
  );
  const good = readFileSync(primary);
  writeFileSync(primary, gzipSync('<metadata/>'));
  await t.rejects(
    openSession(defs, { cacheDir: join(work, 'cache-local-2'), arch: 'x86_64' }),
    { code: 'METADATA_CHECKSUM', exitCode: 3 },
    'altered: refused (exit 3)',
  );
  rmSync(primary);
  await t.rejects(
    openSession(defs, { cacheDir: join(work, 'cache-local-3'), arch: 'x86_64' }),
    { code: 'NOT_FOUND' },
    'missing: not found',
  );
  writeFileSync(primary, good);
});

t.test(
  'a local repository rebuilt and re-indexed in place is seen at once, without --refresh (issue 12)',
  async (t) => {
    const dir = join(work, 'rebuilt-in-place');
    const url = await writeRepo(dir, [record('first-1.0-1.noarch')]);
    const defs = [{ ...repoFromUrl(url, 'test'), metadataExpire: 6 * 3600 }];
    const cache = join(work, 'cache-rebuilt');
    t.same((await openSession(defs, { cacheDir: cache, arch: 'x86_64' })).pool.named('first').length, 1);
    for (const name of readdirSync(join(dir, 'repodata'))) rmSync(join(dir, 'repodata', name));
    await writeRepo(dir, [record('second-1.0-1.noarch')]);
    const again = await openSession(defs, { cacheDir: cache, arch: 'x86_64' });
    t.same(again.pool.named('second').length, 1, 'the new package is there');
    t.same(again.pool.named('first').length, 0, 'the old one is gone');
    const plain = await openSession([{ ...repoFromUrl(dir, 'test'), metadataExpire: 6 * 3600 }], {
      cacheDir: cache,
      arch: 'x86_64',
    });
    t.same(plain.pool.named('second').length, 1, 'a plain path too');
  },
);

t.test('a damaged cache file is rebuilt from the metadata', async (t) => {
  const cache = join(work, 'cache-damaged');
  const defs = [repoFromUrl(mainUrl, 'test')];
  const before = await planOf(defs, cache, ['app']);
  const repoCache = join(cache, 'repos', readdirSync(join(cache, 'repos'))[0]!);
  const file = join(
    repoCache,
    readdirSync(repoCache).find((n) => /^primary-[0-9a-f]{32}\.pool$/.test(n))!,
  );
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
  t.same(await planOf(defs, cache, ['app']), before, 'cut in half');
  writeFileSync(file, '');
  t.same(await planOf(defs, cache, ['app']), before, 'empty');
  t.equal(readFileSync(file, 'utf8'), text, 'rewritten as it was');
});

t.test(
  'a resolution leaves the packages it decoded as JSON for the next run, which reads them from there',
  async (t) => {
    const cache = join(work, 'cache-memo');
    const defs = [repoFromUrl(mainUrl, 'test')];
    const first = await planOf(defs, cache, ['app']);
    const repoCache = join(cache, 'repos', readdirSync(join(cache, 'repos'))[0]!);
    const memoName = readdirSync(repoCache).find((n) => /^primary-[0-9a-f]{32}\.decoded\.json$/.test(n));
    t.ok(memoName, 'a memo beside the parsed primary, named for the same checksum (pruned with it)');
    const memoFile = join(repoCache, memoName!);
    const [headerLine, body] = readFileSync(memoFile, 'utf8').split('\n') as [string, string];
    t.match(JSON.parse(headerLine), { checksum: /^[0-9a-f]{64}$/ });
    const entries = JSON.parse(body) as Array<[number, PackageRecord]>;
    t.ok(
      entries.some(([, r]) => r.name === 'app') && entries.length < main.length,
      'it holds what the resolution looked up, not the whole repository',
    );

    const fromXml = (await openSession(defs, { cacheDir: join(work, 'cache-memo-xml'), arch: 'x86_64' })).pool
      .named('app')
      .map((p) => plainRecord(p));
    const warm = await openSession(defs, { cacheDir: cache, arch: 'x86_64' });
    t.same(
      warm.pool.named('app').map((p) => plainRecord(p)),
      fromXml,
      'a package from the memo is the package from the XML, every field',
    );
    t.same(await planOf(defs, cache, ['app']), first, 'the same plan');

    // the memo is checked before it is used: a summary changed in it (its checksum no longer matches) is not read
    writeFileSync(
      memoFile,
      `${headerLine}\n${JSON.stringify(entries.map(([i, r]) => [i, r.name === 'app' ? { ...r, summary: 'from the memo' } : r]))}`,
    );
    t.same(
      (await openSession(defs, { cacheDir: cache, arch: 'x86_64' })).pool.named('app').map((p) => plainRecord(p)),
      fromXml,
      'an altered memo is ignored',
    );

    for (const [what, text] of [
      ['cut short', readFileSync(memoFile, 'utf8').slice(0, 100)],
      ['of another checksum', `${JSON.stringify({ ...JSON.parse(headerLine), checksum: 'f'.repeat(64) })}\n${body}`],
      ['not JSON', 'garbage'],
    ] as const) {
      writeFileSync(memoFile, text);
      const session = await openSession(defs, { cacheDir: cache, arch: 'x86_64' });
      t.same(
        session.pool.named('app').map((p) => plainRecord(p)),
        fromXml,
        `a memo ${what} is ignored: the XML is read`,
      );
      await resolveInSession(session, { requests: ['app'], profile: noneProfile, arch: 'x86_64' });
      t.same(
        JSON.parse(readFileSync(memoFile, 'utf8').split('\n')[1]!),
        entries,
        `and rewritten after the resolution (${what})`,
      );
    }
  },
);

t.test('priorities, excludes and other archs apply to looked-up packages', async (t) => {
  const repoFile = parseRepoFile(
    `[base]\nbaseurl=${mainUrl}\nexclude=bad-*\n\n[preferred]\nbaseurl=${preferredUrl}\npriority=10\n`,
    'test.repo',
  );
  const cache = join(work, 'cache-rules');
  for (const round of ['cold', 'warm']) {
    t.same(
      await planOf(repoFile, cache, ['tool']),
      ['tool-1.0.noarch@preferred'],
      `${round}: the better priority wins even with an older version`,
    );
    t.same(
      await planOf(repoFile, cache, ['helper']),
      ['helper-1.0.noarch@base'],
      `${round}: names only in the other repository stay`,
    );
    t.match(await failureOf(repoFile, cache, ['bad-thing']), /no package provides bad-thing/, `${round}: excluded`);
    t.match(
      await failureOf(repoFile, cache, ['needs-bad']),
      /nothing provides bad-thing needed by needs-bad/,
      `${round}: excluded as a dependency`,
    );
    t.match(
      await failureOf(repoFile, cache, ['needs-arm']),
      /nothing provides libarm\.so\.1\(\)\(64bit\)[^]*hint: .*another architecture \(armonly-1\.0-1\.aarch64\)/,
      `${round}: other-arch hint`,
    );
    t.match(
      await failureOf(repoFile, cache, ['toString']),
      /no package provides toString/,
      `${round}: names that are Object.prototype keys`,
    );
    t.match(await failureOf(repoFile, cache, ['__proto__']), /no package provides __proto__/, `${round}: __proto__`);
  }
});

t.test(
  'package bounds in bytes, whatever the chunks: multibyte characters cut by chunk ends, invalid UTF-8',
  async (t) => {
    const records = [
      record('ünï-1.0-1.noarch', { summary: 'naïve café ☕ 😀' }),
      record('plain-1.0-1.noarch'),
      record('after-1.0-1.noarch', { summary: '€uro' }),
    ];
    const xml = Buffer.from(primaryHeader(records.length) + records.map(renderPrimaryPackage).join('') + primaryFooter);
    const bad = Buffer.from(xml);
    bad[bad.indexOf('€uro') + 3] = 0xff; // 'u' -> a lone 0xFF byte: not UTF-8
    for (const [what, bytes] of [
      ['valid', xml],
      ['invalid UTF-8', bad],
    ] as const) {
      const expected = [];
      for await (const r of readPrimary(Readable.from([bytes])))
        expected.push(plainRecord({ ...r, repo: 'r', priority: 1 }));
      for (const size of [1, 2, 3, 5, 7, 64, 100000]) {
        const pieces = [];
        for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
        const checksum = 'e'.repeat(64);
        await writePrimaryCache(Readable.from(pieces), join(work, 'bounds'), checksum);
        const one = openPrimaryCache(join(work, 'bounds'), checksum, { id: 'r', priority: 1 })!;
        const each = records.map((r) => plainRecord(one.lookup('names', r.name)![0]!));
        const reopened = openPrimaryCache(join(work, 'bounds'), checksum, { id: 'r', priority: 1 })!;
        if (
          JSON.stringify(each) !== JSON.stringify(expected) ||
          JSON.stringify(reopened.all().map((p) => plainRecord(p))) !== JSON.stringify(expected)
        ) {
          t.same(each, expected, `${what}, chunks of ${size} bytes`);
          return;
        }
      }
      t.pass(`${what}: the same packages as the reader, chunks of 1 to 100000 bytes`);
      if (what === 'invalid UTF-8') t.match(expected[2]!.summary, /\ufffd/, 'the bad byte reads as U+FFFD');
    }
  },
);

t.test(
  'the cache file: every key of every kind (as addToIndex takes them from records), no source package, every field',
  async (t) => {
    const records = [
      ...main,
      ...Array.from({ length: 300 }, (_, i) =>
        record(`gen-${i}-1.0-1.x86_64`, {
          // keys past ASCII hash as the lookup's string does, not as their bytes
          provides: [`libgen${i}.so.1()(64bit)`, 'constructor', '__proto__', `bibliothèque-${i % 7}`],
          files: [`/opt/gen/${i}`, ...(i % 3 === 0 ? [`/opt/données/${i}`, '/opt/share/日本語'] : [])],
          obsoletes: i % 5 === 0 ? [`gen-old-${i}`, 'gen-ancien-é'] : [],
        }),
      ),
    ];
    const tables = indexTables(records);
    const checksum = 'c'.repeat(64);
    const xml =
      primaryHeader(records.length + 1) +
      [...records, record('foo-1.0-1.src')].map(renderPrimaryPackage).join('') +
      primaryFooter;
    await writePrimaryCache(Readable.from([Buffer.from(xml)]), join(work, 'built'), checksum);
    const bytes = readFileSync(join(work, 'built'));
    const file = (name: string, content: Buffer): string => {
      writeFileSync(join(work, name), content);
      return join(work, name);
    };
    const opened = openPrimaryCache(file('whole', bytes), checksum, { id: 'r', priority: 5 })!;
    t.ok(opened, 'opens');
    for (const [what, source] of [
      ['written', openPrimaryCache(join(work, 'built'), checksum, { id: 'r', priority: 5 })!],
      ['read back', opened],
    ] as const) {
      for (const kind of ['names', 'provides', 'files', 'obsoletes'] as const) {
        let mismatches = 0;
        for (const [key, positions] of tables[kind])
          if (
            JSON.stringify(source.lookup(kind, key)?.map((p) => p.pkgId)) !==
            JSON.stringify(positions.map((i) => records[i]!.pkgId))
          )
            mismatches++;
        t.equal(mismatches, 0, `${what}: ${kind}: ${tables[kind].size} keys`);
        t.equal(source.lookup(kind, 'no-such-key'), undefined, `${what}: ${kind}: an unknown key`);
        t.equal(source.lookup(kind, 'hasOwnProperty'), undefined, `${what}: ${kind}: a prototype key`);
      }
      t.same(
        source.all().map((p) => plainRecord(p)),
        records.map((r) => plainRecord({ ...r, repo: 'r', priority: 5 })),
        `${what}: packages decode to the records`,
      );
    }
    t.equal(openPrimaryCache(file('whole', bytes), 'd'.repeat(64), { id: 'r', priority: 5 }), null, 'another checksum');
    t.equal(
      openPrimaryCache(file('cut', bytes.subarray(0, bytes.length - 2)), checksum, { id: 'r', priority: 5 }),
      null,
      'cut short',
    );
    t.equal(
      openPrimaryCache(file('cut-in-header', bytes.subarray(0, 100)), checksum, { id: 'r', priority: 5 }),
      null,
      'cut in the header',
    );
    t.equal(
      openPrimaryCache(file('grown', Buffer.concat([bytes, Buffer.from('[]')])), checksum, { id: 'r', priority: 5 }),
      null,
      'grown',
    );
    t.equal(openPrimaryCache(join(work, 'missing'), checksum, { id: 'r', priority: 5 }), null, 'missing');
  },
);

t.test('a large primary.xml is indexed in a worker thread: the same file, the same errors', async (t) => {
  const dir = join(work, 'worker');
  await mkdir(dir, { recursive: true });
  const records = Array.from({ length: 200 }, (_, i) =>
    record(`w-${i}-1.0-1.x86_64`, {
      provides: [`libw${i}.so.1()(64bit)`, 'shared-capability'],
      files: [`/opt/w/${i}`],
    }),
  );
  const xml = primaryHeader(records.length) + records.map(renderPrimaryPackage).join('') + primaryFooter;
  const gz = join(dir, 'primary.xml.gz');
  writeFileSync(gz, gzipSync(xml));
  const job = (cachePath: string, openSize: number | null = null) => ({
    xmlPath: gz,
    openSize,
    label: 'primary.xml.gz',
    cachePath,
    checksum: 'e'.repeat(64),
  });
  // a key written as a numeric character reference past U+00FF, and one in raw UTF-8
  const smile = record('smile-1.0-1.noarch', { provides: ['smile-REF', 'grüße'] });
  const xmlWithRef = xml.replace(
    primaryFooter,
    renderPrimaryPackage(smile).replace('smile-REF', 'smile-&#x1F600;') + primaryFooter,
  );
  writeFileSync(gz, gzipSync(xmlWithRef.replace(`packages="${records.length}"`, `packages="${records.length + 1}"`)));
  await buildPrimaryCache(job(join(dir, 'here.pool')), { workerFrom: Infinity });
  await buildPrimaryCache(job(join(dir, 'worker.pool')), { workerFrom: 0 });
  t.ok(readFileSync(join(dir, 'worker.pool')).equals(readFileSync(join(dir, 'here.pool'))), 'byte for byte the same');
  const opened = openPrimaryCache(join(dir, 'worker.pool'), 'e'.repeat(64), { id: 'w', priority: 1 })!;
  for (const key of ['smile-\u{1F600}', 'grüße', 'shared-capability'])
    t.ok(opened.lookup('provides', key)?.length, `found by ${key}`);
  t.equal(opened.lookup('provides', 'shared-capability')!.length, 200);
  // a declared open-size the content passes: the size limit's own error and exit code, across the thread
  for (const workerFrom of [0, Infinity]) {
    const where = workerFrom === 0 ? 'in the worker' : 'here';
    await t.rejects(
      buildPrimaryCache(job(join(dir, 'bomb.pool'), 1000), { workerFrom }),
      { code: 'METADATA_TOO_LARGE', exitCode: 3 },
      `${where}: more than the declared open-size`,
    );
    await t.rejects(
      buildPrimaryCache(job(join(dir, 'no-such-dir', 'x.pool')), { workerFrom }),
      { code: 'ENOENT', syscall: 'open' },
      `${where}: a system error keeps its errno code and syscall (the CLI's environment errors need them)`,
    );
  }
  writeFileSync(gz, gzipSync('<metadata><package><name>broken</package></metadata>'));
  await t.rejects(
    buildPrimaryCache(job(join(dir, 'broken.pool')), { workerFrom: 0 }),
    { code: 'METADATA_CORRUPT' },
    'malformed metadata',
  );
  t.notOk(existsSync(join(dir, 'broken.pool')), 'nothing left behind');
});
