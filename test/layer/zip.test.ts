import t from 'tap';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yazl from 'yazl';
import { zipLayer } from '../../src/layer/zip.js';
import { extractLayerZip } from '../../src/layer/zipread.js';
import { yumda } from '../helpers/cli.js';
import { cleanLayer, link, tempDir, writeText } from './fixtures.js';

const scratch = await tempDir('yumda-zip-test-');
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const layer = join(scratch, 'layer');
await mkdir(layer);
await cleanLayer(layer);
await link(join(layer, 'lib64'), 'lib'); // a directory symlink, like many layouts have
await writeText(join(layer, 'share/hello/private'), 'secret\n', 0o600);
await mkdir(join(layer, 'var/empty'), { recursive: true });

t.test('symlinks come back as symlinks with Debian unzip, modes are kept', async (t) => {
  const zip = join(scratch, 'a.zip');
  const result = await zipLayer(layer, zip);
  t.equal(result.symlinks, 3);
  t.equal(result.files, 6);
  t.same(result.warnings, []);
  const info = String((await execa('zipinfo', [zip], { env: { LC_ALL: 'C' } })).stdout);
  t.match(info, /^lrwxrwxrwx .* lib\/libhello\.so$/m, 'zipinfo shows a link');
  t.match(info, /^lrwxrwxrwx .* lib64$/m);
  t.match(info, /^-rw------- .* share\/hello\/private$/m, 'mode 600 kept');
  t.match(info, /^-rwxr-xr-x .* bin\/hello$/m);
  t.match(info, /^drwx.* var\/empty\/$/m, 'empty directories kept');

  const out = join(scratch, 'unzipped');
  await execa('unzip', ['-q', zip, '-d', out]);
  t.ok((await lstat(join(out, 'lib/libhello.so'))).isSymbolicLink());
  t.equal(await readlink(join(out, 'lib/libhello.so.1')), 'libhello.so.1.0.0');
  t.equal(await readlink(join(out, 'lib64')), 'lib');
  t.equal((await stat(join(out, 'share/hello/private'))).mode & 0o777, 0o600);
  t.same(await readFile(join(out, 'bin/hello')), await readFile(join(layer, 'bin/hello')));
  const run = await execa(join(out, 'bin/hello'), [], { env: { LD_LIBRARY_PATH: join(out, 'lib') }, reject: false });
  t.equal(String(run.stdout), '42', 'the unzipped program runs with the unzipped symlinked library');
});

