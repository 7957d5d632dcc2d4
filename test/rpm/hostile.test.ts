/**
 * Hostile and broken input: every case is a clear YumdaError and nothing is written outside the
 * destination. Crafted RPMs come from ./craft.ts; truncations and flips start from real fixtures.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractPackage } from '../../src/rpm/extract.js';
import { readRpmHeaders } from '../../src/rpm/header.js';
import { readRpmInfo } from '../../src/rpm/package.js';
import { ExitCode, YumdaError } from '../../src/util/errors.js';
import { craftRpm, type CraftOptions } from './craft.js';
import { helloRpms } from './fixtures.js';

const sandbox = await mkdtemp(join(tmpdir(), 'yumda-hostile-'));
t.teardown(() => rm(sandbox, { recursive: true, force: true }));
let counter = 0;

async function write(bytes: Buffer): Promise<string> {
  const p = join(sandbox, `case-${counter++}.rpm`);
  await writeFile(p, bytes);
  return p;
}

async function craft(o: CraftOptions): Promise<string> {
  return write(craftRpm(o));
}

/** A fresh destination inside its own box, plus a sibling "outside" directory an escape would hit. */
async function box(): Promise<{ dest: string; outside: string; root: string }> {
  const root = join(sandbox, `box-${counter++}`);
  await mkdir(join(root, 'outside'), { recursive: true });
  return { dest: join(root, 'dest'), outside: join(root, 'outside'), root };
}

const REG = 0o100644;
const DIR = 0o040755;
const LNK = 0o120777;

t.test('truncated files fail with RPM_TRUNCATED-style errors, never anything else', async (t) => {
  const [rpm] = (await helloRpms()).rpms;
  const bytes = await readFile(rpm!);
  const headers = await readRpmHeaders(rpm!);
  for (const length of [
    0,
    10,
    95,
    100,
    120,
    headers.headerStart + 5,
    headers.headerEnd - 1,
    headers.headerEnd + 10,
    bytes.length - 1,
  ]) {
    const p = await write(bytes.subarray(0, length));
    const info = readRpmInfo(p);
    await t.rejects(info, YumdaError, `readRpmInfo on ${length} bytes`);
    const err = (await info.catch((e: unknown) => e)) as YumdaError;
    t.match(err.message, /truncated|too short/, `message for ${length} bytes: ${err.message}`);
    const { dest } = await box();
    await t.rejects(extractPackage(p, dest), YumdaError, `extract on ${length} bytes`);
  }
});

t.test('wrong magic in the lead or the header', async (t) => {
  const [rpm] = (await helloRpms()).rpms;
  const bytes = await readFile(rpm!);
  const lead = Buffer.from(bytes);
  lead[0] = 0x00;
  await t.rejects(readRpmInfo(await write(lead)), { code: 'RPM_BAD_MAGIC', message: /not an RPM/ });
  const headers = await readRpmHeaders(rpm!);
  const hdr = Buffer.from(bytes);
  hdr[headers.headerStart + 1] = 0x00;
  await t.rejects(readRpmInfo(await write(hdr)), { code: 'RPM_BAD_MAGIC', message: /bad header magic/ });
  await t.rejects(
    readRpmInfo(
      await write(
        Buffer.from(
          '#!/bin/sh\necho this is not an rpm at all, but long enough to fill a lead.......................................\n',
        ),
      ),
    ),
    { code: 'RPM_BAD_MAGIC' },
  );
});

t.test('a header index entry pointing outside the data store', async (t) => {
  const bytes = craftRpm({ files: [{ path: '/opt/a', mode: REG, content: 'a' }], digests: false });
  const headers = await readRpmHeaders(await write(bytes));
  const patch = (field: number, value: number): Buffer => {
    const b = Buffer.from(bytes);
    b.writeUInt32BE(value, headers.headerStart + 16 + field); // first index entry: tag, type, offset, count
    return b;
  };
  await t.rejects(readRpmInfo(await write(patch(8, 0x7fff0000))), {
    code: 'RPM_BAD_HEADER',
    message: /points outside the header data/,
  });
  await t.rejects(readRpmInfo(await write(patch(12, 0x00ffffff))), {
    code: 'RPM_BAD_HEADER',
    message: /implausible count/,
  });
  await t.rejects(readRpmInfo(await write(patch(4, 42))), { code: 'RPM_BAD_HEADER', message: /unknown type/ });
  const hugeIndex = Buffer.from(bytes);
  hugeIndex.writeUInt32BE(0x00ffffff, headers.headerStart + 8);
  await t.rejects(readRpmInfo(await write(hugeIndex)), { code: 'RPM_BAD_HEADER', message: /implausible index count/ });
  // with digests present, a tampered header is caught by the SHA256 digest
  const signed = craftRpm({ files: [{ path: '/opt/a', mode: REG, content: 'a' }] });
  const signedHeaders = await readRpmHeaders(await write(signed));
  const tampered = Buffer.from(signed);
  tampered[signedHeaders.headerEnd - 2] = tampered[signedHeaders.headerEnd - 2]! ^ 0x01;
  await t.rejects(readRpmInfo(await write(tampered)), { code: 'RPM_DIGEST_MISMATCH', exitCode: ExitCode.integrity });
});

