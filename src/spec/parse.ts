/**
 * A lossless parser for RPM spec files. Every physical line is kept with its exact text and line
 * ending, so `printSpec(parseSpec(text)) === text` for any input. On top of the lines it records
 * the structure rules need: sections (preamble, %package, %description, build sections, scriptlets,
 * triggers, %files, %changelog), preamble tags, %define/%global, conditionals and continuations.
 */

export interface SpecLine {
  /** 1-based line number in the text that was parsed. */
  no: number;
  /** The line without its line ending (a trailing "\r" of CRLF files stays part of eol). */
  text: string;
  /** "\n", "\r\n" or "" (last line without newline). */
  eol: string;
}

export type SectionKind =
  | 'preamble'
  | 'package'
  | 'description'
  | 'prep'
  | 'build'
  | 'install'
  | 'check'
  | 'clean'
  | 'script'
  | 'trigger'
  | 'files'
  | 'changelog'
  | 'other';

export interface Section {
  kind: SectionKind;
  /** The header keyword without "%" ("post", "files", …); "" for the preamble. */
  keyword: string;
  /** Index (0-based) of the header line in `lines`; -1 for the preamble. */
  header: number;
  /** First body line index (header + 1, or 0 for the preamble). */
  start: number;
  /** One past the last line index of the section. */
  end: number;
  /** The raw text after the keyword on the header line. */
  args: string;
  /** The (sub)package the section belongs to, as written: null means the main package. */
  subpackage: { name: string; full: boolean } | null;
  /** -p PROGRAM of a scriptlet. */
  program?: string;
  /** -f FILE of a %files section. */
  fileList?: string;
  /** Trigger condition after "--". */
  triggerOn?: string;
}

export interface Tag {
  /** Line index of the tag. */
  line: number;
  /** Tag name as written ("BuildRequires", "Source0", …). */
  name: string;
  /** Lower-cased name without number (source, patch, requires, …) for matching. */
  key: string;
  /** Qualifier in parentheses, e.g. "post" in Requires(post). */
  qualifier: string | null;
  value: string;
  /** Index into `sections` of the preamble/%package section holding the tag. */
  section: number;
}

export interface MacroDefinition {
  line: number;
  /** Last line index of the (possibly continued) definition. */
  lastLine: number;
  directive: 'define' | 'global';
  name: string;
  /** Parameter spec for parametric macros, e.g. "n:" in %define foo(n:). */
  params: string | null;
  body: string;
}

/**
 * "macroif"/"macroend": a conditional macro block spanning lines, `%{?with_x:` … `}` (or `%{!?x:`),
 * used by some specs to wrap whole subpackages; it behaves like %if/%endif.
 */
export type ConditionalKind =
  | 'if'
  | 'ifarch'
  | 'ifnarch'
  | 'ifos'
  | 'ifnos'
  | 'elif'
  | 'elifarch'
  | 'elifos'
  | 'else'
  | 'endif'
  | 'macroif'
  | 'macroend';

export interface Conditional {
  line: number;
  kind: ConditionalKind;
  /** The expression / arch list after the directive. */
  expr: string;
  /** For if*: the matching else/elif and endif line indices; for else/endif: the opening %if line. */
  opener: number;
  partners: number[];
}

export interface ParsedSpec {
  lines: SpecLine[];
  sections: Section[];
  tags: Tag[];
  defines: MacroDefinition[];
  conditionals: Conditional[];
  /** For every line, the stack of opening %if line indices it is nested in (outermost first). */
  condStack: number[][];
  /** For every line, the index of the section it belongs to. */
  sectionOf: number[];
  /** True when the line continues the previous line (the previous line ends with a backslash). */
  continued: boolean[];
}

const SECTION_KINDS: Record<string, SectionKind> = {
  package: 'package',
  description: 'description',
  prep: 'prep',
  build: 'build',
  install: 'install',
  check: 'check',
  clean: 'clean',
  conf: 'build',
  generate_buildrequires: 'build',
  pre: 'script',
  post: 'script',
  preun: 'script',
  postun: 'script',
  pretrans: 'script',
  posttrans: 'script',
  preuntrans: 'script',
  postuntrans: 'script',
  verifyscript: 'script',
  triggerprein: 'trigger',
  triggerin: 'trigger',
  triggerun: 'trigger',
  triggerpostun: 'trigger',
  filetriggerin: 'trigger',
  filetriggerun: 'trigger',
  filetriggerpostun: 'trigger',
  transfiletriggerin: 'trigger',
  transfiletriggerun: 'trigger',
  transfiletriggerpostun: 'trigger',
  files: 'files',
  changelog: 'changelog',
  sepolicy: 'other',
  patchlist: 'other',
  sourcelist: 'other',
};

