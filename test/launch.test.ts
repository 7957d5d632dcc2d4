/**
 * The `yumda` executable (dist/bin/yumda.cjs): one bundle per command group, run with V8's code
 * cache under $XDG_CACHE_HOME/yumda/v8.
 */
import t from 'tap';
import { copyFile, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REWRITE_AFTER_MS, isHelpOrVersion, shouldWriteCodeCache } from '../src/cli/code-cache.js';
import { commandGroups } from '../src/cli/command-groups.js';
import { projectPath } from '../src/util/paths.js';
import { yumda } from './helpers/cli.js';
import { scratchDir } from './helpers/tmp.js';

const cacheFile = (xdg: string, name: string): string => join(xdg, 'yumda', 'v8', `${name}-${process.version}-${process.arch}.cache`);

t.test('the first successful run of a command writes its code cache, later runs use it unchanged', async (t) => {
  const xdg = await scratchDir(t, 'launch');
  const env = { XDG_CACHE_HOME: xdg };
  const help = await yumda(['spec', 'rules', '--help'], { env });
  t.equal(help.exitCode, 0, help.stderr);
  t.notOk(existsSync(join(xdg, 'yumda', 'v8')), '--help writes no cache (it would hold only the help code)');
  const failed = await yumda(['spec', 'rewrite', join(xdg, 'missing.spec')], { env });
  t.not(failed.exitCode, 0);
  t.notOk(existsSync(join(xdg, 'yumda', 'v8')), 'nor does a failed run');

  const first = await yumda(['spec', 'rules', '--json'], { env });
  t.equal(first.exitCode, 0, first.stderr);
  const file = cacheFile(xdg, 'spec-spec');
  const written = await stat(file);
  t.ok(written.size > 1000, 'a cache of compiled code');
  const second = await yumda(['spec', 'rules', '--json'], { env });
  t.equal(second.stdout, first.stdout, 'same output from cached code');
  const after = await stat(file);
  t.equal(after.mtimeMs, written.mtimeMs, 'V8 accepted the cache, so it was not rewritten');
  t.equal(after.ino, written.ino);
  t.same(await readdir(join(xdg, 'yumda', 'v8')), [`spec-spec-${process.version}-${process.arch}.cache`], 'one cache per command, no temp files left');

  await yumda(['--version'], { env });
  t.ok(existsSync(cacheFile(xdg, 'all')), 'a command line naming no command runs (and caches) the all-commands bundle');
});

t.test('a corrupt or stale cache is rejected by V8 and replaced; the command is unaffected', async (t) => {
  const xdg = await scratchDir(t, 'launch-bad');
  const env = { XDG_CACHE_HOME: xdg };
  const good = await yumda(['spec', 'rules'], { env });
  const file = cacheFile(xdg, 'spec-spec');
  const garbage = Buffer.alloc((await stat(file)).size, 0x5a);
  await writeFile(file, garbage);
  const r = await yumda(['spec', 'rules'], { env });
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.stdout, good.stdout);
  t.notSame(await readFile(file), garbage, 'rewritten');
  const rewritten = await stat(file);
  await yumda(['spec', 'rules'], { env });
  t.equal((await stat(file)).mtimeMs, rewritten.mtimeMs, 'and the new one is accepted');
});

t.test('YUMDA_COMPILE_CACHE=0 writes nothing; an unusable cache directory only costs speed', async (t) => {
  const xdg = await scratchDir(t, 'launch-off');
  const off = await yumda(['spec', 'rules'], { env: { XDG_CACHE_HOME: xdg, YUMDA_COMPILE_CACHE: '0' } });
  t.equal(off.exitCode, 0, off.stderr);
  t.notOk(existsSync(join(xdg, 'yumda')), 'no cache directory');
  await writeFile(join(xdg, 'not-a-dir'), '');
  const blocked = await yumda(['spec', 'rules'], { env: { XDG_CACHE_HOME: join(xdg, 'not-a-dir') } });
  t.equal(blocked.exitCode, 0, blocked.stderr);
  t.equal(blocked.stderr, '');
  t.equal(blocked.stdout, off.stdout);
});

