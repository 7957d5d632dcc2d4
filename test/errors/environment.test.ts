/**
 * Failures of the machine (full disk, read-only file system, a file where a directory is needed,
 * no permission) are the user's to fix: every command reports them on one line naming the path and
 * the cause, prints the JSON error object under --json, and exits 6 — never "internal error".
 * Real file systems: tmpfs mounts (a small one for a full disk, a read-only one), so this needs root.
 */
import t, { type Test } from 'tap';
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { yumda, yumdaBin } from '../helpers/cli.js';
import { scratchDir } from '../helpers/tmp.js';
import { environmentError, diagnoseMkdir } from '../../src/util/system-errors.js';
import { ExitCode } from '../../src/util/errors.js';
import { buildSources, makeRepo } from '../install/fixtures.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root to mount tmpfs file systems';

async function mountTmpfs(t: Test, dir: string, options: { size: string; readOnly?: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await execa('mount', ['-t', 'tmpfs', '-o', `size=${options.size}${options.readOnly ? ',ro' : ''}`, 'tmpfs', dir]);
  t.teardown(() => execa('umount', ['-l', dir], { reject: false }));
}

/** Fills a tmpfs until fewer than `leave` bytes are free. */
async function fill(dir: string, leave: number): Promise<void> {
  const { stdout } = await execa('df', ['-B1', '--output=avail', dir]);
  const avail = Number(String(stdout).trim().split('\n').pop());
  if (avail > leave) await writeFile(join(dir, 'filler'), Buffer.alloc(avail - leave));
}

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One error line (plus an optional hint), no "internal error", the JSON error object when asked. */
function assertUserError(
  t: Test,
  r: Outcome,
  expect: { code: string; path: string; cause: RegExp; json?: boolean },
): void {
  t.equal(r.exitCode, ExitCode.environment, `exit 6: ${r.stderr}`);
  t.notMatch(r.stderr, /internal error|report it as a bug|\n\s+at /, 'no internal error, no stack trace');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('yumda: error:'));
  t.equal(errors.length, 1, 'one error line');
  t.ok(errors[0]?.includes(expect.path), `names ${expect.path}: ${errors[0]}`);
  t.match(errors[0], expect.cause);
  if (expect.json) {
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string | null } };
    t.equal(doc.error.code, expect.code, 'the JSON error object carries the code');
    t.ok(doc.error.message.includes(expect.path));
  }
}

const scratch = await scratchDir(t, 'environment');
let repo: string;
let cache: string;

t.before(async () => {
  if (!isRoot) return;
  // one small package and one whose ~300 KB of random data cannot be compressed
  const rpms = await buildSources([
    { name: 'envsmall', packages: [{ name: 'envsmall', files: { '/opt/share/envsmall/a': 'small\n' } }] },
    {
      name: 'envbig',
      packages: [
        {
          name: 'envbig',
          extraFiles: ['/opt/share/envbig'],
          install: [
            'mkdir -p %{buildroot}/opt/share/envbig',
            'head -c 300000 /dev/urandom > %{buildroot}/opt/share/envbig/blob',
          ],
        },
      ],
    },
  ]);
  repo = await makeRepo(rpms, 'environment');
  cache = join(scratch, 'cache');
});

const installArgs = (dest: string, ...names: string[]): string[] => [
  'install',
  ...names,
  '-d',
  dest,
  '--repo',
  `file://${repo}`,
  '--base',
  'none',
  '--cache-dir',
  cache,
  '--no-check',
];

