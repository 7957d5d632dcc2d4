import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { yumda } from '../helpers/cli.js';
import { projectPath } from '../../src/util/paths.js';

const fixture = projectPath('test/fixtures/spec/porting.spec');

t.test('yumda spec rewrite -o --report', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-cli-spec-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'out.spec');
  const r = await yumda(['spec', 'rewrite', fixture, '-o', out, '--report', '--date', '2024-01-01']);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(await readFile(out, 'utf8'), /Prefix: %\{_prefix\}/);
  t.match(r.stdout, /porting\.spec: porting 1\.2-3\.lambda2/);
  t.match(r.stdout, /prefix\s+2/);
  t.match(r.stdout, /lint: \d+ absolute path/);
});

t.test('yumda spec rewrite --json and stdout', async (t) => {
  const j = await yumda(['spec', 'rewrite', fixture, '--json', '--date', '2024-01-01']);
  t.equal(j.exitCode, 0, j.stderr);
  const doc = JSON.parse(j.stdout) as { name: string; counts: Record<string, number>; text: string; lint: unknown[] };
  t.equal(doc.name, 'porting');
  t.ok(doc.counts.prefix === 2 && doc.text.includes('%changelog'));
  const plain = await yumda(['spec', 'rewrite', fixture, '--date', '2024-01-01']);
  t.equal(plain.stdout + '\n', doc.text, 'stdout is the spec (execa strips the final newline)');
});

t.test('errors are one clear line', async (t) => {
  const missing = await yumda(['spec', 'rewrite', '/nonexistent.spec']);
  t.equal(missing.exitCode, 2);
  t.match(missing.stderr, /no such spec file: \/nonexistent\.spec/);
  const dir = await mkdtemp(join(tmpdir(), 'yumda-cli-spec-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const overlay = join(dir, 'porting.yaml');
  await writeFile(overlay, 'replace: [{ find: "gone upstream", with: "x" }]\n');
  const failed = await yumda(['spec', 'rewrite', fixture, '--overlay', overlay]);
  t.equal(failed.exitCode, 1);
  t.match(failed.stderr, /overlay porting: replace\[0\] \("gone upstream"\): no longer matches the spec/);
  const rule = await yumda(['spec', 'rewrite', fixture, '--disable', 'nope']);
  t.equal(rule.exitCode, 2);
  t.match(rule.stderr, /unknown rule\(s\): nope/);
  const rules = await yumda(['spec', 'rules']);
  t.match(rules.stdout, /^prefix\s+add "Prefix: %\{_prefix\}"/m);
});
