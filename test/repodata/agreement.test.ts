/**
 * Our metadata against createrepo_c's for the same RPMs (both parsed with our reader, compared
 * record by record, field by field), and repomd.xml checksums verified against the files.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import t from 'tap';
import { indexRepository } from '../../src/repodata/index.js';
import { readFilelists, readOther, readPrimary } from '../../src/repodata/reader.js';
import { readRepomd } from '../../src/repodata/repomd.js';
import { copyInto, repoFixtures, tempDir } from './fixtures.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

interface Parsed {
  primary: Awaited<ReturnType<typeof collect<import('../../src/repodata/types.js').PackageRecord>>>;
  filelists: import('../../src/repodata/types.js').FilelistsRecord[];
  other: import('../../src/repodata/types.js').OtherRecord[];
}

async function parseRepo(root: string): Promise<Parsed> {
  const repomd = readRepomd(await readFile(join(root, 'repodata', 'repomd.xml'), 'utf8'));
  const loc = (type: string): string => join(root, repomd.data.find((d) => d.type === type)!.location);
  return {
    primary: await collect(readPrimary(loc('primary'))),
    filelists: await collect(readFilelists(loc('filelists'))),
    other: await collect(readOther(loc('other'))),
  };
}

const byKey = <T>(records: T[], key: (r: T) => string): Map<string, T> => new Map(records.map((r) => [key(r), r]));

t.test('primary, filelists and other agree with createrepo_c', async (t) => {
  const { rpms, srpms } = await repoFixtures();
  const dir = await tempDir('agree');
  await copyInto(dir, rpms, 'RPMS');
  await copyInto(dir, srpms, 'SRPMS');
  const result = await indexRepository(dir, { workers: 2 });
  t.same(
    result.repositories.map((r) => [r.dir, r.kind, r.packages]),
    [
      [join(dir, 'RPMS'), 'binary', rpms.length],
      [join(dir, 'SRPMS'), 'source', srpms.length],
    ],
  );

  for (const sub of ['RPMS', 'SRPMS']) {
    const reference = join(dir, `createrepo-${sub}`);
    await mkdir(reference);
    await execa('createrepo_c', ['--quiet', '--no-database', '-o', reference, join(dir, sub)]);
    const ours = await parseRepo(join(dir, sub));
    const theirs = await parseRepo(reference);
    t.equal(ours.primary.length, theirs.primary.length, `${sub}: same package count`);
    const theirPrimary = byKey(theirs.primary, (p) => p.locationHref);
    for (const p of ours.primary) {
      const ref = theirPrimary.get(p.locationHref);
      if (!ref) {
        t.fail(`${sub}: createrepo_c has no ${p.locationHref}`);
        continue;
      }
      // field by field, so a failure names the field
      for (const field of Object.keys(ref) as (keyof typeof ref)[]) {
        t.same(p[field], ref[field], `${sub} ${p.locationHref}: primary ${field}`);
      }
      t.same(Object.keys(p).sort(), Object.keys(ref).sort(), `${sub} ${p.locationHref}: same primary fields`);
      if (sub === 'SRPMS') t.equal(p.arch, 'src');
    }
    const theirFiles = byKey(theirs.filelists, (f) => f.pkgId);
    t.equal(ours.filelists.length, theirs.filelists.length);
    for (const f of ours.filelists) t.same(f, theirFiles.get(f.pkgId), `${sub} ${f.name}.${f.arch}: filelists`);
    const theirOther = byKey(theirs.other, (o) => o.pkgId);
    t.equal(ours.other.length, theirs.other.length);
    for (const o of ours.other) t.same(o, theirOther.get(o.pkgId), `${sub} ${o.name}.${o.arch}: other (changelog)`);
  }

  // the rich fixture really exercises the rules being compared
  const rich = (await parseRepo(join(dir, 'RPMS'))).primary.find((p) => p.name === 'repo-rich')!;
  t.ok(
    rich.requires.some((r) => r.pre),
    'has a pre="1" requirement',
  );
  t.notOk(
    rich.requires.some((r) => r.name.startsWith('rpmlib(')),
    'no rpmlib() requirements',
  );
  t.equal(rich.requires.filter((r) => r.name.startsWith('libc.so.6')).length, 1, 'one libc.so.6 requirement');
  t.same(
    rich.primaryFiles.map((f) => f.path),
    ['/opt/bin/rich', '/opt/bin/rich-link', '/opt/sbin/richd'],
  );
  const richOther = (await parseRepo(join(dir, 'RPMS'))).other.find((o) => o.name === 'repo-rich')!;
  t.equal(richOther.changelog.length, 10, 'changelog limited to 10');
});

t.test('repomd.xml checksums and sizes verify', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('repomd');
  await copyInto(dir, rpms);
  await indexRepository(dir, { revision: 'r-test' });
  const repomd = readRepomd(await readFile(join(dir, 'repodata', 'repomd.xml'), 'utf8'));
  t.equal(repomd.revision, 'r-test');
  t.same(
    repomd.data.map((d) => d.type),
    ['primary', 'filelists', 'other'],
  );
  for (const d of repomd.data) {
    const bytes = await readFile(join(dir, d.location));
    t.equal(createHash('sha256').update(bytes).digest('hex'), d.checksum, `${d.type}: checksum`);
    t.equal(bytes.length, d.size, `${d.type}: size`);
    const open = gunzipSync(bytes);
    t.equal(createHash('sha256').update(open).digest('hex'), d.openChecksum, `${d.type}: open-checksum`);
    t.equal(open.length, d.openSize, `${d.type}: open-size`);
    t.match(d.location, new RegExp(`^repodata/${d.checksum}-${d.type}\\.xml\\.gz$`), `${d.type}: checksum-named`);
    t.ok(d.timestamp! > 1_600_000_000, `${d.type}: timestamp`);
  }
});
