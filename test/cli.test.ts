import t from 'tap';
import { yumda } from './helpers/cli.js';

t.test('--version prints the package version', async (t) => {
  const r = await yumda(['--version']);
  t.equal(r.exitCode, 0);
  t.match(r.stdout, /^\d+\.\d+\.\d+/);
});

t.test('--help lists examples and exit codes', async (t) => {
  const r = await yumda(['--help']);
  t.equal(r.exitCode, 0);
  t.match(r.stdout, /Exit codes/);
});

t.test('an unknown command is a usage error (exit 2)', async (t) => {
  const r = await yumda(['frobnicate']);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /yumda: error/);
});

t.test('each command group names exactly the commands it registers (the start-up fast path relies on it)', async (t) => {
  const { Command } = await import('commander');
  const { registerGroup, programFor } = await import('../src/cli/program.js');
  const { commandGroups } = await import('../src/cli/command-groups.js');
  const seen = new Set<string>();
  for (const group of commandGroups) {
    const program = new Command();
    await registerGroup[group.id](program);
    const registered = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    t.same([...registered].sort(), [...group.names].sort(), `group ${group.names[0]}`);
    for (const name of registered) {
      t.notOk(seen.has(name), `${name} is registered by one group only`);
      seen.add(name);
    }
  }
  const single = await programFor(['--debug', 'repo', 'index', 'x']);
  t.same(single.commands.map((c) => c.name()), ['repo'], 'a command line naming repo loads only the repo group');
});

t.test('a command from every group answers --help through the fast path', async (t) => {
  for (const args of [['rpm', 'info', '--help'], ['repo', 'index', '--help'], ['install', '--help'], ['check', '--help'], ['zip', '--help'], ['spec', 'rewrite', '--help'], ['outdated', '--help'], ['plan', '--help']]) {
    const r = await yumda(args);
    t.equal(r.exitCode, 0, args.join(' '));
    t.match(r.stdout, /^Usage: yumda /, args.join(' '));
  }
});

t.test('the unbundled entry runs with node, and says so to a shell that executes it', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { execa } = await import('execa');
  const { projectPath } = await import('../src/util/paths.js');
  const entry = projectPath('dist/src/cli/main.js');
  // without a #! line, a shell that executes the file (npm makes bin targets executable) reads it as shell script
  t.match(readFileSync(entry, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const r = await execa(process.execPath, [entry, '--version'], { reject: false });
  t.equal(r.exitCode, 0);
  t.match(String(r.stdout), /^\d+\.\d+\.\d+/);
});
