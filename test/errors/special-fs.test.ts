/**
 * Targets on kernel file systems (proc, sysfs, devtmpfs, cgroup…) are refused before any work:
 * `-d /proc/x` and `rpm extract X /proc/x` used to hang forever at 90% CPU (Node's recursive mkdir
 * loops there). Each command must answer at once with exit 2 and one clear line.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { yumda } from '../helpers/cli.js';
import { scratchDir } from '../helpers/tmp.js';
import { specialFileSystem } from '../../src/util/special-fs.js';
import { buildPackage } from '../publish/repo-fixture.js';

t.test('the CLI refuses targets on proc, sysfs and devtmpfs at once', async (t) => {
  const dir = await scratchDir(t, 'special-fs');
  const rpm = await buildPackage({ name: 'alpha' });
  await mkdir(join(dir, 'layer'));
  const bogusRepo = ['--repo', `file://${join(dir, 'no-repo')}`, '--base', 'none'];
  const cases: [string[], string, RegExp][] = [
    [['install', 'alpha', '-d', '/proc/yumda-x', ...bogusRepo], '/proc/yumda-x', /proc file system/],
    [['update', '-d', '/proc/1/yumda-x', ...bogusRepo], '/proc/1/yumda-x', /proc file system/],
    [['remove', 'alpha', '-d', '/sys/yumda-x'], '/sys/yumda-x', /sysfs file system/],
    [
      ['install', 'alpha', '-d', join(dir, 'layer2'), ...bogusRepo, '--cache-dir', '/proc/yumda-c'],
      '/proc/yumda-c',
      /proc file system/,
    ],
    [['rpm', 'extract', rpm, '/proc/yumda-x'], '/proc/yumda-x', /proc file system/],
    [['repo', 'publish', dir, '/proc/yumda-x'], '/proc/yumda-x', /proc file system/],
    [['repo', 'index', '/sys/kernel/yumda-x'], '/sys/kernel/yumda-x', /sysfs file system/],
    [['zip', join(dir, 'layer'), '-o', '/proc/yumda-x.zip'], '/proc/yumda-x.zip', /proc file system/],
  ];
  if (specialFileSystem('/dev/yumda-x')?.type === 'devtmpfs')
    cases.push([['install', 'alpha', '-d', '/dev/yumda-x', ...bogusRepo], '/dev/yumda-x', /devtmpfs file system/]);
  // a hang would hit the per-test timeout; each answer is immediate
  const results = await Promise.all(cases.map(([args]) => yumda([...args, '--json'])));
  for (const [i, r] of results.entries()) {
    const [args, path, type] = cases[i]!;
    t.equal(r.exitCode, 2, `${args.slice(0, 2).join(' ')}: ${r.stderr}`);
    t.match(r.stderr, new RegExp(`^yumda: error: .*${path.replace(/[.]/g, '\\.')}.* is on a ${type.source}`, 'm'));
    t.match(JSON.parse(r.stdout), { error: { code: 'SPECIAL_FILE_SYSTEM' } });
  }
  t.notOk(existsSync('/proc/yumda-x'));
});

t.test('ordinary directories pass', async (t) => {
  const dir = await scratchDir(t, 'special-fs-ok');
  t.equal(specialFileSystem(dir), undefined, 'a temporary directory');
  t.equal(specialFileSystem(join(dir, 'not/yet/there')), undefined, 'a path still to be created');
  t.equal(specialFileSystem(process.cwd()), undefined, 'the checkout');
  t.match(specialFileSystem('/proc/self'), { type: 'proc' });
});
