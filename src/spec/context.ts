/**
 * What every rewrite rule works on (the parsed spec, its evaluation, the editor, what the rules
 * decided so far) and the small helpers the rules share.
 */
import type { SpecEditor } from './edit.js';
import type { EvaluatedSpec } from './evaluate.js';
import type { LintFinding } from './lint.js';
import { splitDependencies } from './files.js';
import { type ParsedSpec, type Section, subpackageKey } from './parse.js';

export interface RuleContext {
  spec: ParsedSpec;
  evaluated: EvaluatedSpec;
  editor: SpecEditor;
  /** Keys (subpackageKey) of packages removed by drop-devel or the overlay. */
  dropped: Set<string>;
  /** Paths the Lambda base has (from the base profile). */
  baseHas: (path: string) => boolean;
  /** Capability names the Lambda base provides. */
  baseProvides: (name: string) => boolean;
  disabled: Set<string>;
  /** %exclude lines to add to the main package's %files, in order. */
  excludes: string[];
  /** `%files -f LIST` files of dropped packages: their entries become %exclude lines too. */
  excludedLists: string[];
  /** Keys of subpackages drop-devel must keep (overlay keepSubpackages). */
  keep: Set<string>;
  /** What the rules could not rewrite or dropped with a consequence (line: 0 until placed). */
  findings: LintFinding[];
}

export function sectionKey(section: Section): string {
  return subpackageKey(section);
}

export function isDropped(ctx: RuleContext, section: Section): boolean {
  return section.kind !== 'preamble' && ctx.dropped.has(sectionKey(section)) && !(section.kind === 'package' && false);
}

export function* sectionLines(ctx: RuleContext, section: Section): Generator<number> {
  for (let i = section.start; i < section.end; i++) {
    if (ctx.editor.isDeleted(i)) continue;
    if (ctx.spec.conditionals.some((c) => c.line === i)) continue;
    yield i;
  }
}

/** Full expanded name of a dependency, without an arch suffix like (x86-64). */
export function depName(ctx: RuleContext, name: string): string {
  return ctx.evaluated.macros
    .expand(name)
    .replace(/\(x86-64\)$|\(aarch-64\)$/, '')
    .trim();
}

/** Rewrites a tag line without the dependencies for which `drop` is true; deletes it when none remain. */
export function filterTagDependencies(
  ctx: RuleContext,
  line: number,
  rule: string,
  drop: (name: string, raw: string) => boolean,
): boolean {
  const text = ctx.editor.text(line);
  const m = /^([A-Za-z]+(?:\([^)]*\))?\s*:\s*)(.*?)(\s*)$/.exec(text);
  if (!m) return false;
  const deps = splitDependencies(m[2]!);
  const keep = deps.filter((d) => !drop(depName(ctx, d.name), d.name));
  if (keep.length === deps.length) return false;
  if (keep.length === 0) ctx.editor.delete(line, rule);
  else
    ctx.editor.replace(line, `${m[1]}${keep.map((d) => d.text).join(m[2]!.includes(',') ? ', ' : ' ')}${m[3]}`, rule);
  return true;
}

export function mainFilesSection(ctx: RuleContext): Section | undefined {
  const files = ctx.spec.sections.filter((s) => s.kind === 'files' && !ctx.dropped.has(sectionKey(s)));
  return files.find((s) => s.subpackage === null) ?? files[0];
}

/** Index after which lines can be appended to a section: its last non-blank line. */
export function lastContentLine(ctx: RuleContext, section: Section): number {
  const from = section.header >= 0 ? section.header : section.start;
  for (let i = section.end - 1; i > from; i--) {
    const t = ctx.spec.lines[i]!.text.trim();
    if (t !== '' && !t.startsWith('#')) return i;
  }
  return from;
}