export const SCRIPTLET_KEYWORDS = Object.keys(SECTION_KINDS).filter(
  (k) => SECTION_KINDS[k] === 'script' || SECTION_KINDS[k] === 'trigger',
);

const SECTION_RE = /^%([a-z_]+)(?=\s|$)(.*)$/;
const CONDITIONAL_RE = /^\s*%(if|ifarch|ifnarch|ifos|ifnos|elif|elifarch|elifos|else|endif)(?=\s|$)(.*)$/;
const MACRO_BLOCK_RE = /^\s*%\{(!?\?[A-Za-z_][A-Za-z0-9_]*):\s*$/;
const TAG_RE = /^([A-Za-z][A-Za-z0-9]*)(?:\(([^)]*)\))?\s*:\s*(.*?)\s*$/;
const DEFINE_RE = /^\s*%(define|global)\s+([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?(?:\s+([\s\S]*))?$/;

/** Splits text into lines keeping each line ending. */
export function splitLines(text: string): SpecLine[] {
  const lines: SpecLine[] = [];
  let pos = 0;
  let no = 1;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) {
      lines.push({ no: no++, text: text.slice(pos), eol: '' });
      break;
    }
    const cr = nl > pos && text[nl - 1] === '\r';
    lines.push({ no: no++, text: text.slice(pos, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
    pos = nl + 1;
  }
  return lines;
}

export function printLines(lines: readonly SpecLine[]): string {
  let out = '';
  for (const line of lines) out += line.text + line.eol;
  return out;
}

export function printSpec(spec: ParsedSpec): string {
  return printLines(spec.lines);
}

/** True when a line ends with an unescaped backslash (rpm joins it with the next line). */
export function endsWithContinuation(text: string): boolean {
  const m = /(\\+)\s*$/.exec(text);
  return m !== null && m[1]!.length % 2 === 1 && /\\$/.test(text);
}

/** Change in the depth of open %{ / %( groups over a line (rpm joins lines while one is open). */
export function macroDepthDelta(text: string, depth: number): number {
  let d = depth;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%' && text[i + 1] === '%') {
      i++;
      continue;
    }
    if (c === '%' && (text[i + 1] === '{' || text[i + 1] === '(')) {
      d++;
      i++;
    } else if (d > 0 && (c === '}' || c === ')')) d--;
  }
  return d;
}

/** Splits header arguments into words, keeping %{...} and %(...) groups together. */
export function splitWords(args: string): string[] {
  const words: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (c === '%' && (args[i + 1] === '{' || args[i + 1] === '(')) {
      current += c + args[i + 1];
      depth++;
      i++;
      continue;
    }
    if (depth > 0 && (c === '}' || c === ')')) depth--;
    if (depth === 0 && /\s/.test(c)) {
      if (current) words.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (current) words.push(current);
  return words;
}

interface HeaderArgs {
  subpackage: { name: string; full: boolean } | null;
  program?: string;
  fileList?: string;
  triggerOn?: string;
}

export function parseHeaderArgs(kind: SectionKind, args: string): HeaderArgs {
  let rest = args;
  let triggerOn: string | undefined;
  if (kind === 'trigger') {
    const dd = rest.indexOf(' -- ');
    const ddStart = rest.trimStart().startsWith('-- ') ? rest.indexOf('--') : -1;
    const at = dd >= 0 ? dd + 1 : ddStart;
    if (at >= 0) {
      triggerOn = rest.slice(at + 2).trim();
      rest = rest.slice(0, at);
    }
  }
  const words = splitWords(rest);
  const result: HeaderArgs = { subpackage: null };
  if (triggerOn !== undefined) result.triggerOn = triggerOn;
  let full = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-n') {
      full = true;
      const name = words[i + 1];
      if (name !== undefined) {
        result.subpackage = { name, full: true };
        i++;
      }
    } else if (w === '-p' && (kind === 'script' || kind === 'trigger')) {
      result.program = words.slice(i + 1).join(' ');
      break;
    } else if (w === '-f' && kind === 'files') {
      const file = words[i + 1];
      if (file !== undefined) result.fileList = result.fileList ? `${result.fileList} ${file}` : file;
      i++;
    } else if (w.startsWith('-')) {
      // other options (-q, -e, -l …) carry no name
    } else if (result.subpackage === null && !full) {
      result.subpackage = { name: w, full: false };
    }
  }
  return result;
}

