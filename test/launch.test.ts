/**
 * The `yumda` executable (dist/src/cli/main.js, the package bin): Node's compile cache, a closed
 * pipe, running through npm's bin link, a too-old Node.
 */
import t from 'tap';
import { chmod, copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPath } from '../src/util/paths.js';
import { yumda } from './helpers/cli.js';
import { scratchDir } from './helpers/tmp.js';

const bin = projectPath('dist/src/cli/main.js');

t.test('the bin turns on the compile cache; a cached run gives the same output', async (t) => {
  const dir = await scratchDir(t, 'launch');
  const env = { NODE_COMPILE_CACHE: join(dir, 'cache') };
  const first = await yumda(['spec', 'rules', '--json'], { env });
  t.equal(first.exitCode, 0, first.stderr);
  t.ok((await readdir(join(dir, 'cache'), { recursive: true })).length > 0, 'cache entries written');
  const second = await yumda(['spec', 'rules', '--json'], { env });
  t.equal(second.exitCode, 0, second.stderr);
  t.equal(second.stdout, first.stdout);
  // by default with yumda's other caches, not in $TMPDIR
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const own = await yumda(['spec', 'rules', '--json'], { env: { XDG_CACHE_HOME: join(dir, 'xdg'), TMPDIR: tmp } });
  t.equal(own.exitCode, 0, own.stderr);
  t.ok((await readdir(join(dir, 'xdg', 'yumda', 'compile-cache'))).length > 0, '$XDG_CACHE_HOME/yumda/compile-cache');
  t.same(await readdir(tmp), []);
});

t.test('a module changed in place (same length) runs its new code, not the cached one', async (t) => {
  // the bin beside a stand-in program: the cache of run.js must follow its content
  const dir = await scratchDir(t, 'launch-stale');
  await mkdir(join(dir, 'cli'));
  await mkdir(join(dir, 'util'));
  await copyFile(bin, join(dir, 'cli', 'main.js'));
  await copyFile(projectPath('dist/src/util/paths.js'), join(dir, 'util', 'paths.js'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  const program = (word: string): string =>
    `export async function runCli() { process.stdout.write('${word}'); return 0; }\n`;
  const env = { NODE_COMPILE_CACHE: join(dir, 'cache') };
  await writeFile(join(dir, 'cli', 'run.js'), program('old'));
  t.equal(String((await execa(process.execPath, [join(dir, 'cli', 'main.js')], { env })).stdout), 'old');
  t.equal(
    String((await execa(process.execPath, [join(dir, 'cli', 'main.js')], { env })).stdout),
    'old',
    'from the cache',
  );
  await writeFile(join(dir, 'cli', 'run.js'), program('new'));
  t.equal(String((await execa(process.execPath, [join(dir, 'cli', 'main.js')], { env })).stdout), 'new');
});

t.test('NODE_DISABLE_COMPILE_CACHE=1 writes nothing; an unusable cache directory only costs speed', async (t) => {
  const dir = await scratchDir(t, 'launch-off');
  const off = await yumda(['spec', 'rules'], {
    env: { NODE_COMPILE_CACHE: join(dir, 'cache'), NODE_DISABLE_COMPILE_CACHE: '1' },
  });
  t.equal(off.exitCode, 0, off.stderr);
  t.notOk(existsSync(join(dir, 'cache')), 'no cache directory');
  await writeFile(join(dir, 'not-a-dir'), '');
  const blocked = await yumda(['spec', 'rules'], { env: { NODE_COMPILE_CACHE: join(dir, 'not-a-dir') } });
  t.equal(blocked.exitCode, 0, blocked.stderr);
  t.equal(blocked.stderr, '');
  t.equal(blocked.stdout, off.stdout);
});

t.test('output cut short by a closed pipe ends quietly', async (t) => {
  // `true` exits without reading: yumda's write meets a closed pipe (EPIPE)
  const r = await execa(
    'bash',
    ['-c', `"${process.execPath}" "${bin}" spec rules | true; echo "yumda exit \${PIPESTATUS[0]}" >&2`],
    { reject: false },
  );
  t.equal(r.exitCode, 0);
  t.equal(String(r.stderr), 'yumda exit 0', 'no EPIPE stack trace');
});

t.test('runs as npm installs it: executed directly through a symlink in a bin directory', async (t) => {
  const dir = await scratchDir(t, 'launch-bin');
  await chmod(bin, 0o755); // as npm does to a bin target when it links it
  await symlink(bin, join(dir, 'yumda'));
  const r = await execa(join(dir, 'yumda'), ['spec', 'rules', '--json'], {
    reject: false,
    env: { NODE_COMPILE_CACHE: join(dir, 'cache') },
  });
  t.equal(r.exitCode, 0, String(r.stderr));
  t.ok(JSON.parse(String(r.stdout))['prefix'], 'the program ran');
});

// the machine's own Node, when it is older than the one the suite runs on (Debian's is)
const oldNode = '/usr/bin/node';
const oldVersion = existsSync(oldNode) ? execFileSync(oldNode, ['--version'], { encoding: 'utf8' }).trim() : '';
const oldMajor = Number(/^v(\d+)/.exec(oldVersion)?.[1] ?? 0);

t.test(
  'a Node older than 24 gets one clear line',
  { skip: oldMajor === 0 || oldMajor >= 24 ? `no Node older than 24 at ${oldNode}` : false },
  async (t) => {
    const r = await execa(oldNode, [bin, '--version'], { reject: false });
    t.equal(r.exitCode, 1);
    t.equal(String(r.stderr), `yumda: error: Node ${oldVersion} is too old: yumda needs Node 24 or newer`);
  },
);
