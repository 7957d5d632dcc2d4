/** Helpers for %files entries and dependency lists. */
import { splitWords } from './parse.js';

const FILE_DIRECTIVES = new Set([
  'attr',
  'defattr',
  'config',
  'dir',
  'doc',
  'license',
  'ghost',
  'verify',
  'lang',
  'caps',
  'exclude',
  'docdir',
  'readme',
  'pubkey',
  'artifact',
  'missingok',
]);

export interface FileEntry {
  /** Directive words in order, e.g. ["%attr(0755,root,root)", "%config(noreplace)"]. */
  directives: string[];
  /** Directive names without arguments (attr, doc, …). */
  names: string[];
  /** The remaining words: paths (absolute, macro-based or relative for %doc/%license). */
  paths: string[];
}

/** %global/%define/%undefine, bare or inside a conditional expansion such as %{!?_licensedir:%global license %%doc}. */
const MACRO_STATEMENT = /^(?:%(?:global|define|undefine)\b|%\{!?\?[^:}]+:\s*%(?:global|define|undefine)\b)/;

/** Splits one %files line into directives and paths; null for blank, comment and macro-definition lines. */
export function parseFileEntry(text: string): FileEntry | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#') || MACRO_STATEMENT.test(trimmed)) return null;
  const entry: FileEntry = { directives: [], names: [], paths: [] };
  // rpm also reads a directive written against its path: %config(noreplace)%{_sysconfdir}/x
  // a directive's arguments may hold spaces: %attr(0644, root, root), %verify(not md5 size mtime)
  const joined: string[] = [];
  for (const w of splitWords(trimmed)) {
    const last = joined.at(-1);
    if (last !== undefined && /^%[a-z]+\([^)]*$/.test(last)) joined[joined.length - 1] = `${last} ${w}`;
    else joined.push(w);
  }
  const words = joined.flatMap((w) => {
    const glued = /^(%[a-z]+\([^)]*\))([%/].*)$/.exec(w);
    return glued ? [glued[1]!, glued[2]!] : [w];
  });
  for (const word of words) {
    const m = /^%([a-z]+)(\(.*\))?$/.exec(word);
    if (m && FILE_DIRECTIVES.has(m[1]!) && entry.paths.length === 0) {
      entry.directives.push(word);
      entry.names.push(m[1]!);
    } else {
      entry.paths.push(word);
    }
  }
  return entry;
}

/** A path that names something installed: absolute or starting with a macro. */
export function isInstalledPath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('%{') || /^%[A-Za-z_]/.test(path);
}

export interface Dependency {
  /** The text of this dependency as written, e.g. "foo >= 1.2". */
  text: string;
  name: string;
}

/** Splits a Requires/BuildRequires value into dependencies (comma or whitespace separated). */
export function splitDependencies(value: string): Dependency[] {
  const words = splitWords(value.replace(/,/g, ' , '));
  const deps: Dependency[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === ',') continue;
    if (/^(=|==|<|>|<=|>=)$/.test(w) && deps.length > 0) {
      const last = deps.at(-1)!;
      const version = words[i + 1] ?? '';
      last.text = `${last.text} ${w} ${version}`.trim();
      i++;
      continue;
    }
    deps.push({ text: w, name: w });
  }
  return deps;
}
