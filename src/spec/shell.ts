/**
 * Where an absolute path stands in a line of a spec's shell body (%prep, %build, %install), so the
 * rules can tell the package's own paths from the build host's: a tool run by its absolute path is
 * a host program at build time; a sed or perl substitution's pattern is text of the sources; a
 * symlink's target, text written into a file of the build root, and a run-time option value are
 * what the installed package uses on Lambda. Pure functions over one line of text.
 */

/** An absolute system path outside macros (not after a word character, a macro or a variable). */
export const SYSTEM_PATH =
  /(?<![\w}%$/.:@)-])\/(?:usr|etc|var|bin|sbin|lib|lib64|srv|run|boot)(?=$|[/\s"'*;)|&:,`\\}])[^\s"'`;|&)<>,\\]*/g;

/** The build root as %install writes it; DESTDIR is the build root of `make install`. */
export const BUILDROOT_VAR = String.raw`\$RPM_BUILD_ROOT|\$\{RPM_BUILD_ROOT\}|%\{buildroot\}|%buildroot\b|\$\{buildroot\}|\$buildroot\b|\$\(DESTDIR\)|\$\{DESTDIR\}|\$DESTDIR\b`;
const BUILDROOT = new RegExp(BUILDROOT_VAR);

export interface Word {
  text: string;
  start: number;
  end: number;
}

/** Shell words of a line with their offsets (quotes stay part of the word; %{…} groups are kept whole). */
export function shellWords(line: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (start < 0 && /\s/.test(c)) continue;
    if (start < 0) start = i;
    if (c === '\\' && quote !== "'") {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '%' && line[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) depth--;
    else if (/\s/.test(c) && depth === 0) {
      words.push({ text: line.slice(start, i), start, end: i });
      start = -1;
    }
  }
  if (start >= 0) words.push({ text: line.slice(start), start, end: line.length });
  return words;
}

/** Words that may precede a command without being it. */
const COMMAND_PREFIX =
  /^(then|do|else|elif|if|while|until|!|exec|time|command|nice|env|xargs|sudo|-\S+|[A-Za-z_]\w*=\S*)$/;

/** True when the word starting at `at` is a command name (first of its command). */
export function inCommandPosition(line: string, at: number, continued: boolean): boolean {
  const before = line.slice(0, at);
  const cut = Math.max(
    ...[';', '&&', '||', '|', '(', '`', '{', '$('].map((sep) => {
      const k = before.lastIndexOf(sep);
      return k < 0 ? -1 : k + sep.length;
    }),
  );
  if (cut < 0 && continued) return false;
  const words = shellWords(before.slice(Math.max(cut, 0)));
  return words.every((w) => COMMAND_PREFIX.test(w.text));
}

export type SedPart = 'pattern' | 'replacement';

/**
 * The pattern and replacement ranges of sed/perl substitutions (s|a|b|, s@a@b@g) and the address
 * regexes (/re/d, \|re|p) in a line: offsets into the line.
 */
export function substitutionRanges(line: string): Array<{ start: number; end: number; part: SedPart }> {
  const out: Array<{ start: number; end: number; part: SedPart }> = [];
  const readTo = (from: number, delim: string): number => {
    for (let i = from; i < line.length; i++) {
      if (line[i] === '\\') i++;
      else if (line[i] === delim) return i;
    }
    return line.length;
  };
  // s after a line address (1s, $s) too
  const re = /(^|[\s'";{\d$-])(s|\\(\S)|(?=\/))/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[0] === '') re.lastIndex++;
    let at = m.index + m[1]!.length;
    if (m[2] === 's') {
      const delim = line[at + 1];
      if (delim === undefined || /[\w\s\\]/.test(delim)) continue;
      const patEnd = readTo(at + 2, delim);
      const replEnd = readTo(patEnd + 1, delim);
      out.push({ start: at + 2, end: patEnd, part: 'pattern' });
      out.push({ start: patEnd + 1, end: replEnd, part: 'replacement' });
      re.lastIndex = replEnd + 1;
    } else if (m[3] !== undefined || line[at] === '/') {
      // an address regex only where a sed script starts (inside quotes or right after -e)
      const delim = m[3] ?? '/';
      if (m[3] === undefined && !/['"]$/.test(line.slice(0, at))) continue;
      at += m[3] !== undefined ? 2 : 1;
      const end = readTo(at, delim);
      out.push({ start: at, end, part: 'pattern' });
      re.lastIndex = end + 1;
    }
  }
  return out;
}

/** How a line's command writes into the build root: `echo … > %{buildroot}/…`, `cat > … <<EOF`. */
export function redirectsIntoBuildroot(line: string): number {
  const m = new RegExp(String.raw`(?:>>?|\btee\s+(?:-a\s+)?)\s*["']?(?:${BUILDROOT_VAR})`).exec(line);
  return m ? m.index : -1;
}

/** The delimiter of a here-document a line opens (`<<EOF`, `<< 'EOF'`, `<<-"END"`), with its strip flag. */
export function hereDocument(line: string): { delimiter: string; strip: boolean } | null {
  const m = /<<(-?)\s*(['"]?)([A-Za-z_][\w.-]*)\2/.exec(line);
  return m ? { delimiter: m[3]!, strip: m[1] === '-' } : null;
}

export function hasBuildroot(text: string): boolean {
  return BUILDROOT.test(text);
}

/** The command a line belongs to: its first word, or that of the line it continues. */
export function commandName(head: string): string {
  const words = shellWords(head).filter((w) => !/^[A-Za-z_]\w*=/.test(w.text));
  return (words[0]?.text ?? '').replace(/^.*\//, '');
}
