import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { comparePair, summarize } from '../../src/spec/corpus.js';
import { loadOverlay } from '../../src/spec/overlay.js';
import { rewriteSpec } from '../../src/spec/rewrite.js';
import { projectPath } from '../../src/util/paths.js';

const corpus = projectPath('..', 'shared', 'corpus', 'al2-specs');
const skip = existsSync(corpus) ? false : `no corpus at ${corpus} (../shared is only on developer machines and CI)`;
const macros = [
  '--load',
  projectPath('repo-metadata/macros/lambda2.macros'),
  '--load',
  projectPath('repo-metadata/macros/al2-standins.macros'),
];

t.test('every overlay in specs/ is valid', async (t) => {
  const overlays = readdirSync(projectPath('specs')).filter((f) => f.endsWith('.yaml'));
  t.ok(overlays.length >= 8);
  for (const file of overlays) t.doesNotThrow(() => loadOverlay(projectPath('specs', file)), file);
  for (const needed of ['git', 'openssh', 'curl', 'libssh2', 'libedit', 'expat', 'pcre2']) {
    t.ok(overlays.includes(`${needed}.yaml`), `specs/${needed}.yaml`);
  }
});

t.test(
  'corpus specs rewritten with their overlay parse with rpmspec -P and the project macros',
  { skip },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'yumda-overlay-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const names = readdirSync(projectPath('specs'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .filter((n) => existsSync(join(corpus, 'amzn2', `${n}.spec`)));
    t.ok(names.includes('git') && names.includes('openssh'));
    for (const name of names) {
      const result = rewriteSpec(readFileSync(join(corpus, 'amzn2', `${name}.spec`), 'utf8'), {
        ...shipped,
        overlay: loadOverlay(projectPath('specs', `${name}.yaml`)),
        patchDir: projectPath('patches', name),
        date: new Date('2024-01-01T00:00:00Z'),
      });
      const path = join(dir, `${name}.spec`);
      await writeFile(path, result.text);
      const parsed = await execa('rpmspec', ['-P', ...macros, path], {
        reject: false,
        all: true,
        env: { LC_ALL: 'C' },
      });
      t.equal(parsed.exitCode, 0, `${name}: rpmspec -P ${parsed.exitCode === 0 ? 'ok' : parsed.all}`);
      t.ok(result.packages.length > 0, `${name}: ${result.packages.join(', ')}`);
      const q = await execa('rpmspec', ['-q', ...macros, '--qf', '%{name}\n', path], {
        reject: false,
        env: { LC_ALL: 'C' },
      });
      t.same(
        q.stdout.split('\n').filter(Boolean).sort(),
        [...result.packages].sort(),
        `${name}: rpm sees the same packages`,
      );
    }
  },
);

t.test('the rules reach the targets on the hand ports', { skip }, async (t) => {
  const results = readdirSync(join(corpus, 'lambda2'))
    .filter((f) => f.endsWith('.spec'))
    .map((f) =>
      comparePair(
        f,
        readFileSync(join(corpus, 'amzn2', f), 'utf8'),
        readFileSync(join(corpus, 'lambda2', f), 'utf8'),
        shipped,
      ),
    );
  const s = summarize(results);
  t.comment(
    `recall ${(s.recall * 100).toFixed(1)}%, precision ${(s.precision * 100).toFixed(1)}% over ${s.pairs} pairs`,
  );
  t.ok(s.pairs >= 47);
  t.ok(s.recall >= 0.8, `recall ${s.recall}`);
  t.ok(s.precision >= 0.9, `precision ${s.precision}`);
  t.same(s.prefixCoverage.missing, [], 'every package that survives in the hand port carries Prefix');
  // issue 14's fixed metric (line-weighted, difflib alignment, flags not counted)
  t.comment(
    `issue 14 metric: recall ${(s.mechanical.recall * 100).toFixed(1)}%, precision ${(s.mechanical.precision * 100).toFixed(1)}%`,
  );
  t.ok(s.mechanical.recall >= 0.9, `mechanical recall ${s.mechanical.recall}`);
  t.ok(s.mechanical.precision >= 0.93, `mechanical precision ${s.mechanical.precision}`);
});

t.test(
  'every corpus spec rewritten by the rules alone parses with rpmspec -P and the target macros',
  { skip },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'yumda-rules-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const files = readdirSync(join(corpus, 'amzn2')).filter((f) => f.endsWith('.spec'));
    t.ok(files.length >= 54);
    for (const file of files) {
      const result = rewriteSpec(readFileSync(join(corpus, 'amzn2', file), 'utf8'), {
        ...shipped,
        date: new Date('2024-01-01T00:00:00Z'),
      });
      const path = join(dir, file);
      await writeFile(path, result.text);
      const parsed = await execa('rpmspec', ['-P', ...macros, path], {
        reject: false,
        all: true,
        env: { LC_ALL: 'C' },
      });
      t.equal(parsed.exitCode, 0, `${file}: rpmspec -P ${parsed.exitCode === 0 ? 'ok' : parsed.all}`);
      // the lint lists, per spec, what the rules could not rewrite (each finding on a line of the output)
      const lines = result.text.split('\n').length;
      t.ok(
        result.lint.every((f) => f.line >= 1 && f.line <= lines),
        `${file}: ${result.lint.length} lint finding(s)`,
      );
    }
  },
);
