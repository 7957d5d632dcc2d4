/**
 * The build sysroot stands in for the -devel packages the rewrite drops: every versioned shared
 * library gets the link name `-lfoo` looks for, so a build links the set's library, not the host's.
 */
import { mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { linkDevelopmentNames } from '../../src/build/sysroot.js';
import { scratchDir } from '../helpers/tmp.js';

t.test('libfoo.so → the soname; existing link names and non-libraries untouched', async (t) => {
  const root = await scratchDir(t, 'sysroot');
  const lib = join(root, 'opt/lib');
  await mkdir(join(lib, 'pkgconfig'), { recursive: true });
  await writeFile(join(lib, 'libedit.so.0.0.70'), '');
  await symlink('libedit.so.0.0.70', join(lib, 'libedit.so.0'));
  await writeFile(join(lib, 'libpcre2-8.so.0.11.2'), '');
  await writeFile(join(lib, 'libbar.so.2'), '');
  await symlink('libbar.so.2', join(lib, 'libbar.so'));
  await writeFile(join(lib, 'libnot-a-lib.a'), '');
  const made = await linkDevelopmentNames(root);
  t.same(made, [join(lib, 'libedit.so'), join(lib, 'libpcre2-8.so')]);
  t.equal(await readlink(join(lib, 'libedit.so')), 'libedit.so.0', 'the soname link, not the full version');
  t.equal(await readlink(join(lib, 'libpcre2-8.so')), 'libpcre2-8.so.0.11.2');
  t.equal(await readlink(join(lib, 'libbar.so')), 'libbar.so.2', 'an existing link name is kept');
  t.same(await linkDevelopmentNames(root), [], 'idempotent');
});
