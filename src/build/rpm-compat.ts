/**
 * What a spec written for Amazon Linux 2's rpm 4.11 needs to be read by newer rpm (4.15 and later:
 * Debian's 4.18 for the local builder, AL2023's 4.16): rpm 4.15 stopped accepting bare words in %if
 * expressions ("bare words are no longer supported, please use "...""), which AL2's specs use, e.g.
 * git's `%if 0%{?fedora} || ( 0%{?rhel} >= 7 && %{_arch} != ppc64 )`. Quoting both sides of such a
 * comparison means the same to rpm 4.11 (a string comparison), so the prepared spec is the same for
 * every builder.
 */

const BARE_WORD = /^[A-Za-z_][A-Za-z0-9_.+-]*$/;
const MACRO = /^%(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/;
const COMPARISON =
  /(^|[\s(!&|])(%\{[A-Za-z_][A-Za-z0-9_]*\}|%[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_.+-]*)\s*(==|!=|<=|>=|<|>)\s*(%\{[A-Za-z_][A-Za-z0-9_]*\}|%[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_.+-]*)(?=$|[\s)&|])/g;

/** One %if/%elif expression with bare-word comparisons quoted ("%{_arch}" != "ppc64"). */
export function quoteBareWordComparisons(expr: string): string {
  return expr.replace(COMPARISON, (all, lead: string, left: string, op: string, right: string) => {
    const bare = BARE_WORD.test(left) || BARE_WORD.test(right);
    if (!bare || !(BARE_WORD.test(left) || MACRO.test(left)) || !(BARE_WORD.test(right) || MACRO.test(right)))
      return all;
    return `${lead}"${left}" ${op} "${right}"`;
  });
}

export interface CompatEdit {
  line: number;
  before: string;
  after: string;
}

/** Quotes bare-word comparisons on every %if/%elif line; returns the text and what changed. */
export function quoteBareWords(text: string): { text: string; edits: CompatEdit[] } {
  const edits: CompatEdit[] = [];
  const lines = text.split('\n').map((line, i) => {
    const m = /^(\s*%(?:if|elif)\s+)(.*)$/.exec(line);
    if (!m) return line;
    const after = `${m[1]}${quoteBareWordComparisons(m[2]!)}`;
    if (after !== line) edits.push({ line: i + 1, before: line, after });
    return after;
  });
  return { text: lines.join('\n'), edits };
}
