/**
 * Hardcoded absolute paths in binaries and text files: a program built with --prefix=/usr that
 * opens /usr/share/foo at run time fails on Lambda, where only /opt (layers), /var/task and /tmp
 * are ours. Only paths under the usual system roots are considered, so URLs, regexes and format
 * strings do not count.
 */

const SYSTEM_ROOTS = 'bin|boot|etc|home|lib|lib32|lib64|libx32|media|mnt|root|run|sbin|srv|usr|var';
/** Not preceded by a word character, a slash, a dot, a colon (URLs), ~, $ or %, and followed by no template character. */
const PATH_RE = new RegExp(String.raw`(?<![\w./:~$%@\-\\])/(?:${SYSTEM_ROOTS})(?:/[\w.+@-]+)*/?`, 'g');
const TEMPLATE_CHARS = new Set(['%', '$', '*', '{', '<', '[', '?']);

/** Directories where a path is fine: Lambda provides them, or they are the layer's own. */
export const ALLOWED_PREFIXES = ['/opt', '/tmp', '/var/task', '/proc', '/dev', '/sys', '/var/runtime', '/var/lang'];

export function isAllowedPath(path: string, extraAllowed: readonly string[] = []): boolean {
  for (const prefix of [...ALLOWED_PREFIXES, ...extraAllowed]) {
    if (path === prefix || path.startsWith(prefix + '/')) return true;
  }
  return false;
}

/** Candidate absolute paths in `text` (deduplicated, in order of appearance). */
export function findAbsolutePaths(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PATH_RE)) {
    const next = text[m.index + m[0].length];
    if (next !== undefined && TEMPLATE_CHARS.has(next)) continue;
    let p = m[0].replace(/[.]+$/, '');
    if (p.length > 1) p = p.replace(/\/+$/, '');
    if (p.split('/').length < 3) continue; // a bare root like /usr or /etc says nothing
    out.add(p);
  }
  return [...out];
}
