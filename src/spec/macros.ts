/**
 * An rpm macro expander good enough to evaluate a spec's names, versions, subpackage names and
 * conditionals for a target macro set. It never runs shell (%(…)) or Lua: those expand to "".
 * Builtins: %define/%global/%undefine, %{?x}, %{!?x}, %{?x:…}, %{!?x:…}, %{expand:…},
 * %{with x}/%{without x}, %{defined x}/%{undefined x}, %bcond_with/%bcond_without/%bcond,
 * string helpers (%{lower:}, %{upper:}, %{basename:}, %{dirname:}, %{suffix:}, %{len:}, %{quote:}),
 * parametric macros (%1…, %*, %#, %{-x}, %{-x*}, %{?-x:…}).
 */

export interface MacroValue {
  body: string;
  /** getopt-style option string for parametric macros ("n:"), null for plain macros. */
  params: string | null;
}

export interface MacroFileEntry {
  name: string;
  params: string | null;
  body: string;
  line: number;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/;
const MAX_DEPTH = 64;

/** Parses an rpm macros file (`%name body`, continuation with a trailing backslash). */
export function parseMacrosFile(text: string): MacroFileEntry[] {
  const out: MacroFileEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const start = i;
    if (!line.startsWith('%')) continue;
    while (/\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + '\n' + lines[++i]!;
    }
    const m = /^%([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?\s+([\s\S]*)$/.exec(line);
    if (!m) continue;
    out.push({ name: m[1]!, params: m[2] ? m[2].slice(1, -1) : null, body: m[3]!.trim(), line: start + 1 });
  }
  return out;
}

/** The index of the bracket closing the one at `open` (which must be "{" or "("), or -1. */
export function findClosing(text: string, open: number): number {
  const openCh = text[open];
  const closeCh = openCh === '{' ? '}' : ')';
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && openCh === '(') {
      i++;
      continue;
    }
    if (c === openCh) depth++;
    else if (c === closeCh) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export class MacroContext {
  private readonly table = new Map<string, MacroValue[]>();

  constructor(initial?: Iterable<[string, string]>) {
    if (initial) for (const [k, v] of initial) this.define(k, v);
  }

  clone(): MacroContext {
    const copy = new MacroContext();
    for (const [k, v] of this.table)
      copy.table.set(
        k,
        v.map((x) => ({ ...x })),
      );
    return copy;
  }

  define(name: string, body: string, params: string | null = null): void {
    const stack = this.table.get(name) ?? [];
    stack.push({ body, params });
    this.table.set(name, stack);
  }

  undefine(name: string): void {
    const stack = this.table.get(name);
    if (!stack) return;
    stack.pop();
    if (stack.length === 0) this.table.delete(name);
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  get(name: string): MacroValue | undefined {
    return this.table.get(name)?.at(-1);
  }

  loadFile(text: string): void {
    for (const entry of parseMacrosFile(text)) this.define(entry.name, entry.body, entry.params);
  }

  /** Expands every macro in text. Unknown %{name} stays literal, as in rpm. */
  expand(text: string, depth = 0): string {
    if (depth > MAX_DEPTH) return text;
    let out = '';
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c !== '%') {
        out += c;
        i++;
        continue;
      }
      const next = text[i + 1];
      if (next === '%') {
        out += '%';
        i += 2;
        continue;
      }
      if (next === '{') {
        const close = findClosing(text, i + 1);
        if (close < 0) {
          out += text.slice(i);
          break;
        }
        out += this.expandBraced(text.slice(i + 2, close), depth);
        i = close + 1;
        continue;
      }
      if (next === '(') {
        const close = findClosing(text, i + 1);
        // shell expansion is never run: it expands to nothing
        i = close < 0 ? text.length : close + 1;
        continue;
      }
      if (next === '[') {
        const close = text.indexOf(']', i);
        out += close < 0 ? '' : String(evaluateExpression(this.expand(text.slice(i + 2, close), depth + 1)));
        i = close < 0 ? text.length : close + 1;
        continue;
      }
      const nameMatch = NAME_RE.exec(text.slice(i + 1));
      if (!nameMatch) {
        // %1, %*, %# outside a parametric macro, or a lone %
        out += c;
        i++;
        continue;
      }
      const name = nameMatch[0];
      const afterName = i + 1 + name.length;
      const builtin = this.statementBuiltin(name, text, afterName, depth);
      if (builtin) {
        out += builtin.output;
        i = builtin.end;
        continue;
      }
      const value = this.get(name);
      if (!value) {
        out += '%' + name;
        i = afterName;
        continue;
      }
      if (value.params !== null) {
        // a parametric macro called as %name takes the rest of the line as its arguments
        const eol = text.indexOf('\n', afterName);
        const end = eol < 0 ? text.length : eol;
        out += this.callParametric(value, this.expand(text.slice(afterName, end), depth + 1).trim(), depth);
        i = end;
        continue;
      }
      out += this.expand(value.body, depth + 1);
      i = afterName;
    }
    return out;
  }

  /** %define/%global/%undefine/%bcond_*: consume the rest of the line. */
  private statementBuiltin(
    name: string,
    text: string,
    from: number,
    depth: number,
  ): { output: string; end: number } | null {
    if (!['define', 'global', 'undefine', 'bcond_with', 'bcond_without', 'bcond'].includes(name)) return null;
    let end = text.indexOf('\n', from);
    // a definition continues over escaped newlines
    while (end >= 0 && text[end - 1] === '\\') end = text.indexOf('\n', end + 1);
    if (end < 0) end = text.length;
    const rest = text.slice(from, end).replace(/\\\n/g, '\n').trim();
    if (name === 'define' || name === 'global') {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?\s*([\s\S]*)$/.exec(rest);
      if (m) {
        const body = name === 'global' ? this.expand(m[3]!, depth + 1) : m[3]!;
        this.define(m[1]!, body.trim(), m[2] ? m[2].slice(1, -1) : null);
      }
    } else if (name === 'undefine') {
      this.undefine(rest.split(/\s+/)[0] ?? '');
    } else {
      const words = this.expand(rest, depth + 1)
        .split(/\s+/)
        .filter(Boolean);
      const feature = words[0];
      if (feature) {
        // bcond_with X: off unless --with X; bcond_without X: on unless --without X
        let on = name === 'bcond_without';
        if (name === 'bcond') on = evaluateExpression(words.slice(1).join(' ') || '0') !== 0;
        if (this.has(`_with_${feature}`)) on = true;
        if (this.has(`_without_${feature}`)) on = false;
        if (on && !this.has(`with_${feature}`)) this.define(`with_${feature}`, '1');
        if (!on) this.undefine(`with_${feature}`);
      }
    }
    return { output: '', end };
  }

  private expandBraced(inner: string, depth: number): string {
    let body = inner;
    let negate = false;
    let conditional = false;
    while (body.startsWith('!') || body.startsWith('?')) {
      if (body[0] === '!') negate = !negate;
      else conditional = true;
      body = body.slice(1);
    }
    const colon = body.indexOf(':');
    const space = body.search(/\s/);
    let name: string;
    let arg: string | null = null;
    if (colon >= 0 && (space < 0 || colon < space)) {
      name = body.slice(0, colon);
      arg = body.slice(colon + 1);
    } else if (space >= 0) {
      name = body.slice(0, space);
      arg = body.slice(space + 1);
    } else {
      name = body;
    }

    if (conditional) {
      const defined = this.has(name);
      if (negate ? defined : !defined) return '';
      if (arg !== null && colon >= 0 && (space < 0 || colon < space)) return this.expand(arg, depth + 1);
      if (negate) return '';
      return this.expandNamed(name, null, depth);
    }
    return this.expandNamed(name, arg, depth);
  }

  private expandNamed(name: string, arg: string | null, depth: number): string {
    const a = (): string => this.expand(arg ?? '', depth + 1);
    switch (name) {
      case 'expand':
        return this.expand(a(), depth + 1);
      case 'lua':
      case 'echo':
      case 'warn':
      case 'error':
      case 'verbose':
      case 'trace':
      case 'dump':
        return '';
      case 'quote':
        return a();
      case 'lower':
        return a().toLowerCase();
      case 'upper':
        return a().toUpperCase();
      case 'len':
        return String(a().length);
      case 'basename':
        return a().replace(/\/+$/, '').split('/').pop() ?? '';
      case 'dirname': {
        const v = a();
        const idx = v.lastIndexOf('/');
        return idx <= 0 ? (idx === 0 ? '/' : '.') : v.slice(0, idx);
      }
      case 'suffix': {
        const v = a();
        const dot = v.lastIndexOf('.');
        return dot < 0 ? '' : v.slice(dot + 1);
      }
      case 'getenv':
        return process.env[a()] ?? '';
      case 'with':
        return this.has(`with_${a().trim()}`) ? '1' : '0';
      case 'without':
        return this.has(`with_${a().trim()}`) ? '0' : '1';
      case 'defined':
        return this.has(a().trim()) ? '1' : '0';
      case 'undefined':
        return this.has(a().trim()) ? '0' : '1';
      case 'S':
        return this.expand(`%{SOURCE${a().trim()}}`, depth + 1);
      case 'P':
        return this.expand(`%{PATCH${a().trim()}}`, depth + 1);
      case 'define':
      case 'global':
      case 'undefine':
        this.statementBuiltin(name, ` ${arg ?? ''}`, 0, depth);
        return '';
      default:
        break;
    }
    const value = this.get(name);
    if (!value) return arg === null ? `%{${name}}` : `%{${name}${arg === null ? '' : ' ' + arg}}`;
    if (value.params !== null) return this.callParametric(value, arg === null ? '' : a(), depth);
    return this.expand(value.body, depth + 1);
  }

  private callParametric(value: MacroValue, argText: string, depth: number): string {
    const words = argText.split(/\s+/).filter(Boolean);
    const opts = new Map<string, string>();
    const positional: string[] = [];
    const spec = value.params ?? '';
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (/^-[A-Za-z]$/.test(w) && spec.includes(w[1]!)) {
        const takesArg = spec[spec.indexOf(w[1]!) + 1] === ':';
        opts.set(w[1]!, takesArg ? (words[++i] ?? '') : '');
      } else positional.push(w);
    }
    const local = this.clone();
    positional.forEach((p, idx) => local.define(String(idx + 1), p));
    local.define('0', 'macro');
    local.define('*', positional.join(' '));
    local.define('**', argText);
    local.define('#', String(positional.length));
    for (const [k, v] of opts) {
      local.define(`-${k}`, `-${k}${v ? ' ' + v : ''}`);
      local.define(`-${k}*`, v);
    }
    // %1 … %9, %*, %# are written without braces: substitute them before expanding
    const body = value.body.replace(/%(\*\*|\*|#|[0-9])/g, (_m, key: string) => local.get(key)?.body ?? '');
    return local.expand(body, depth + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// %if expressions

type Value = number | string;

/**
 * Evaluates an already expanded %if expression as rpm does: integers, "strings", parentheses,
 * ! and unary -, * /, + -, comparisons, && and ||. A bare word is taken as a string.
 */
export function evaluateExpression(expr: string): Value {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (): string | undefined => tokens[pos++];

  const primary = (): Value => {
    const t = take();
    if (t === undefined) return 0;
    if (t === '(') {
      const v = or();
      if (peek() === ')') take();
      return v;
    }
    if (t === '!') {
      const v = primary();
      return truthy(v) ? 0 : 1;
    }
    if (t === '-') {
      const v = primary();
      return typeof v === 'number' ? -v : 0;
    }
    if (t.startsWith('"')) return t.slice(1, -1);
    if (/^\d+$/.test(t)) return Number.parseInt(t, 10);
    return t;
  };
  const mul = (): Value => {
    let v = primary();
    while (peek() === '*' || peek() === '/') {
      const op = take();
      const r = primary();
      v = op === '*' ? num(v) * num(r) : num(r) === 0 ? 0 : Math.trunc(num(v) / num(r));
    }
    return v;
  };
  const add = (): Value => {
    let v = mul();
    while (peek() === '+' || peek() === '-') {
      const op = take();
      const r = mul();
      if (op === '+' && typeof v === 'string' && typeof r === 'string') v = v + r;
      else v = op === '+' ? num(v) + num(r) : num(v) - num(r);
    }
    return v;
  };
  const cmp = (): Value => {
    let v = add();
    while (['==', '!=', '<', '>', '<=', '>='].includes(peek() ?? '')) {
      const op = take()!;
      const r = add();
      const [a, b] = typeof v === 'number' && typeof r === 'number' ? [v, r] : [String(v), String(r)];
      const result =
        op === '=='
          ? a === b
          : op === '!='
            ? a !== b
            : op === '<'
              ? a < b
              : op === '>'
                ? a > b
                : op === '<='
                  ? a <= b
                  : a >= b;
      v = result ? 1 : 0;
    }
    return v;
  };
  const and = (): Value => {
    let v = cmp();
    while (peek() === '&&') {
      take();
      const r = cmp();
      v = truthy(v) && truthy(r) ? 1 : 0;
    }
    return v;
  };
  function or(): Value {
    let v = and();
    while (peek() === '||') {
      take();
      const r = and();
      v = truthy(v) || truthy(r) ? 1 : 0;
    }
    return v;
  }
  return or();
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function truthy(v: Value): boolean {
  return typeof v === 'number' ? v !== 0 : v.length > 0;
}

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = expr.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      tokens.push(two);
      i += 2;
      continue;
    }
    if ('()!<>+-*/'.includes(c)) {
      tokens.push(c);
      i++;
      continue;
    }
    if (c === '"') {
      const end = expr.indexOf('"', i + 1);
      const stop = end < 0 ? expr.length : end;
      tokens.push(`"${expr.slice(i + 1, stop)}"`);
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < expr.length && !/[\s()!<>+\-*/=&|"]/.test(expr[j]!)) j++;
    if (j === i) j = i + 1;
    tokens.push(expr.slice(i, j));
    i = j;
  }
  return tokens;
}
