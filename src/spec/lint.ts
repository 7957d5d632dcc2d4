/**
 * Lint: every absolute system path left in build, install, scriptlet and %files sections, outside
 * macros, with its line number, for a maintainer to judge (a shebang, a tool, or a path the rules
 * could not prove belongs to the package).
 */
import { parseSpec } from './parse.js';

export interface LintFinding {
  /** 1-based line in the rewritten spec. */
  line: number;
  /** 1-based line in the spec the rules saw, when the line came from it. */
  inputLine: number | null;
  section: string;
  path: string;
  text: string;
}

const SYSTEM_PATH =
  /(?<![\w}%$/.:@-])\/(?:usr|etc|var|bin|sbin|lib|lib64|srv|run|boot)(?=$|[/\s"'*;)|&:,`])[^\s"'`;|&)<>,]*/g;
const LINTED = new Set(['build', 'install', 'files', 'script', 'trigger', 'prep']);

export function lintSpec(text: string, origin: Array<number | null> | null): LintFinding[] {
  const spec = parseSpec(text);
  const findings: LintFinding[] = [];
  for (const section of spec.sections) {
    if (!LINTED.has(section.kind)) continue;
    const from = section.header >= 0 ? section.header : section.start;
    for (let i = from; i < section.end; i++) {
      const line = spec.lines[i]!.text;
      if (/^\s*#(?!!)/.test(line)) continue;
      for (const m of line.matchAll(SYSTEM_PATH)) {
        findings.push({
          line: i + 1,
          inputLine: origin ? (origin[i] ?? null) : null,
          section: section.keyword,
          path: m[0],
          text: line.trim(),
        });
      }
    }
  }
  return findings;
}
