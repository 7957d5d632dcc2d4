/** --update's view of previous metadata: raw package blocks and the facts compared per package. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { blockPkgId, packageBlocks, primaryBlockFacts } from '../../src/repodata/blocks.js';
import { renderFilelistsPackage, renderPrimaryPackage } from '../../src/repodata/render.js';
import { emptyPackageRecord, type PackageRecord } from '../../src/repodata/types.js';

const PKGID = 'ab'.repeat(32);

function primaryBlock(extra: Partial<PackageRecord> = {}): string {
  return renderPrimaryPackage({
    ...emptyPackageRecord(),
    pkgId: PKGID,
    name: 'demo',
    arch: 'x86_64',
    version: '1.0',
    release: '1',
    summary: 'a <demo> & more',
    description: 'text with "</package>" escaped as text, <package also',
    timeFile: 1700000000,
    sizePackage: 12345,
    locationHref: 'sub/demo-1.0-1.x86_64.rpm',
    ...extra,
  });
}

t.test('facts of a rendered primary block', async (t) => {
  t.same(primaryBlockFacts(primaryBlock()), {
    pkgId: PKGID,
    href: 'sub/demo-1.0-1.x86_64.rpm',
    sizePackage: 12345,
    timeFile: 1700000000,
  });
  const odd = primaryBlockFacts(primaryBlock({ locationHref: 'dir/a&b "ü".rpm' }));
  t.equal(odd?.href, 'dir/a&b "ü".rpm', 'escaped and non-ASCII locations come back as they were');
});

t.test('blocks in another shape give no facts (reuse stops)', async (t) => {
  const block = primaryBlock();
  t.equal(primaryBlockFacts(block.replace('type="sha256"', 'type="sha1"')), undefined, 'other checksum type');
  t.equal(primaryBlockFacts(block.replace(PKGID, 'AB'.repeat(32))), undefined, 'upper-case digest');
  t.equal(primaryBlockFacts(block.replace(PKGID, PKGID.slice(2))), undefined, 'short digest');
  t.equal(
    primaryBlockFacts(block.replace('<location href=', '<location xml:base="http://x/" href=')),
    undefined,
    'location with a base',
  );
  t.equal(primaryBlockFacts(block.replace(/<time file="\d+"/, '<time file="soon"')), undefined, 'time not a number');
  t.equal(primaryBlockFacts(block.replace(/<size package="\d+"/, '<size')), undefined, 'no package size');
});

t.test('pkgid of filelists/other blocks', async (t) => {
  const block = renderFilelistsPackage({
    pkgId: PKGID,
    name: 'demo',
    arch: 'x86_64',
    epoch: 0,
    version: '1.0',
    release: '1',
    files: [],
  });
  t.equal(blockPkgId(block), PKGID);
  t.equal(blockPkgId(block.replace(PKGID, PKGID.slice(1))), undefined);
  t.equal(blockPkgId(' ' + block), undefined);
});

t.test('packageBlocks: every block once, with its newline, across decompressed chunks', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-blocks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // enough blocks (well over one 256 KiB chunk) that some straddle chunk boundaries
  const blocks = Array.from({ length: 3000 }, (_, i) => primaryBlock({ locationHref: `p${i}.rpm`, sizePackage: i }));
  const body = blocks.join('');
  const path = join(dir, 'primary.xml.gz');
  await writeFile(
    path,
    gzipSync(`<?xml version="1.0"?>\n<metadata packages="${blocks.length}">\n${body}</metadata>\n`),
  );
  const seen: string[] = [];
  for await (const batch of packageBlocks(path)) seen.push(...batch);
  t.equal(seen.length, blocks.length);
  t.ok(
    seen.every((b, i) => b === blocks[i]),
    'each block is the text written, newline included',
  );
  t.same(
    seen.slice(0, 3).map((b) => primaryBlockFacts(b)?.href),
    ['p0.rpm', 'p1.rpm', 'p2.rpm'],
  );
});

t.test('packageBlocks: bytes that are not UTF-8 end the blocks with an error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-blocks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'primary.xml.gz');
  const bad = Buffer.concat([
    Buffer.from('<metadata>\n'),
    Buffer.from(primaryBlock().replace('demo', 'de\u0001mo')),
    Buffer.from('</metadata>\n'),
  ]);
  bad[bad.indexOf(0x01)] = 0xff;
  await writeFile(path, gzipSync(bad));
  await t.rejects(async () => {
    for await (const batch of packageBlocks(path)) void batch;
  }, /not UTF-8/);
});
