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