t.test('a read-only file system', { skip }, async (t) => {
  const ro = join(scratch, 'ro');
  await mountTmpfs(t, ro, { size: '1m', readOnly: true });
  const layer = join(scratch, 'layer-ok');
  await mkdir(layer, { recursive: true });
  await writeFile(join(layer, 'hello'), 'hi\n');
  const [install, installJson, zip, publish, cacheRo] = await Promise.all([
    yumda(installArgs(join(ro, 'layer'), 'envsmall')),
    yumda([...installArgs(join(ro, 'layer'), 'envsmall'), '--json']),
    yumda(['zip', layer, '-o', join(ro, 'layer.zip'), '--json']),
    yumda(['repo', 'publish', repo, `file://${join(ro, 'pub')}`, '--json']),
    yumda(installArgs(join(scratch, 'layer-cache-ro'), 'envsmall').map((a) => (a === cache ? join(ro, 'cache') : a))),
  ]);
  // Node's recursive mkdir says ENOENT here: the cause is found again
  assertUserError(t, install, {
    code: 'READ_ONLY_FILE_SYSTEM',
    path: join(ro, 'layer'),
    cause: /read-only file system \(EROFS\)/,
  });
  assertUserError(t, installJson, {
    code: 'READ_ONLY_FILE_SYSTEM',
    path: join(ro, 'layer'),
    cause: /EROFS/,
    json: true,
  });
  assertUserError(t, zip, {
    code: 'READ_ONLY_FILE_SYSTEM',
    path: join(ro, 'layer.zip'),
    cause: /read-only/,
    json: true,
  });
  assertUserError(t, publish, { code: 'READ_ONLY_FILE_SYSTEM', path: join(ro, 'pub'), cause: /read-only/, json: true });
  assertUserError(t, cacheRo, { code: 'READ_ONLY_FILE_SYSTEM', path: join(ro, 'cache'), cause: /read-only/ });

  // repo index in a repository directory that became read-only
  const roRepo = join(scratch, 'ro-repo');
  await mountTmpfs(t, roRepo, { size: '4m' });
  await cp(join(repo, 'Packages'), join(roRepo, 'Packages'), { recursive: true });
  await execa('mount', ['-o', 'remount,ro', roRepo]);
  const index = await yumda(['repo', 'index', roRepo, '--json']);
  assertUserError(t, index, { code: 'READ_ONLY_FILE_SYSTEM', path: roRepo, cause: /read-only/, json: true });
});

t.test('a full disk', { skip }, async (t) => {
  const full = join(scratch, 'full');
  await mountTmpfs(t, full, { size: '1m' });
  await fill(full, 64 * 1024);
  const layer = join(scratch, 'layer-big');
  await mkdir(layer, { recursive: true });
  await writeFile(join(layer, 'blob'), randomBytes(200_000));
  const [install, zip, publish, cacheFull] = await Promise.all([
    yumda([...installArgs(join(full, 'layer'), 'envbig'), '--json']),
    yumda(['zip', layer, '-o', join(full, 'layer.zip'), '--json']),
    yumda(['repo', 'publish', repo, `file://${join(full, 'pub')}`]),
    yumda(installArgs(join(scratch, 'layer-cache-full'), 'envbig').map((a) => (a === cache ? join(full, 'cache') : a))),
  ]);
  for (const [r, path] of [
    [install, join(full, 'layer')],
    [zip, join(full, 'layer.zip')],
    [publish, join(full, 'pub')],
    [cacheFull, join(full, 'cache')],
  ] as const) {
    t.equal(r.exitCode, ExitCode.environment, `exit 6: ${r.stderr}`);
    t.notMatch(r.stderr, /internal error|unreachable|\n\s+at /);
    t.match(r.stderr, /no space left on the device \(ENOSPC\)/);
    t.equal(r.stderr.split('\n').filter((l) => l.startsWith('yumda: error:')).length, 1, 'one error line');
    t.ok(r.stderr.includes(path), `names a path under ${path}: ${r.stderr}`);
  }
  t.match(JSON.parse(zip.stdout), { error: { code: 'DISK_FULL' } });
  t.match(JSON.parse(install.stdout), { error: { code: 'DISK_FULL' } });
  t.ok(zip.stderr.includes(join(full, 'layer.zip')), 'zip names its output');
});

