/**
 * Measures the rewriter against hand ports: for a pair (upstream spec, hand-ported spec) it
 * classifies the upstream lines the hand port changed (paths, prefix, scriptlets, requires, docs,
 * setuid; feature removals and the rest separately) and compares them with what the rewriter
 * changed or flagged. Recall: share of the hand port's relevant changes we also changed or
 * flagged. Precision: share of our changes the hand port also made.
 */
import { diffArrays } from 'diff';
import { evaluateSpec, type TargetOptions } from './evaluate.js';
import { parseFileEntry } from './files.js';
import { parseSpec, type ParsedSpec, subpackageKey } from './parse.js';
import { mechanicalScore, type MechanicalScore } from './metric.js';
import { rewriteSpec, type RewriteOptions } from './rewrite.js';

export const MEASURED = ['paths', 'prefix', 'scriptlets', 'requires', 'docs', 'setuid'] as const;
export type Category = (typeof MEASURED)[number] | 'feature' | 'check' | 'other';

export interface PairResult {
  name: string;
  sameVersion: boolean;
  /** Per category: hand-port changes, and how many of those we also changed or flagged. */
  hand: Record<string, { total: number; matched: number }>;
  /** Our changes: total, also made by the hand port, not made by it (with the rule), neutral. */
  ours: {
    total: number;
    agreed: number;
    neutral: number;
    byRule: Record<string, { total: number; agreed: number }>;
    disagreed: Array<{ rule: string; line: number; text: string }>;
  };
  /** Packages surviving in the hand port, and those of them that carry Prefix in our output. */
  prefix: { expected: string[]; missing: string[] };
  /** Subpackages the hand port dropped, and those we dropped. */
  dropped: { hand: string[]; ours: string[] };
  /** Issue 14's fixed metric (mechanical changes, difflib alignment, our flags not counted). */
  mechanical: MechanicalScore;
  /** Lint findings of our rewrite: what the rules could not rewrite. */
  lint: number;
}

