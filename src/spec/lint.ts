/**
 * Lint: every absolute system path left in build, install, scriptlet and %files sections, outside
 * macros, with its line number and why the rules left it, for a maintainer to judge (a shebang, a
 * substitution's replacement, or a path the rules could not prove belongs to the package). Tools
 * run by their absolute path in a shell body are build-host programs, a substitution's pattern is
 * text of the sources and paths the Lambda base has are where they belong: none is listed.
 */
import { parseSpec } from './parse.js';
import { hereDocument, inCommandPosition, redirectsIntoBuildroot, substitutionRanges, SYSTEM_PATH } from './shell.js';

export interface LintFinding {
  /** 1-based line in the rewritten spec. */
  line: number;
  /** 1-based line in the spec the rules saw, when the line came from it. */
  inputLine: number | null;
  section: string;
  path: string;
  text: string;
  /** Why the rules left the path (or what a dropped scriptlet did), for the maintainer. */
  reason?: string;
}

const LINTED = new Set(['build', 'install', 'files', 'script', 'trigger', 'prep']);
const SHELL = new Set(['build', 'install', 'prep']);

export const LINT_REASONS = {
  files: 'a %files path the rules did not map to a macro',
  replacement:
    'substitution replacement: a path the built program uses at run time (then its macro) or a build-host one? the rules cannot tell',
  interpreter: 'interpreter: left as is; on Lambda it must come from the base, the runtime or a layer (%{_bindir}/…)',
  content: 'text written into a file of the package: a run-time path the base does not have?',
  shell: 'a path on the build host, or one the package uses at run time? the rules cannot tell',
  definition:
    'macro definition: a location of the package (then its macro; the rules map it when the spec only uses it as one) or a tool? the rules cannot tell',
} as const;

/**
 * `baseHas`: paths the Lambda base provides are fine where they are and are not listed.
 */
export function lintSpec(
  text: string,
  origin: Array<number | null> | null,
  baseHas: (path: string) => boolean = () => false,
): LintFinding[] {
  const spec = parseSpec(text);
  const findings: LintFinding[] = [];
  for (const section of spec.sections) {
    if (!LINTED.has(section.kind)) {
      // macro definitions outside the shell bodies: a location the package uses, or a tool?
      if (section.kind !== 'preamble' && section.kind !== 'package') continue;
      for (let i = section.start; i < section.end; i++) {
        const line = spec.lines[i]!.text;
        const def = /^\s*%(?:define|global)\s+([A-Za-z_]\w*)\s/.exec(line);
        if (!def || def[1]!.startsWith('__')) continue;
        for (const m of line.matchAll(SYSTEM_PATH)) {
          if (baseHas(m[0].replace(/\/+$/, '')) || line.slice(0, m.index).includes('%(')) continue;
          findings.push({
            line: i + 1,
            inputLine: origin ? (origin[i] ?? null) : null,
            section: section.keyword || 'preamble',
            path: m[0],
            text: line.trim(),
            reason: LINT_REASONS.definition,
          });
        }
      }
      continue;
    }
    const shell = SHELL.has(section.kind);
    let doc: { delimiter: string; strip: boolean; content: boolean } | null = null;
    const from = section.header >= 0 ? section.header : section.start;
    for (let i = from; i < section.end; i++) {
      const line = spec.lines[i]!.text;
      let inDoc = false;
      if (shell && doc) {
        if ((doc.strip ? line.replace(/^\t+/, '') : line) === doc.delimiter) doc = null;
        inDoc = true;
      }
      if (!inDoc && (/^\s*#(?!!)/.test(line) || /^\s*%(if|elif)\b/.test(line))) continue;
      const ranges = shell && !inDoc && /\b(sed|perl)\b/.test(line) ? substitutionRanges(line) : [];
      for (const m of line.matchAll(SYSTEM_PATH)) {
        if (baseHas(m[0].replace(/\/+$/, ''))) continue;
        let reason: string = section.kind === 'files' ? LINT_REASONS.files : LINT_REASONS.shell;
        if (shell) {
          const part = ranges.find((r) => m.index >= r.start && m.index < r.end);
          if (/#!\s*$/.test(line.slice(0, m.index))) reason = LINT_REASONS.interpreter;
          else if (inDoc && doc?.content !== false) reason = LINT_REASONS.content;
          // a substitution's pattern is text of the sources: only its replacement can be wrong
          else if (part?.part === 'pattern') continue;
          else if (part) reason = LINT_REASONS.replacement;
          else if (i > from && inCommandPosition(line, m.index, spec.continued[i]!)) continue;
        }
        findings.push({
          line: i + 1,
          inputLine: origin ? (origin[i] ?? null) : null,
          section: section.keyword,
          path: m[0],
          text: line.trim(),
          reason,
        });
      }
      if (shell && !inDoc && i > from) {
        const opened = hereDocument(line);
        if (opened) doc = { ...opened, content: redirectsIntoBuildroot(line) >= 0 };
      }
    }
  }
  return findings;
}
