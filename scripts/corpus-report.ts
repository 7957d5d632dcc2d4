/**
 * Measures `yumda spec rewrite` against the hand ports of the original yumda project:
 *   npx tsc -p . && node dist/scripts/corpus-report.js [CORPUS_DIR] [--json] [--verbose] [--overlays]
 * CORPUS_DIR (default ../shared/corpus/al2-specs) holds amzn2/NAME.spec and lambda2/NAME.spec.
 * Prints issue 14's fixed metric (mechanical-change recall and precision, line-weighted, difflib
 * alignment; src/spec/metric.ts) and this report's own: recall, precision, per-category numbers,
 * Prefix coverage and feature removals. --verbose lists per spec what each metric missed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lambda2Target } from '../src/config/macros.js';
import { loadProfile } from '../src/config/profile.js';
import { comparePair, summarize, type PairResult } from '../src/spec/corpus.js';
import { overlayPath as overlayFile } from '../src/package-set/specs.js';
import { loadOverlay } from '../src/spec/overlay.js';
import { projectPath } from '../src/util/paths.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const verbose = args.includes('--verbose');
const withOverlays = args.includes('--overlays');
const dir = resolve(args.find((a) => !a.startsWith('--')) ?? projectPath('..', 'shared', 'corpus', 'al2-specs'));
if (!existsSync(join(dir, 'amzn2')) || !existsSync(join(dir, 'lambda2'))) {
  process.stderr.write(`corpus-report: no corpus at ${dir} (expected amzn2/ and lambda2/)\n`);
  process.exit(2);
}

const results: PairResult[] = [];
const shippedBase = loadProfile('al2');
for (const file of readdirSync(join(dir, 'lambda2'))
  .filter((f) => f.endsWith('.spec'))
  .sort()) {
  const upstreamPath = join(dir, 'amzn2', file);
  if (!existsSync(upstreamPath)) continue;
  const name = file.replace(/\.spec$/, '');
  const overlayPath = overlayFile(projectPath('specs'), name);
  const options = {
    base: shippedBase,
    target: lambda2Target(),
    ...(withOverlays && existsSync(overlayPath) ? { overlay: loadOverlay(overlayPath) } : {}),
  };
  results.push(
    comparePair(name, readFileSync(upstreamPath, 'utf8'), readFileSync(join(dir, 'lambda2', file), 'utf8'), options),
  );
}
const summary = summarize(results);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
if (json) {
  process.stdout.write(JSON.stringify({ summary, pairs: verbose ? results : undefined }, null, 2) + '\n');
} else {
  const out: string[] = [];
  out.push(
    `corpus: ${dir} (${summary.pairs} pairs measured${withOverlays ? ', with specs/*.yaml overlays' : ', rules only'})`,
  );
  for (const e of summary.excluded) out.push(`  excluded: ${e}`);
  const m = summary.mechanical;
  out.push(`issue 14 metric (${m.pairs} pairs, mechanical changes, difflib alignment, flags not counted):`);
  out.push(
    `  recall    ${pct(m.recall)}  (${m.recalled}/${m.mechanical} mechanical hand-port changes we also changed or removed)`,
  );
  out.push(
    `  precision ${pct(m.precision)}  (${m.agreed}/${m.changed} of the original lines we changed or removed, the hand port did too)`,
  );
  out.push(
    `  by kind (mechanical hand-port changes: recalled/total): ${Object.entries(m.byKind)
      .filter(([, v]) => v.mechanical > 0)
      .map(([k, v]) => `${k} ${v.recalled}/${v.mechanical}`)
      .join(', ')}`,
  );
  out.push(
    `this report's metric (${summary.pairs} pairs of the same upstream version, flagged lines count as matched):`,
  );
  out.push(
    `recall    ${pct(summary.recall)}  (hand-port changes to paths, Prefix, scriptlets, requires, docs, setuid that we also changed or flagged)`,
  );
  out.push(
    `precision ${pct(summary.precision)}  (of our changed lines outside subpackage removals, the share the hand port also changed)`,
  );
  out.push(
    `          ${pct(summary.precisionAll)}  with subpackage removals (${summary.ours.agreed}/${summary.ours.total}; ${summary.ours.neutral} neutral: Prefix on subpackages the hand port dropped)`,
  );
  out.push('our changes by rule (agreed/total):');
  for (const [rule, v] of Object.entries(summary.byRule))
    out.push(`  ${rule.padEnd(16)} ${String(v.agreed).padStart(5)}/${v.total}`);
  out.push('by category (hand-port changed lines: matched/total):');
  for (const [cat, v] of Object.entries(summary.byCategory))
    out.push(
      `  ${cat.padEnd(10)} ${String(v.matched).padStart(5)}/${String(v.total).padEnd(5)} ${v.total ? pct(v.matched / v.total) : ''}`,
    );
  out.push(
    `Prefix: ${summary.prefixCoverage.expected - summary.prefixCoverage.missing.length}/${summary.prefixCoverage.expected} surviving (sub)packages carry Prefix${summary.prefixCoverage.missing.length ? ' — missing: ' + summary.prefixCoverage.missing.join(', ') : ''}`,
  );
  const f = summary.featureRemovals;
  out.push(
    `feature removals (overlay territory, not in recall): hand port dropped ${f.handDropped} subpackages, we dropped ${f.weDropped} (${f.both} the same); ${f.matchedFeatureLines}/${f.handFeatureLines} of those lines matched`,
  );
  if (verbose) {
    for (const r of results) {
      const t = Object.values(r.hand)
        .slice(0, 6)
        .reduce((s, v) => s + v.total, 0);
      const m = Object.values(r.hand)
        .slice(0, 6)
        .reduce((s, v) => s + v.matched, 0);
      const k = r.mechanical;
      out.push(
        `${r.name}: recall ${m}/${t}, precision ${r.ours.agreed}/${r.ours.total}; issue 14 metric: recall ${k.recalled}/${k.mechanical}, precision ${k.agreed}/${k.changed}; ${r.lint} lint findings`,
      );
      for (const d of r.ours.disagreed) out.push(`    + [${d.rule}] ${d.line}: ${d.text}`);
      const upstream = readFileSync(join(dir, 'amzn2', `${r.name}.spec`), 'utf8').split('\n');
      for (const line of k.missed) out.push(`    missed ${line}: ${upstream[line - 1]}`);
      for (const line of k.extra) out.push(`    extra  ${line}: ${upstream[line - 1]}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}