t.test('-d naming a file; a file in the way of a directory', { skip }, async (t) => {
  const file = join(scratch, 'a-file');
  await writeFile(file, 'x');
  const layer = join(scratch, 'layer-small');
  await mkdir(layer, { recursive: true });
  const [install, zip] = await Promise.all([
    yumda([...installArgs(file, 'envsmall'), '--json']),
    yumda(['zip', layer, '-o', join(file, 'out.zip')]),
  ]);
  // install checks its layer itself (LAYER_NOT_DIR); any clear one-line error naming the path will do
  t.ok([1, 2, 6].includes(install.exitCode), `install: ${install.stderr}`);
  t.notMatch(install.stderr, /internal error|\n\s+at /);
  t.match(install.stderr, new RegExp(`^yumda: error: .*${file}.*not a directory`, 'm'));
  t.match(JSON.parse(install.stdout), { error: { code: /NOT_A_DIR|NOT_DIR/ } });
  assertUserError(t, zip, { code: 'NOT_A_DIRECTORY', path: file, cause: /ENOTDIR/ });
});

t.test('permission denied: yumda zip of an unreadable file, run as an ordinary user', { skip }, async (t) => {
  const dir = join(scratch, 'perm');
  const layer = join(dir, 'layer');
  await mkdir(join(layer, 'bin'), { recursive: true });
  await writeFile(join(layer, 'bin/ok'), 'ok\n');
  await writeFile(join(layer, 'bin/secret'), 'secret\n', { mode: 0o600 });
  await mkdir(join(layer, 'private'), { mode: 0o700 });
  await writeFile(join(layer, 'private/x'), 'x\n');
  await chmod(scratch, 0o755);
  await chmod(dir, 0o777);
  const asNobody = (args: string[]) =>
    // env -i: not the test runner's NODE_OPTIONS, whose hooks write where nobody may not
    execa(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        'env',
        '-i',
        `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`,
        process.execPath,
        yumdaBin,
        ...args,
      ],
      {
        reject: false,
      },
    );
  const r = await asNobody(['zip', layer, '-o', join(dir, 'out.zip'), '--json']);
  const out = { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
  assertUserError(t, out, {
    code: 'PERMISSION_DENIED',
    path: join(layer, 'private'),
    cause: /permission denied \(EACCES\)/,
    json: true,
  });
  await chmod(join(layer, 'private'), 0o755);
  const r2 = await asNobody(['zip', layer, '-o', join(dir, 'out.zip')]);
  assertUserError(
    t,
    { exitCode: r2.exitCode ?? 1, stdout: String(r2.stdout), stderr: String(r2.stderr) },
    { code: 'PERMISSION_DENIED', path: join(layer, 'bin/secret'), cause: /EACCES/ },
  );
});

t.test('errors that cannot be made here are mapped the same way (EDQUOT, EMFILE)', async (t) => {
  const sys = (code: string, syscall: string, path?: string): Error =>
    Object.assign(new Error(`${code}: x`), { code, syscall, ...(path ? { path } : {}) });
  t.match(environmentError(sys('EDQUOT', 'write'), { fallbackPath: '/l/x.zip' }), {
    code: 'QUOTA_EXCEEDED',
    exitCode: 6,
    message: 'cannot write /l/x.zip: disk quota exceeded (EDQUOT)',
  });
  t.match(environmentError(sys('EMFILE', 'open', '/l/a')), {
    code: 'TOO_MANY_OPEN_FILES',
    exitCode: 6,
    message: /cannot open \/l\/a: too many open files/,
  });
  t.equal(environmentError(new Error('plain bug')), undefined, 'a plain Error stays an internal error');
  t.equal(environmentError(sys('EWHATEVER', 'open', '/x')), undefined, 'an unknown errno stays an internal error');
  t.match(
    environmentError(new Error('wrapped', { cause: sys('ENOSPC', 'write') })),
    { code: 'DISK_FULL' },
    'found in the cause chain',
  );
  t.equal(
    diagnoseMkdir(join(scratch, 'no/such/dir'))?.errno ?? 'none',
    'none',
    'nothing to say when the ancestor is writable',
  );
});