t.test('a corrupted payload fails the payload digest before anything is written', async (t) => {
  const [rpm] = (await helloRpms()).rpms;
  const bytes = Buffer.from(await readFile(rpm!));
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
  const p = await write(bytes);
  await readRpmInfo(p); // the header is intact
  const { dest } = await box();
  await t.rejects(extractPackage(p, dest), { code: 'RPM_DIGEST_MISMATCH', exitCode: ExitCode.integrity });
  t.same(existsSync(dest) ? await readdir(dest) : [], [], 'nothing extracted');
  // without verification the broken gzip stream itself is reported
  await t.rejects(extractPackage(p, (await box()).dest, { verify: false }), YumdaError);
});

t.test('a declared compressor that does not match the payload magic', async (t) => {
  const p = await craft({ files: [{ path: '/opt/a', mode: REG, content: 'a' }], compressor: 'xz' });
  await t.rejects(extractPackage(p, (await box()).dest), {
    code: 'RPM_BAD_PAYLOAD',
    message: /declared xz but its first bytes look like gzip/,
  });
});

t.test('../ in a header path is refused before anything is written', async (t) => {
  const { dest, root } = await box();
  const p = await craft({
    files: [
      { path: '/opt/fine', mode: REG, content: 'fine' },
      { path: '/opt/../../escaped', mode: REG, content: 'evil' },
    ],
  });
  await t.rejects(extractPackage(p, dest), { code: 'RPM_UNSAFE_PATH', message: /escapes the destination/ });
  t.notOk(existsSync(join(root, 'escaped')));
  t.notOk(existsSync(join(dest, 'opt', 'fine')), 'refused before writing anything');
});

t.test('../ in a payload name that the header does not list is refused', async (t) => {
  const { dest, root } = await box();
  const p = await craft({
    files: [{ path: '/opt/a', mode: REG, content: 'a' }],
    payload: [{ name: './../../escaped', mode: REG, data: Buffer.from('evil') }],
  });
  await t.rejects(extractPackage(p, dest), {
    name: 'YumdaError',
    message: /escapes the destination|not in the header/,
  });
  t.notOk(existsSync(join(root, 'escaped')));
});

t.test('an absolute symlink then a file through it', async (t) => {
  const { dest, outside } = await box();
  const p = await craft({
    files: [
      { path: '/opt/link', mode: LNK, linkto: outside },
      { path: '/opt/link/evil', mode: REG, content: 'evil' },
    ],
  });
  await t.rejects(extractPackage(p, dest), {
    code: 'RPM_UNSAFE_PATH',
    message: /symlink to .*outside the destination/,
  });
  t.same(await readdir(outside), [], 'nothing written through the symlink');
});

t.test('a relative symlink climbing out, then a file through it', async (t) => {
  const { dest, outside } = await box();
  const p = await craft({
    files: [
      { path: '/opt/link', mode: LNK, linkto: '../../outside' },
      { path: '/opt/link/evil', mode: REG, content: 'evil' },
    ],
  });
  await t.rejects(extractPackage(p, dest), { code: 'RPM_UNSAFE_PATH' });
  t.same(await readdir(outside), []);
});

t.test('a symlink already in the destination is not followed out', async (t) => {
  const { dest, outside } = await box();
  await mkdir(join(dest, 'opt'), { recursive: true });
  await symlink(outside, join(dest, 'opt', 'lib'));
  const p = await craft({ files: [{ path: '/opt/lib/evil', mode: REG, content: 'evil' }] });
  await t.rejects(extractPackage(p, dest), { code: 'RPM_UNSAFE_PATH', message: /outside the destination/ });
  t.same(await readdir(outside), []);
  // a leaf symlink is replaced, not written through
  await writeFile(join(outside, 'target'), 'untouched');
  await symlink(join(outside, 'target'), join(dest, 'opt', 'file'));
  await extractPackage(await craft({ files: [{ path: '/opt/file', mode: REG, content: 'new' }] }), dest);
  t.equal(await readFile(join(outside, 'target'), 'utf8'), 'untouched');
  t.equal(await readFile(join(dest, 'opt', 'file'), 'utf8'), 'new');
  // a symlink to a directory inside the destination is fine to write through
  await mkdir(join(dest, 'opt', 'real'));
  await symlink('real', join(dest, 'opt', 'alias'));
  await extractPackage(await craft({ files: [{ path: '/opt/alias/ok', mode: REG, content: 'ok' }] }), dest);
  t.equal(await readFile(join(dest, 'opt', 'real', 'ok'), 'utf8'), 'ok');
});

