/** The streaming readers: every compression, stream sources, malformed input, repomd.xml parsing. */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import t from 'tap';
import { indexRepository } from '../../src/repodata/index.js';
import { readFilelists, readOther, readPrimary } from '../../src/repodata/reader.js';
import { readRepomd, renderRepomd } from '../../src/repodata/repomd.js';
import { copyInto, repoFixtures, tempDir } from './fixtures.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

t.test('reads gzip, xz, bzip2, zstd and plain metadata, from paths and streams', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('reader');
  await copyInto(dir, rpms);
  await indexRepository(dir);
  const repomd = readRepomd(await readFile(join(dir, 'repodata', 'repomd.xml'), 'utf8'));
  const gz = join(dir, repomd.data.find((d) => d.type === 'primary')!.location);
  const expected = await collect(readPrimary(gz));
  t.equal(expected.length, rpms.length);
  const plain = join(dir, 'primary.xml');
  await writeFile(plain, gunzipSync(await readFile(gz)));
  for (const [tool, ext] of [
    ['xz', 'xz'],
    ['bzip2', 'bz2'],
    ['zstd', 'zst'],
  ] as const) {
    await execa(tool, ['-k', '-q', plain]);
    t.same(await collect(readPrimary(`${plain}.${ext}`)), expected, `${tool}-compressed`);
  }
  t.same(await collect(readPrimary(plain)), expected, 'plain');
  t.same(await collect(readPrimary(createReadStream(gz))), expected, 'a Readable');
  // a stream cut into 7-byte chunks (splits multi-byte UTF-8 characters and tags)
  const bytes = await readFile(plain);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
  t.same(await collect(readPrimary(Readable.from(chunks))), expected, 'tiny chunks');

  const fl = await collect(readFilelists(join(dir, repomd.data.find((d) => d.type === 'filelists')!.location)));
  t.same(
    fl.map((f) => f.pkgId),
    expected.map((p) => p.pkgId),
    'filelists in the same order as primary',
  );
  const other = await collect(readOther(join(dir, repomd.data.find((d) => d.type === 'other')!.location)));
  t.same(
    other.map((o) => o.pkgId),
    expected.map((p) => p.pkgId),
    'other in the same order as primary',
  );
});

t.test('stops early without reading the rest', async (t) => {
  const xml =
    '<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" packages="2">' +
    '<package type="rpm"><name>a</name></package><package type="rpm"><name>b</name></package></metadata>';
  for await (const p of readPrimary(Readable.from([Buffer.from(xml)]))) {
    t.equal(p.name, 'a');
    break;
  }
});

t.test('malformed metadata is a clear error', async (t) => {
  const dir = await tempDir('malformed');
  const broken = join(dir, 'primary.xml');
  await writeFile(
    broken,
    '<metadata><package type="rpm"><name>a</name></package><package><name>b</nam></package></metadata>',
  );
  await t.rejects(collect(readPrimary(broken)), { code: 'METADATA_CORRUPT', message: /primary\.xml: malformed/ });
  const truncatedGz = join(dir, 'filelists.xml.gz');
  const full = (
    await execa('gzip', ['-c'], {
      input:
        '<filelists>' + '<package pkgid="x" name="n" arch="a"><file>/x</file></package>'.repeat(500) + '</filelists>',
      encoding: 'buffer',
    })
  ).stdout;
  await writeFile(truncatedGz, full.subarray(0, full.length - 20));
  await t.rejects(collect(readFilelists(truncatedGz)), { code: 'METADATA_CORRUPT' });
  t.throws(() => readRepomd('<repomd><data type="primary"></data></repomd>'), { code: 'METADATA_CORRUPT' });
  t.throws(() => readRepomd('not xml'), { code: 'METADATA_CORRUPT' });
  t.throws(() => readRepomd('<other/>'), { code: 'METADATA_CORRUPT' });
});

t.test('repomd.xml round trip, including createrepo_c extras', async (t) => {
  const text = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
  <data type="primary_db">
    <checksum type="sha256">aa</checksum>
    <open-checksum type="sha256">bb</open-checksum>
    <location href="repodata/aa-primary.sqlite.bz2"/>
    <timestamp>1700000001</timestamp>
    <size>10</size>
    <open-size>20</open-size>
    <database_version>10</database_version>
  </data>
  <data type="group">
    <checksum type="sha1">cc</checksum>
    <location href="repodata/comps.xml"/>
  </data>
</repomd>`;
  const parsed = readRepomd(text);
  t.equal(parsed.revision, '1700000000');
  t.same(parsed.data[0], {
    type: 'primary_db',
    checksumType: 'sha256',
    checksum: 'aa',
    openChecksumType: 'sha256',
    openChecksum: 'bb',
    location: 'repodata/aa-primary.sqlite.bz2',
    timestamp: 1700000001,
    size: 10,
    openSize: 20,
    databaseVersion: 10,
  });
  t.same(parsed.data[1], {
    type: 'group',
    checksumType: 'sha1',
    checksum: 'cc',
    location: 'repodata/comps.xml',
    openChecksum: null,
    openChecksumType: null,
    size: null,
    openSize: null,
    timestamp: null,
  });
  t.same(readRepomd(renderRepomd(parsed)), parsed, 'render → read is lossless');
});
