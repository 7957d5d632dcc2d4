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

t.test('every top-level command answers --help', async (t) => {
  const { buildProgram } = await import('../src/cli/program.js');
  const names = buildProgram().commands.map((c) => c.name());
  t.ok(names.length >= 10, names.join(' '));
  for (const name of names) {
    const r = await yumda([name, '--help']);
    t.equal(r.exitCode, 0, name);
    t.match(r.stdout, new RegExp(`^Usage: yumda ${name}[ |]`), name);
  }
});

t.test('the bin runs with node, and says so to a shell that executes it', async (t) => {
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
