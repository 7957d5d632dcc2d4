/**
 * Adversarial review of the install transaction (issue 12): file names the journal must carry
 * (c++, @), a commit that fails half way, kill -9 during recovery itself, a tampered txn/
 * directory, and upgrades that change a path's type. After every attack the layer matches its
 * manifest and nothing outside the layer changed. Packages are built with the real rpmbuild and
 * served over HTTP; crash and failure points come from YUMDA_TEST_CRASH.
 */
import t from 'tap';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { yumda } from '../helpers/cli.js';
import { buildSources, twoRepoLayerFixture, type FixtureSource } from './fixtures.js';

const OUTSIDE = '/tmp/yumda-redteam-outside';

const v1: FixtureSource[] = [
  {
    name: 'rt-names',
    packages: [{ name: 'rt-names', files: { '/opt/share/rt/a': 'a1\n', '/opt/share/rt/old': 'old\n' } }],
  },
  // a file that v2 turns into a directory, a symlink that v2 turns into a directory
  {
    name: 'rt-shape',
    packages: [
      {
        name: 'rt-shape',
        files: { '/opt/share/shape/f': 'file\n', '/opt/share/shape/real/x': 'x\n' },
        symlinks: { '/opt/share/shape/l': 'real' },
      },
    ],
  },
];
const v2: FixtureSource[] = [
  {
    name: 'rt-names',
    version: '2.0',
    packages: [
      {
        name: 'rt-names',
        files: {
          '/opt/share/rt/a': 'a2\n',
          '/opt/include/c++/v2.h': 'h\n',
          '/opt/share/rt/x@y~z': 'odd\n',
          '/opt/share/rt/b': 'b2\n',
        },
      },
    ],
  },
  {
    name: 'rt-shape',
    version: '2.0',
    packages: [
      {
        name: 'rt-shape',
        files: {
          '/opt/share/shape/f/inside': 'now a dir\n',
          '/opt/share/shape/l/inside': 'now a dir too\n',
          '/opt/share/shape/real/x': 'x\n',
        },
      },
    ],
  },
];

const built1 = await buildSources(v1);
const built2 = await buildSources(v2);
const { server2, work, args } = await twoRepoLayerFixture(t, built1, built2, 'redteam', [OUTSIDE]);

/** The outside directory: files named like the journal's backups, so a redirected txn/ would find them. */
function freshOutside(): Record<string, string> {
  rmSync(OUTSIDE, { recursive: true, force: true });
  mkdirSync(join(OUTSIDE, 'backup'), { recursive: true });
  for (let i = 0; i < 8; i++) {
    writeFileSync(join(OUTSIDE, String(i)), `precious ${i}\n`);
    writeFileSync(join(OUTSIDE, 'backup', String(i)), `precious backup ${i}\n`);
  }
  return tree(OUTSIDE, true);
}