const SYSTEM_PATH_RE =
  /(^|[\s=:"'(])(\$RPM_BUILD_ROOT|\$\{RPM_BUILD_ROOT\}|%\{buildroot\})?\/(usr|etc|var|bin|sbin|lib|lib64)\b|%\{_var\}/;

function packageNames(spec: ParsedSpec, target: TargetOptions): Map<string, string> {
  const evaluated = evaluateSpec(spec, target);
  return new Map(evaluated.packages.map((p) => [p.key, p.name]));
}

function classify(spec: ParsedSpec, index: number, droppedKeys: Set<string>): Category {
  const section = spec.sections[spec.sectionOf[index]!]!;
  const text = spec.lines[index]!.text;
  if (
    section.kind !== 'preamble' &&
    section.kind !== 'changelog' &&
    droppedKeys.has(subpackageKey(section)) &&
    ['package', 'description', 'files', 'script', 'trigger'].includes(section.kind)
  )
    return 'feature';
  if (section.kind === 'check') return 'check';
  if (section.kind === 'script' || section.kind === 'trigger') return 'scriptlets';
  if (/^%\{?\??(ldconfig_scriptlets|systemd_requires|systemd_ordering)/.test(text.trim())) return 'scriptlets';
  const tag = spec.tags.find((t) => t.line === index);
  if (tag && tag.key === 'requires') return tag.qualifier ? 'scriptlets' : 'requires';
  if (tag && tag.key === 'prefix') return 'prefix';
  if (section.kind === 'files') {
    const entry = parseFileEntry(text);
    if (entry?.names.includes('doc')) return 'docs';
    if (
      entry &&
      entry.paths.some((p) =>
        /%\{_mandir\}|%\{_infodir\}|\/usr\/share\/(man|info|doc)|%\{_docdir\}|%\{_pkgdocdir\}/.test(p),
      )
    )
      return 'docs';
    if (
      /%attr\(\s*0?[2-7][0-7]{3}\s*,/.test(text) &&
      /%attr\(\s*0?[2-7]/.test(text) &&
      !/%attr\(\s*0?[01][0-7]{3}/.test(text)
    )
      return 'setuid';
  }
  if (['build', 'install', 'files'].includes(section.kind) && SYSTEM_PATH_RE.test(text)) return 'paths';
  return 'other';
}

export function comparePair(name: string, upstream: string, handPort: string, options: RewriteOptions): PairResult {
  const a = parseSpec(upstream);
  const h = parseSpec(handPort);
  const aNames = packageNames(a, options.target);
  const hNames = new Set(packageNames(h, options.target).values());
  const sameVersion = evaluateSpec(a, options.target).version === evaluateSpec(h, options.target).version;
  const handDropped = new Set([...aNames].filter(([key, n]) => key !== '' && !hNames.has(n)).map(([key]) => key));

  // lines of the upstream spec the hand port removed or changed
  const parts = diffArrays(
    a.lines.map((l) => l.text),
    h.lines.map((l) => l.text),
  );
  const handChanged = new Set<number>();
  let ai = 0;
  let handAddsChangelog = false;
  let handAddsManExclude = false;
  for (const part of parts) {
    if (part.removed) for (let k = 0; k < part.count!; k++) handChanged.add(ai + k);
    else if (part.added) {
      for (const line of part.value) {
        if (/recompiled for AWS Lambda|AWS Lambda/i.test(line)) handAddsChangelog = true;
        if (/%exclude\s+%\{_(mandir|infodir)\}/.test(line)) handAddsManExclude = true;
      }
    }
    if (!part.added) ai += part.count!;
  }

  const result = rewriteSpec(upstream, { date: new Date('2024-01-01T00:00:00Z'), ...options });
  const ourChanged = new Set<number>();
  for (const c of result.changes) if (c.kind !== 'insert') ourChanged.add(c.line - 1);
  const flagged = new Set(result.lint.map((f) => (f.inputLine ?? 0) - 1).filter((i) => i >= 0));

  const hand: PairResult['hand'] = {};
  for (const cat of [...MEASURED, 'feature', 'check', 'other']) hand[cat] = { total: 0, matched: 0 };
  for (const i of handChanged) {
    const cat = classify(a, i, handDropped);
    hand[cat]!.total++;
    if (ourChanged.has(i) || flagged.has(i)) hand[cat]!.matched++;
  }

  // Prefix on every package that survives in the hand port
  const out = parseSpec(result.text);
  const outNames = packageNames(out, options.target);
  const withPrefix = new Set<string>();
  for (const tag of out.tags) {
    if (tag.key !== 'prefix') continue;
    const section = out.sections[tag.section]!;
    const name = outNames.get(section.kind === 'preamble' ? '' : subpackageKey(section));
    if (name) withPrefix.add(name);
  }
  const expected = [...aNames.values()].filter((n) => hNames.has(n));
  const missing = expected.filter((n) => !withPrefix.has(n));
  hand.prefix!.total += expected.length;
  hand.prefix!.matched += expected.length - missing.length;

  // our changes: agreed when the hand port changed the same upstream line
  const ours: PairResult['ours'] = { total: 0, agreed: 0, neutral: 0, byRule: {}, disagreed: [] };
  const count = (rule: string, n: number, agreed: boolean): void => {
    ours.total += n;
    ours.byRule[rule] ??= { total: 0, agreed: 0 };
    ours.byRule[rule].total += n;
    if (agreed) {
      ours.agreed += n;
      ours.byRule[rule].agreed += n;
    }
  };
  const keyOfLine = (line: number): string => {
    const section = a.sections[a.sectionOf[line] ?? 0]!;
    return section.kind === 'preamble' ? '' : subpackageKey(section);
  };
  const seen = new Set<string>();
  for (const c of result.changes) {
    const i = c.line - 1;
    if (c.kind === 'insert') {
      let agreed: boolean | null;
      if (c.rule === 'prefix') agreed = handDropped.has(keyOfLine(i)) ? null : true;
      else if (c.rule === 'changelog') agreed = handAddsChangelog;
      else if (c.rule === 'docs')
        agreed = handAddsManExclude || [...handChanged].some((k) => classify(a, k, handDropped) === 'docs');
      else if (c.rule === 'drop-devel' || c.rule === 'drop-subpackage') agreed = handDropped.size > 0;
      else agreed = false;
      const n = c.after?.length ?? 1;
      if (agreed === null) ours.neutral += n;
      else {
        count(c.rule, n, agreed);
        if (!agreed) ours.disagreed.push({ rule: c.rule, line: c.line, text: (c.after ?? []).join(' / ') });
      }
      continue;
    }
    // one upstream line changed by several rules counts once
    if (seen.has(`${i}`)) continue;
    seen.add(`${i}`);
    count(c.rule, 1, handChanged.has(i));
    if (!handChanged.has(i)) ours.disagreed.push({ rule: c.rule, line: c.line, text: a.lines[i]!.text });
  }

  return {
    name,
    sameVersion,
    hand,
    ours,
    prefix: { expected, missing },
    dropped: { hand: [...handDropped].map((k) => aNames.get(k)!), ours: result.dropped },
    mechanical: mechanicalScore(upstream, handPort, result.text),
    lint: result.lint.length,
  };
}

export interface CorpusSummary {
  pairs: number;
  excluded: string[];
  recall: number;
  /** Precision of the rules, without subpackage removals (feature removals are counted separately). */
  precision: number;
  /** Precision of every change, subpackage removals included. */
  precisionAll: number;
  byRule: Record<string, { total: number; agreed: number }>;
  byCategory: Record<string, { total: number; matched: number }>;
  ours: { total: number; agreed: number; neutral: number };
  prefixCoverage: { expected: number; missing: string[] };
  featureRemovals: {
    handDropped: number;
    weDropped: number;
    both: number;
    handFeatureLines: number;
    matchedFeatureLines: number;
  };
  disagreementsByRule: Record<string, number>;
  /** Issue 14's metric over every pair (hand ports of another upstream version included). */
  mechanical: {
    pairs: number;
    mechanical: number;
    recalled: number;
    changed: number;
    agreed: number;
    recall: number;
    precision: number;
    byKind: Record<string, { mechanical: number; recalled: number }>;
  };
}

export function summarize(results: PairResult[]): CorpusSummary {
  const measured = results.filter((r) => r.sameVersion);
  const byCategory: Record<string, { total: number; matched: number }> = {};
  const ours = { total: 0, agreed: 0, neutral: 0 };
  const byRule: Record<string, { total: number; agreed: number }> = {};
  const missing: string[] = [];
  let expected = 0;
  const disagreementsByRule: Record<string, number> = {};
  const feature = { handDropped: 0, weDropped: 0, both: 0, handFeatureLines: 0, matchedFeatureLines: 0 };
  for (const r of measured) {
    for (const [cat, v] of Object.entries(r.hand)) {
      byCategory[cat] ??= { total: 0, matched: 0 };
      byCategory[cat].total += v.total;
      byCategory[cat].matched += v.matched;
    }
    ours.total += r.ours.total;
    ours.agreed += r.ours.agreed;
    ours.neutral += r.ours.neutral;
    for (const [rule, v] of Object.entries(r.ours.byRule)) {
      byRule[rule] ??= { total: 0, agreed: 0 };
      byRule[rule].total += v.total;
      byRule[rule].agreed += v.agreed;
    }
    for (const d of r.ours.disagreed) disagreementsByRule[d.rule] = (disagreementsByRule[d.rule] ?? 0) + 1;
    expected += r.prefix.expected.length;
    missing.push(...r.prefix.missing.map((m) => `${r.name}: ${m}`));
    feature.handDropped += r.dropped.hand.length;
    feature.weDropped += r.dropped.ours.length;
    feature.both += r.dropped.ours.filter((n) => r.dropped.hand.includes(n)).length;
    feature.handFeatureLines += r.hand.feature!.total;
    feature.matchedFeatureLines += r.hand.feature!.matched;
  }
  let total = 0;
  let matched = 0;
  for (const cat of MEASURED) {
    total += byCategory[cat]?.total ?? 0;
    matched += byCategory[cat]?.matched ?? 0;
  }
  const featureRules = new Set(['drop-devel', 'drop-subpackage']);
  const ruleEntries = Object.entries(byRule).filter(([rule]) => !featureRules.has(rule));
  const ruleTotal = ruleEntries.reduce((n, [, v]) => n + v.total, 0);
  const ruleAgreed = ruleEntries.reduce((n, [, v]) => n + v.agreed, 0);
  const byKind: Record<string, { mechanical: number; recalled: number }> = {};
  const mech = {
    pairs: results.length,
    mechanical: 0,
    recalled: 0,
    changed: 0,
    agreed: 0,
    recall: 1,
    precision: 1,
    byKind,
  };
  for (const r of results) {
    for (const [kind, v] of Object.entries(r.mechanical.byKind)) {
      byKind[kind] ??= { mechanical: 0, recalled: 0 };
      byKind[kind].mechanical += v.mechanical;
      byKind[kind].recalled += v.recalled;
    }
    mech.mechanical += r.mechanical.mechanical;
    mech.recalled += r.mechanical.recalled;
    mech.changed += r.mechanical.changed;
    mech.agreed += r.mechanical.agreed;
  }
  if (mech.mechanical > 0) mech.recall = mech.recalled / mech.mechanical;
  if (mech.changed > 0) mech.precision = mech.agreed / mech.changed;
  return {
    pairs: measured.length,
    excluded: results.filter((r) => !r.sameVersion).map((r) => `${r.name} (hand port is of another upstream version)`),
    recall: total === 0 ? 1 : matched / total,
    precision: ruleTotal === 0 ? 1 : ruleAgreed / ruleTotal,
    precisionAll: ours.total === 0 ? 1 : ours.agreed / ours.total,
    byRule,
    byCategory,
    ours,
    prefixCoverage: { expected, missing },
    featureRemovals: feature,
    disagreementsByRule,
    mechanical: mech,
  };
}