export function parseSpec(text: string): ParsedSpec {
  const lines = splitLines(text);
  const sections: Section[] = [];
  const tags: Tag[] = [];
  const defines: MacroDefinition[] = [];
  const conditionals: Conditional[] = [];
  const condStack: number[][] = [];
  const sectionOf: number[] = [];
  const continued: boolean[] = [];

  let current: Section = { kind: 'preamble', keyword: '', header: -1, start: 0, end: 0, args: '', subpackage: null };
  sections.push(current);
  const stack: number[] = [];
  let previousContinues: boolean = false;
  let macroDepth = 0;
  const macroBlocks: number[] = [];
  /** The logical line being continued began with %define/%global: its body is the definition's. */
  let inDefinition = false;

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    const isContinuation: boolean = previousContinues;
    const groupOpen = macroDepth > 0;
    if (!isContinuation) inDefinition = DEFINE_RE.test(text);
    const freeText = current.kind === 'description' || current.kind === 'changelog';
    macroDepth = freeText || (/^\s*#/.test(text) && macroDepth === 0) ? 0 : macroDepthDelta(text, macroDepth);
    previousContinues = endsWithContinuation(text) || macroDepth > 0;
    // rpm joins backslash-continued lines, expands them, then splits them again and reads every
    // physical line for %if/%else/%endif and section headers (`%configure \` with `%if` between its
    // options). Lines inside an open %{…}/%(…) group or a definition's body are consumed by the
    // expansion instead: they are no directives.
    const directivesRead = !isContinuation || (!groupOpen && !inDefinition);
    continued.push(isContinuation);

    if (directivesRead) {
      const block = MACRO_BLOCK_RE.exec(text);
      const blockEnd = /^\s*\}\s*$/.test(text) && macroBlocks.length > 0 && stack.at(-1) === macroBlocks.at(-1);
      const cond: RegExpExecArray | [string, ConditionalKind, string] | null = block
        ? [text, 'macroif', block[1]!]
        : blockEnd
          ? [text, 'macroend', '']
          : CONDITIONAL_RE.exec(text);
      if (cond) {
        // a directive line is no part of the command it interrupts; the continuation goes on after it
        continued[i] = false;
        previousContinues = isContinuation;
        macroDepth = 0;
        const kind = cond[1] as ConditionalKind;
        const expr = cond[2]!.trim();
        if (kind === 'macroif') macroBlocks.push(i);
        if (kind === 'macroend') macroBlocks.pop();
        if (kind.startsWith('if') || kind === 'macroif') {
          conditionals.push({ line: i, kind, expr, opener: i, partners: [] });
          condStack.push([...stack]);
          stack.push(i);
        } else {
          const opener = stack.at(-1) ?? -1;
          const openerCond = conditionals.find((c) => c.line === opener);
          if (openerCond) openerCond.partners.push(i);
          conditionals.push({ line: i, kind, expr, opener, partners: [] });
          if (kind === 'endif' || kind === 'macroend') stack.pop();
          condStack.push([...stack]);
        }
        sectionOf.push(sections.length - 1);
        continue;
      }
      const header = SECTION_RE.exec(text);
      const kind = header ? SECTION_KINDS[header[1]!] : undefined;
      if (header && kind) {
        continued[i] = false;
        current.end = i;
        const args = header[2]!;
        current = {
          kind,
          keyword: header[1]!,
          header: i,
          start: i + 1,
          end: lines.length,
          args,
          ...parseHeaderArgs(kind, args),
        };
        sections.push(current);
      }
    }
    condStack.push([...stack]);
    sectionOf.push(sections.length - 1);
    if (isContinuation) continue;

    const def = DEFINE_RE.exec(text);
    if (def) {
      let last = i;
      while (endsWithContinuation(lines[last]!.text) && last + 1 < lines.length) last++;
      const bodyLines = [def[4] ?? '', ...lines.slice(i + 1, last + 1).map((l) => l.text)];
      defines.push({
        line: i,
        lastLine: last,
        directive: def[1] as 'define' | 'global',
        name: def[2]!,
        params: def[3] ? def[3].slice(1, -1) : null,
        body: bodyLines.join('\n').trim(),
      });
      continue;
    }
    if (current.kind === 'preamble' || current.kind === 'package') {
      const tag = TAG_RE.exec(text);
      if (tag) {
        tags.push({
          line: i,
          name: tag[1]!,
          key: tag[1]!.toLowerCase().replace(/\d+$/, ''),
          qualifier: tag[2] === undefined ? null : tag[2].trim(),
          value: tag[3]!,
          section: sections.length - 1,
        });
      }
    }
  }
  current.end = lines.length;
  return { lines, sections, tags, defines, conditionals, condStack, sectionOf, continued };
}

/** Package name a section belongs to, given the main package name (already expanded or raw). */
export function sectionPackageName(section: Section, mainName: string): string {
  if (!section.subpackage) return mainName;
  return section.subpackage.full ? section.subpackage.name : `${mainName}-${section.subpackage.name}`;
}

/** A stable key for the (sub)package of a section: "" for main, "-n NAME" or the suffix. */
export function subpackageKey(section: Section): string {
  if (!section.subpackage) return '';
  return section.subpackage.full ? `-n ${section.subpackage.name}` : section.subpackage.name;
}
