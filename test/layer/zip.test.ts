import t from 'tap';
import { execa } from 'execa';
import { lstat, mkdir, readFile, readlink, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { zipLayer } from '../../src/layer/zip.js';
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