t.test('each group bundle holds its own command modules and no other group\'s', async (t) => {
  const registrations: Record<string, string> = {
    rpm: 'registerRpmCommands', repo: 'registerRepoIndexCommand', client: 'registerClientCommands', check: 'registerCheckCommand',
    zip: 'registerZipCommand', spec: 'registerSpecCommands', source: 'registerSourceCommands', build: 'registerBuildCommands',
    base: 'registerBaseCommands',
  };
  t.same(Object.keys(registrations).sort(), commandGroups.map((g) => g.id).sort(), 'every group is covered here');
  const all = await readFile(projectPath('dist/bin/all.cjs'), 'utf8');
  for (const group of commandGroups) {
    const text = await readFile(projectPath('dist/bin', `${group.id}.cjs`), 'utf8');
    for (const [other, fn] of Object.entries(registrations)) {
      const defined = new RegExp(`function ${fn}\\(`).test(text);
      t.equal(defined, other === group.id, `${group.id}.cjs ${other === group.id ? 'defines' : 'leaves out'} ${fn}`);
    }
  }
  for (const fn of Object.values(registrations)) t.match(all, new RegExp(`function ${fn}\\(`), `all.cjs defines ${fn}`);
});

t.test('no bundle keeps an import() expression (Node 20 drops the dynamic-import callback of code from a code cache)', async (t) => {
  for (const name of [...commandGroups.map((g) => g.id), 'all']) {
    const text = await readFile(projectPath('dist/bin', `${name}.cjs`), 'utf8');
    t.notMatch(text, /\bimport\(\s*["'`]/, `${name}.cjs`);
  }
});

t.test('a launcher without its bundles says how to build them', async (t) => {
  const dir = await scratchDir(t, 'launch-alone');
  await copyFile(projectPath('dist/bin/yumda.cjs'), join(dir, 'yumda.cjs'));
  const { execa } = await import('execa');
  const r = await execa(process.execPath, [join(dir, 'yumda.cjs'), 'rpm', '--help'], { reject: false });
  t.equal(r.exitCode, 1);
  t.match(String(r.stderr), /rpm\.cjs is missing: this checkout is not built \(run npm run build\)/);
});

t.test('output cut short by a closed pipe ends quietly', async (t) => {
  const { execa } = await import('execa');
  // `true` exits without reading: yumda's write meets a closed pipe (EPIPE)
  const r = await execa('bash', ['-c', `"${process.execPath}" "${projectPath('dist/bin/yumda.cjs')}" spec rules | true; echo "yumda exit \${PIPESTATUS[0]}" >&2`], { reject: false });
  t.equal(r.exitCode, 0);
  t.equal(String(r.stderr), 'yumda exit 0', 'no EPIPE stack trace');
});

t.test('runs as npm installs it: executed directly through a symlink in a bin directory', async (t) => {
  const bin = await scratchDir(t, 'launch-bin');
  await symlink(projectPath('dist/bin/yumda.cjs'), join(bin, 'yumda'));
  const { execa } = await import('execa');
  const r = await execa(join(bin, 'yumda'), ['spec', 'rules', '--json'], { reject: false, env: { XDG_CACHE_HOME: bin } });
  t.equal(r.exitCode, 0, String(r.stderr));
  t.ok(JSON.parse(String(r.stdout))['prefix'], 'the spec bundle ran');
});

t.test('when a code cache is written', async (t) => {
  const run = { accepted: false, exitCode: 0, helpOrVersion: false, elapsedMs: 50 };
  t.ok(shouldWriteCodeCache(run), 'none yet (or rejected): the first successful run writes it');
  t.notOk(shouldWriteCodeCache({ ...run, exitCode: 1 }), 'not by a failed run');
  t.notOk(shouldWriteCodeCache({ ...run, helpOrVersion: true }), 'not by --help/--version');
  t.notOk(shouldWriteCodeCache({ ...run, accepted: true }), 'an accepted cache stays for short runs');
  t.ok(shouldWriteCodeCache({ ...run, accepted: true, elapsedMs: REWRITE_AFTER_MS + 1 }), 'a long run rewrites it with what it compiled');
  t.ok(isHelpOrVersion(['install', '--help']));
  t.ok(isHelpOrVersion(['-V']));
  t.notOk(isHelpOrVersion(['install', 'git', '--dry-run']));
});

t.test('child_process (and net, dgram with it) loads only when something spawns', async (t) => {
  const dir = await scratchDir(t, 'launch-lazy');
  const probe = join(dir, 'probe.cjs');
  await writeFile(probe, "process.on('exit', () => process.stderr.write(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).join(',')));\n");
  const { execa } = await import('execa');
  // without tap's NODE_OPTIONS hook (added to every child it spawns), which loads child_process itself
  const r = await execa('env', ['-u', 'NODE_OPTIONS', process.execPath, '--require', probe, projectPath('dist/bin/yumda.cjs'), 'spec', 'rules'], { reject: false, env: { XDG_CACHE_HOME: dir } });
  t.equal(r.exitCode, 0);
  const loaded = String(r.stderr).split(',');
  t.ok(loaded.includes('NativeModule vm'), 'the probe sees the launcher\'s modules');
  t.notOk(loaded.includes('NativeModule child_process'), 'commander requires child_process at load; the bundle defers it');
});
