/**
 * Shell-style globs as yum matches repository ids and package names (Python's fnmatch): `*`, `?`,
 * `[abc]`, `[a-z]` and `[!abc]`; a `[` without its `]` is itself. Everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      // a ] first in the class (after any !) belongs to it
      let end = i + 1;
      if (glob[end] === '!') end++;
      if (glob[end] === ']') end++;
      end = glob.indexOf(']', end);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\^\]]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Whether `name` matches any of the globs. */
export function matchesGlob(name: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(name));
}
