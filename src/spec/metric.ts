/**
 * The fixed metric of issue 14, by which the rewriter is scored against hand ports: a line of the
 * original spec is a *mechanical* change when the hand port changed or removed it and it is about
 * paths, Prefix, scriptlets, Requires(…), system tools, documentation, set-id modes or %check.
 * Recall: the share of those lines our rewrite also changed or removed. Precision: the share of
 * the original lines our rewrite changed or removed that the hand port also changed or removed.
 * Both are line-weighted (summed over specs); lines are aligned as Python's difflib does.
 */
import { type ParsedSpec, parseSpec } from './parse.js';

/**
 * For every element of `a`, whether it is part of a matching block between `a` and `b`, as
 * difflib.SequenceMatcher(None, a, b).get_matching_blocks() finds them (autojunk heuristic
 * included: in a `b` of 200 items or more, items occurring more than 1% + 1 times are "popular"
 * and cannot start a match, though matches extend over them).
 */
export function matchedLines(a: readonly string[], b: readonly string[]): boolean[] {
  const b2j = new Map<string, number[]>();
  b.forEach((line, j) => {
    const list = b2j.get(line);
    if (list) list.push(j);
    else b2j.set(line, [j]);
  });
  if (b.length >= 200) {
    const ntest = Math.floor(b.length / 100) + 1;
    for (const [line, list] of b2j) if (list.length > ntest) b2j.delete(line);
  }
  const longest = (alo: number, ahi: number, blo: number, bhi: number): [number, number, number] => {
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of b2j.get(a[i]!) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = next;
    }
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return [besti, bestj, bestsize];
  };
  const matched = new Array<boolean>(a.length).fill(false);
  const queue: Array<[number, number, number, number]> = [[0, a.length, 0, b.length]];
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (k === 0) continue;
    for (let x = i; x < i + k; x++) matched[x] = true;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  return matched;
}

const MECHANICAL: RegExp[] = [
  /\/usr\/|\/etc\/|\/var\/|\/bin\/|\/sbin\/|%\{_var\}/,
  /^\s*Prefix\s*:/i,
  /%(pre|post|preun|postun|pretrans|posttrans|trigger[a-z]*)\b/,
  /Requires\(/,
  /systemd|useradd|groupadd|ldconfig|install-info|chkconfig/,
  /%doc\b|%\{?_mandir\b|%\{?_infodir\b/,
  /%attr\(\s*0?[2-7][0-7]{3}\s*,/,
  /%check\b/,
];

/** Is a line of an original spec about what the metric counts as mechanical? */
export function isMechanical(line: string): boolean {
  return MECHANICAL.some((re) => re.test(line));
}

/** The kinds issue 14 counts its misses by. */
export const MECHANICAL_KINDS = [
  'shell-paths',
  'scriptlets',
  'docs',
  'configure-make',
  'files',
  'requires',
  'check',
  'other',
] as const;
export type MechanicalKind = (typeof MECHANICAL_KINDS)[number];

/** Which of issue 14's kinds a mechanical line of an original spec is. */
export function mechanicalKind(spec: ParsedSpec, index: number): MechanicalKind {
  const section = spec.sections[spec.sectionOf[index]!]!;
  const text = spec.lines[index]!.text;
  if (/^\s*Requires\(/i.test(text)) return 'requires';
  if (section.kind === 'script' || section.kind === 'trigger') return 'scriptlets';
  if (/^\s*%\{?\??(ldconfig_scriptlets|systemd_\w+|ldconfig_post\w*)/.test(text)) return 'scriptlets';
  if (section.kind === 'check') return 'check';
  if (/%doc\b|%\{?_mandir\b|%\{?_infodir\b|_licensedir/.test(text)) return 'docs';
  if (section.kind === 'files') return 'files';
  if (['prep', 'build', 'install'].includes(section.kind))
    return /systemd|systemctl|chkconfig/.test(text) ? 'configure-make' : 'shell-paths';
  return 'other';
}

export interface MechanicalScore {
  /** Mechanical lines the hand port changed or removed. */
  mechanical: number;
  /** Of those, the lines our rewrite changed or removed too. */
  recalled: number;
  /** Original lines our rewrite changed or removed. */
  changed: number;
  /** Of those, the lines the hand port changed or removed too. */
  agreed: number;
  /** Original line numbers (1-based) of mechanical changes we missed, and of our changes the hand port did not make. */
  missed: number[];
  extra: number[];
  /** Mechanical lines and recalled ones by kind. */
  byKind: Record<MechanicalKind, { mechanical: number; recalled: number }>;
}

export function mechanicalScore(original: string, handPort: string, ours: string): MechanicalScore {
  const a = original.split('\n');
  const hand = matchedLines(a, handPort.split('\n'));
  const mine = matchedLines(a, ours.split('\n'));
  const spec = parseSpec(original);
  const byKind = Object.fromEntries(MECHANICAL_KINDS.map((k) => [k, { mechanical: 0, recalled: 0 }])) as Record<
    MechanicalKind,
    { mechanical: number; recalled: number }
  >;
  const score: MechanicalScore = { mechanical: 0, recalled: 0, changed: 0, agreed: 0, missed: [], extra: [], byKind };
  for (let i = 0; i < a.length; i++) {
    const handChanged = !hand[i];
    const ourChanged = !mine[i];
    if (handChanged && isMechanical(a[i]!)) {
      score.mechanical++;
      const kind = byKind[mechanicalKind(spec, i)];
      kind.mechanical++;
      if (ourChanged) kind.recalled++;
      if (ourChanged) score.recalled++;
      else score.missed.push(i + 1);
    }
    if (ourChanged) {
      score.changed++;
      if (handChanged) score.agreed++;
      else score.extra.push(i + 1);
    }
  }
  return score;
}