t.test('payload entries must match the header', async (t) => {
  const cases: [string, CraftOptions, RegExp][] = [
    [
      'unknown entry',
      {
        files: [{ path: '/opt/a', mode: REG, content: 'a' }],
        payload: [{ name: './opt/b', mode: REG, data: Buffer.from('b') }],
      },
      /not in the header/,
    ],
    [
      'size mismatch',
      {
        files: [{ path: '/opt/a', mode: REG, content: 'a' }],
        payload: [{ name: './opt/a', mode: REG, data: Buffer.from('abc') }],
      },
      /3 bytes in the payload but 1/,
    ],
    [
      'type mismatch',
      {
        files: [{ path: '/opt/a', mode: REG, content: 'a' }],
        payload: [{ name: './opt/a', mode: DIR, data: Buffer.alloc(0) }],
      },
      /different file type/,
    ],
    [
      'duplicate',
      {
        files: [{ path: '/opt/a', mode: REG, content: 'a' }],
        payload: [
          { name: './opt/a', mode: REG, data: Buffer.from('a') },
          { name: './opt/a', mode: REG, data: Buffer.from('a') },
        ],
      },
      /twice/,
    ],
    [
      'symlink target mismatch',
      {
        files: [{ path: '/opt/l', mode: LNK, linkto: 'x' }],
        payload: [{ name: './opt/l', mode: LNK, data: Buffer.from('/etc') }],
      },
      /points to "\/etc" in the payload but "x"/,
    ],
    [
      'content digest',
      {
        files: [{ path: '/opt/a', mode: REG, content: 'a' }],
        payload: [{ name: './opt/a', mode: REG, data: Buffer.from('b') }],
      },
      /digest mismatch for \/opt\/a/,
    ],
  ];
  for (const [name, o, message] of cases) {
    await t.rejects(extractPackage(await craft(o), (await box()).dest), { name: 'YumdaError', message }, name);
  }
  // the cpio trailer (110-byte header + "TRAILER!!!\0", padded: 124 bytes) cut off
  const noTrailer = await craft({
    files: [{ path: '/opt/a', mode: REG, content: 'a' }],
    compress: (b) => gzipSync(b.subarray(0, b.length - 124)),
  });
  await t.rejects(extractPackage(noTrailer, (await box()).dest), {
    code: 'RPM_TRUNCATED',
    message: /ends before the cpio trailer/,
  });
});

t.test('LONGFILESIZES: stripped 07070X payload extracts; 64-bit sizes are read exactly', async (t) => {
  const content = 'a'.repeat(70000);
  const p = await craft({
    stripped: true,
    files: [
      { path: '/opt/dir', mode: DIR },
      { path: '/opt/dir/big', mode: REG, content },
      { path: '/opt/dir/link', mode: LNK, linkto: 'big' },
      { path: '/opt/dir/empty', mode: REG, content: '' },
    ],
  });
  const info = await readRpmInfo(p);
  t.same(
    info.files.map((f) => f.size),
    [4096, 70000, 3, 0],
  );
  const { dest } = await box();
  const written: string[] = [];
  await extractPackage(p, dest, { stripPrefix: '/opt', onFile: (e) => written.push(`${e.type}:${e.path}`) });
  t.equal(await readFile(join(dest, 'dir', 'big'), 'utf8'), content);
  t.equal(await readFile(join(dest, 'dir', 'empty'), 'utf8'), '');
  t.same(written, ['dir:dir', 'file:dir/big', 'symlink:dir/link', 'file:dir/empty']);
  // header-only: a 5 GiB file is reported exactly (the payload is never read)
  const huge = await craft({ files: [{ path: '/opt/huge', mode: REG, content: 'x' }], longSizes: [5 * 1024 ** 3] });
  const hugeInfo = await readRpmInfo(huge);
  t.equal(hugeInfo.files[0]!.size, 5368709120);
  t.equal(hugeInfo.size, 1, 'LONGSIZE read as INT64');
  const { stdout } = await execa('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '[%{LONGFILESIZES}\n]', huge]);
  t.equal(stdout.trim(), '5368709120', 'rpm reads the crafted LONGFILESIZES the same way');
});