/** Files under DIR (not yumda's state) as path → content or link target. */
function tree(dir: string, all = false): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === '.yumda' && !all) continue;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(dir, r))}`;
      else if (st.isDirectory()) {
        out[r + '/'] = 'dir';
        visit(r);
      } else if (st.isFile()) out[r] = readFileSync(join(dir, r), 'utf8');
    }
  };
  visit('');
  return out;
}

function manifestNames(dest: string): string[] {
  const m = JSON.parse(readFileSync(join(dest, '.yumda/installed.json'), 'utf8')) as {
    packages: Array<{ name: string; version: string }>;
  };
  return m.packages.map((p) => `${p.name}-${p.version}`);
}

async function checkCodes(dest: string): Promise<string[]> {
  const r = await yumda(['check', dest, '--base', 'al2', '--json']);
  return (JSON.parse(r.stdout) as { findings: Array<{ code: string }> }).findings
    .map((f) => f.code)
    .filter((c) => c === 'manifest-mismatch' || c === 'interrupted-change');
}

t.test('file names with +, @ and ~ (include/c++) go through the journal', async (t) => {
  const dest = join(work, 'names');
  t.equal((await yumda(['install', 'rt-names', ...args(dest)])).exitCode, 0);
  const r = await yumda(['update', 'rt-names', ...args(dest, server2)]);
  t.equal(r.exitCode, 0, r.stderr);
  t.same(manifestNames(dest), ['rt-names-2.0']);
  t.equal(readFileSync(join(dest, 'include/c++/v2.h'), 'utf8'), 'h\n');
  t.equal(readFileSync(join(dest, 'share/rt/x@y~z'), 'utf8'), 'odd\n');
  t.same(await checkCodes(dest), []);
});

t.test('a commit that fails half way (disk full, I/O error) is undone at once', async (t) => {
  const dest = join(work, 'fail-mid');
  t.equal((await yumda(['install', 'rt-names', ...args(dest)])).exitCode, 0);
  const before = tree(dest);
  for (const point of ['fail:1', 'fail:3', 'fail:5']) {
    const r = await yumda(['update', 'rt-names', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: point } });
    t.not(r.exitCode, 0, `${point}: fails`);
    t.notMatch(r.stderr, /internal error/, `${point}: not reported as a bug`);
    t.same(manifestNames(dest), ['rt-names-1.0']);
    t.same(tree(dest), before, `${point}: the layer is as before`);
    t.same(await checkCodes(dest), [], `${point}: the layer matches its manifest`);
  }
});

t.test('kill -9 during recovery itself: the next recovery finishes the job without losing a file', async (t) => {
  const dest = join(work, 'crash-recovery');
  t.equal((await yumda(['install', 'rt-names', ...args(dest)])).exitCode, 0);
  const before = tree(dest);
  // ops of the upgrade: delete old, mkdir include, mkdir include/c++, then 4 puts: kill before the last
  // of them, then kill the recovery after each of its steps in turn
  for (let k = 1; k <= 6; k++) {
    const r = await yumda(['update', 'rt-names', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: 'ops:6' } });
    t.not(r.exitCode, 0);
    t.ok(existsSync(join(dest, '.yumda/txn')), 'an interrupted change');
    const killed = await yumda(['list', '--installed', '-d', dest], { env: { YUMDA_TEST_CRASH: `recovery:${k}` } });
    t.not(killed.exitCode, 0, `recovery killed after ${k} steps`);
    const list = await yumda(['list', '--installed', '-d', dest]);
    t.equal(list.exitCode, 0, list.stderr);
    t.same(manifestNames(dest), ['rt-names-1.0']);
    t.same(tree(dest), before, `recovery killed after ${k} steps, then run again: every file is the old one`);
  }
});

t.test('a tampered txn/ directory never leads recovery outside the layer', async (t) => {
  const dest = join(work, 'tamper');
  t.equal((await yumda(['install', 'rt-names', ...args(dest)])).exitCode, 0);
  const before = tree(dest);
  const txn = join(dest, '.yumda/txn');

  // txn/backup replaced by a symlink to a directory outside (killed before the first operation:
  // the layer is untouched, the journal names backup/0, backup/1 …)
  let outside = freshOutside();
  t.not(
    (await yumda(['update', 'rt-names', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: 'ops:0' } })).exitCode,
    0,
  );
  rmSync(join(txn, 'backup'), { recursive: true });
  symlinkSync(OUTSIDE, join(txn, 'backup'));
  let r = await yumda(['list', '--installed', '-d', dest]);
  t.not(r.exitCode, 0, 'refused');
  t.match(r.stderr, /symlink/);
  t.same(tree(OUTSIDE, true), outside, 'nothing outside was moved or deleted');
  rmSync(txn, { recursive: true, force: true });

  // txn/ itself a symlink to a directory outside holding a journal
  outside = freshOutside();
  t.not(
    (await yumda(['update', 'rt-names', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: 'ops:0' } })).exitCode,
    0,
  );
  writeFileSync(join(OUTSIDE, 'journal.json'), readFileSync(join(txn, 'journal.json')));
  outside = tree(OUTSIDE, true);
  rmSync(txn, { recursive: true, force: true });
  symlinkSync(OUTSIDE, txn);
  r = await yumda(['list', '--installed', '-d', dest]);
  t.not(r.exitCode, 0, 'refused');
  t.match(r.stderr, /symlink/);
  t.same(tree(OUTSIDE, true), outside, 'nothing outside was moved or deleted');
  rmSync(txn);

  // a journal naming a backup in a subdirectory that is a symlink
  outside = freshOutside();
  t.not(
    (await yumda(['update', 'rt-names', ...args(dest, server2)], { env: { YUMDA_TEST_CRASH: 'ops:1' } })).exitCode,
    0,
  );
  const journal = JSON.parse(readFileSync(join(txn, 'journal.json'), 'utf8')) as {
    ops: Array<{ kind: string; backup?: string }>;
  };
  const del = journal.ops.find((o) => o.kind === 'delete')!;
  renameSync(join(txn, del.backup!), join(work, 'kept-backup'));
  del.backup = 'backup/sub/0';
  symlinkSync(OUTSIDE, join(txn, 'backup/sub'));
  writeFileSync(join(txn, 'journal.json'), JSON.stringify(journal));
  r = await yumda(['list', '--installed', '-d', dest]);
  t.not(r.exitCode, 0, 'refused');
  t.same(tree(OUTSIDE, true), outside, 'nothing outside was moved or deleted');
  rmSync(txn, { recursive: true, force: true });
  renameSync(join(work, 'kept-backup'), join(dest, 'share/rt/old'));
  t.same(tree(dest), before);
});

t.test('upgrades that turn a file or a symlink into a directory', async (t) => {
  const dest = join(work, 'shape');
  t.equal((await yumda(['install', 'rt-shape', ...args(dest)])).exitCode, 0);
  const r = await yumda(['update', 'rt-shape', ...args(dest, server2)]);
  t.equal(r.exitCode, 0, r.stderr);
  t.same(manifestNames(dest), ['rt-shape-2.0']);
  t.equal(readFileSync(join(dest, 'share/shape/f/inside'), 'utf8'), 'now a dir\n');
  t.ok(lstatSync(join(dest, 'share/shape/l')).isDirectory(), 'the symlink became a real directory');
  t.equal(readFileSync(join(dest, 'share/shape/real/x'), 'utf8'), 'x\n');
  t.notOk(existsSync(join(dest, 'share/shape/real/inside')), 'nothing was written through the old symlink');
  t.same(await checkCodes(dest), []);
});
