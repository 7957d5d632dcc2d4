/**
 * Regressions found porting git and openssh for real (issue 11), each on fragments of Amazon
 * Linux 2's own specs (test/fixtures/spec/al2/): the rewritten fragment is built with rpmbuild and
 * the target's macros, so an unpackaged file, a wrong %if branch or an unreadable mode fails here.
 */
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { evaluateSpec } from '../../src/spec/evaluate.js';
import { parseSpec } from '../../src/spec/parse.js';
import { projectPath } from '../../src/util/paths.js';

const macroFiles = [projectPath('repo-metadata/macros/lambda2.macros'), projectPath('repo-metadata/macros/al2-standins.macros')];
const macros = macroFiles.flatMap((f) => ['--load', f]);
const fixture = (name: string): Promise<string> => readFile(projectPath('test/fixtures/spec/al2', name), 'utf8');

t.test('openssh: %if/%else/%endif between continued %configure lines are conditionals, as rpm reads them', async (t) => {
  const text = await fixture('openssh-fragment.spec');
  const spec = parseSpec(text);
  t.same(spec.condStack.at(-1), [], 'the conditional stack closes');
  for (const c of spec.conditionals.filter((c) => c.kind.startsWith('if'))) {
    t.equal(spec.conditionals.find((e) => e.line === c.partners.at(-1))?.kind, 'endif', `${spec.lines[c.line]!.text} is closed`);
  }
  // which options are active must agree with rpmspec -P on the same spec and macros
  const evaluated = evaluateSpec(spec, { macroFiles: await Promise.all(macroFiles.map((f) => readFile(f, 'utf8'))) });
  const dir = await mkdtemp(join(tmpdir(), 'yumda-al2-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'openssh.spec'), text);
  const parsed = await execa('rpmspec', ['-P', ...macros, join(dir, 'openssh.spec')], { env: { LC_ALL: 'C' } });
  const rpmLines = new Set(parsed.stdout.split('\n').map((l) => l.trim()));
  const build = spec.sections.find((s) => s.kind === 'build')!;
  let options = 0;
  for (let i = build.start; i < build.end; i++) {
    const line = spec.lines[i]!.text.trim();
    if (!line.startsWith('--') || line.includes('%')) continue;
    options++;
    t.equal(evaluated.active[i], rpmLines.has(line), `${line}: ${rpmLines.has(line) ? 'active' : 'inactive'} as for rpmspec -P`);
  }
  t.ok(options >= 20);
  t.notOk(rpmLines.has('--without-pam \\'));
  t.notOk(evaluated.active[spec.lines.findIndex((l) => l.text.trim() === '--without-pam \\')]);
});