t.test('entries are in a deterministic order and --reproducible gives the same bytes', async (t) => {
  const a = join(scratch, 'r1.zip');
  const b = join(scratch, 'r2.zip');
  await zipLayer(layer, a, { reproducible: true });
  // change every mtime, then zip again
  await utimes(join(layer, 'bin/hello'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  await utimes(join(layer, 'share/hello/config'), new Date(), new Date());
  await zipLayer(layer, b, { reproducible: true });
  t.same(await readFile(a), await readFile(b), 'byte-identical');
  const names = String((await execa('zipinfo', ['-1', a])).stdout).split('\n');
  t.same(names, [...names].sort(), 'sorted entry names');
  const notReproducible = join(scratch, 'n.zip');
  await zipLayer(layer, notReproducible);
  t.notSame(await readFile(notReproducible), await readFile(a), 'without --reproducible the real mtimes are stored');
});

t.test('the CLI', async (t) => {
  const out = join(scratch, 'cli.zip');
  const [r, inside] = await Promise.all([
    yumda(['zip', layer, '-o', out, '--reproducible', '--json']),
    yumda(['zip', layer, '-o', join(layer, 'x.zip')]),
  ]);
  t.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { symlinks: number; zippedBytes: number; limits: { zippedBytes: number } };
  t.equal(json.symlinks, 3);
  t.equal(json.zippedBytes, (await stat(out)).size);
  t.equal(json.limits.zippedBytes, 50 * 1024 * 1024);
  t.equal(inside.exitCode, 1);
  t.match(inside.stderr, /inside the layer directory/);
});

/** A zip made by yazl from (name, content, options) entries; the bytes, to tamper with. */
async function makeZip(entries: { name: string; data?: Buffer; mode?: number; dir?: boolean }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir) zip.addEmptyDirectory(e.name, { mode: e.mode ?? 0o40755 });
    else zip.addBuffer(e.data ?? Buffer.alloc(0), e.name, { mode: e.mode ?? 0o100644 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Rewrites the uncompressed size that the local and central headers of every entry declare. */
function declareSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = out.readUInt32LE(i);
    if (sig === 0x04034b50) out.writeUInt32LE(size, i + 22);
    else if (sig === 0x02014b50) out.writeUInt32LE(size, i + 24);
  }
  return out;
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    const st = await lstat(join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

t.test('zip bombs: the central directory decides first, then actual sizes are held to it', async (t) => {
  const dir = join(scratch, 'bombs');
  await mkdir(dir, { recursive: true });
  // 20 MB of zeros deflates to ~20 KB
  const zeros = await makeZip([{ name: 'lib/a', data: Buffer.alloc(20 * 1024 * 1024) }]);
  t.ok(zeros.length < 100_000, `the bomb is small (${zeros.length} bytes)`);

  // declared sizes over the limit: refused before anything is written
  const declared = join(dir, 'declared.zip');
  await writeFile(declared, zeros);
  const out1 = join(dir, 'out1');
  await mkdir(out1);
  await t.rejects(extractLayerZip(declared, out1, { maxUnzippedBytes: 10 * 1024 * 1024 }), {
    code: 'ZIP_TOO_LARGE',
    exitCode: 5,
    message: /declare more than 10 MB/,
  });
  t.equal(await du(out1), 0, 'nothing written');

  // sizes that lie (declared 1 KB, really 20 MB): stopped at the declared size
  const lying = join(dir, 'lying.zip');
  await writeFile(lying, declareSize(zeros, 1000));
  const out2 = join(dir, 'out2');
  await mkdir(out2);
  await t.rejects(extractLayerZip(lying, out2), { code: 'ZIP_INVALID' });
  t.ok((await du(out2)) <= 1024 * 1024, `at most a chunk written (${await du(out2)} bytes)`);

  // many entries: refused from the count in the end-of-central-directory record
  const many = join(dir, 'many.zip');
  await writeFile(many, await makeZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}` }))));
  await t.rejects(extractLayerZip(many, join(dir, 'out3'), { maxEntries: 20 }), {
    code: 'ZIP_TOO_LARGE',
    message: /50 entries/,
  });

  // the CLI on a zip declaring 6 GB (the bomb): exit 5 at once, the JSON error object, no scratch left behind
  const huge = join(dir, 'huge.zip');
  const sixGb = Buffer.from(
    declareSize(
      await makeZip(Array.from({ length: 2 }, (_, i) => ({ name: `big${i}`, data: Buffer.alloc(1000) }))),
      3 * 1024 ** 3,
    ),
  );
  await writeFile(huge, sixGb);
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const r = await yumda(['check', huge, '--base', 'none', '--json'], { env: { TMPDIR: tmp } });
  t.equal(r.exitCode, 5, r.stderr);
  t.match(JSON.parse(r.stdout), { error: { code: 'ZIP_TOO_LARGE' } });
  t.match(r.stderr, /declare more than 250 MB unzipped .*nothing was extracted/);
  t.same(
    (await readdir(tmp)).filter((n) => n.startsWith('yumda')),
    [],
    'no scratch directory left in $TMPDIR',
  );
});

t.test('hostile zip structure: clear errors, no write through a symlink, no stack trace', async (t) => {
  const dir = join(scratch, 'hostile');
  await mkdir(dir, { recursive: true });
  const cases: [string, Buffer, RegExp][] = [
    [
      'through-symlink.zip',
      await makeZip([
        { name: 'lnk', data: Buffer.from(dir), mode: 0o120777 },
        { name: 'lnk/planted', data: Buffer.from('x') },
      ]),
      /lnk\/planted lies below lnk, which is a file or a symlink/,
    ],
    [
      'twice.zip',
      await makeZip([
        { name: 'lib/x', data: Buffer.from('1') },
        { name: 'lib/x', data: Buffer.from('2'), mode: 0o120777 },
      ]),
      /lib\/x appears twice/,
    ],
    [
      'backslash.zip',
      declareName(await makeZip([{ name: 'bin/evil', data: Buffer.from('x') }]), 'bin/evil', 'bin\\evil'),
      /bin\\evil has a backslash/,
    ],
  ];
  await Promise.all(cases.map(([name, bytes]) => writeFile(join(dir, name), bytes)));
  const results = await Promise.all(
    cases.map(([name]) => yumda(['check', join(dir, name), '--base', 'none', '--json'])),
  );
  for (const [i, r] of results.entries()) {
    const [name, , message] = cases[i]!;
    t.equal(r.exitCode, 1, `${name}: ${r.stderr}`);
    t.notMatch(r.stderr, /internal error|\n\s+at /, `${name}: no internal error`);
    t.match(r.stderr, message);
    t.match(JSON.parse(r.stdout), { error: { code: 'ZIP_INVALID' } });
  }
  t.notOk(existsSync(join(dir, 'planted')), 'nothing written through the symlink');
});

/** Renames an entry in place (same length) in the local and central headers. */
function declareName(zip: Buffer, from: string, to: string): Buffer {
  const out = Buffer.from(zip);
  const a = Buffer.from(from);
  for (let i = out.indexOf(a); i >= 0; i = out.indexOf(a, i + 1)) out.write(to, i);
  return out;
}

t.test('yumda zip refuses a file name with a backslash (unzip would make it a directory)', async (t) => {
  const dir = join(scratch, 'bs-layer');
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'bin', 'a\\b'), 'x');
  const r = await yumda(['zip', dir, '-o', join(scratch, 'bs.zip'), '--json']);
  t.equal(r.exitCode, 1, r.stderr);
  t.match(r.stderr, /cannot zip .*bin\/a\\b: its name contains a backslash/);
  t.match(JSON.parse(r.stdout), { error: { code: 'ZIP_BAD_FILE_NAME' } });
  t.notOk(existsSync(join(scratch, 'bs.zip')), 'no zip written');
});
