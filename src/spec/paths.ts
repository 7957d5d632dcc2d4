/**
 * The system-paths and base-paths rules: hardcoded system locations become the target's macros
 * where they are the package's own (in %files, shell bodies and macro definitions), paths the
 * Lambda base provides stay where they are.
 */
import { type RuleContext, sectionKey, sectionLines } from './context.js';
import { parseFileEntry } from './files.js';
import {
  BUILDROOT_VAR,
  commandName,
  hasBuildroot,
  hereDocument,
  inCommandPosition,
  redirectsIntoBuildroot,
  shellWords,
  substitutionRanges,
  SYSTEM_PATH as SHELL_PATH,
} from './shell.js';

/** Hardcoded system locations and the macro that means the same; longest first. */
export const PATH_MACROS: Array<[string, string]> = [
  ['/usr/lib/systemd/system', '%{_unitdir}'],
  ['/usr/lib/tmpfiles.d', '%{_tmpfilesdir}'],
  ['/usr/lib64', '%{_libdir}'],
  ['/usr/libexec', '%{_libexecdir}'],
  ['/usr/lib', '%{_prefix}/lib'],
  ['/usr/bin', '%{_bindir}'],
  ['/usr/sbin', '%{_sbindir}'],
  ['/usr/include', '%{_includedir}'],
  ['/usr/share/man', '%{_mandir}'],
  ['/usr/share/info', '%{_infodir}'],
  ['/usr/share/doc', '%{_docdir}'],
  ['/usr/share', '%{_datadir}'],
  ['/usr', '%{_prefix}'],
  ['/etc/rc.d/init.d', '%{_initddir}'],
  ['/etc', '%{_sysconfdir}'],
  ['/var', '%{_localstatedir}'],
  ['/lib64', '%{_libdir}'],
  ['/lib', '%{_prefix}/lib'],
  ['/run', '%{_rundir}'],
  // the root library directory as AL2 specs write it (/lib64): the package's libraries
  ['/%{_lib}', '%{_libdir}'],
  ['/bin', '%{_bindir}'],
  ['/sbin', '%{_sbindir}'],
];
/** rpm's own macros for system directories, which the target's macros do not move: %{_var}, %{_usr}, %{_usrsrc}. */
const SYSTEM_MACROS: Array<[RegExp, string]> = [
  [/%\{_var\}|%_var\b/g, '%{_localstatedir}'],
  [/%\{_usr\}|%_usr\b/g, '%{_prefix}'],
  [/%\{_usrsrc\}|%_usrsrc\b/g, '%{_prefix}/src'],
];
function replaceSystemMacros(text: string): string {
  return SYSTEM_MACROS.reduce((t, [re, macro]) => t.replace(re, macro), text);
}
const BOUNDARY = '(?=$|[/\\s"\'*{}),;:]|\\.\\*)';

/** A path written the way the system-paths rule writes it (unless disabled or the base has it). */
export function portPath(ctx: RuleContext, path: string): string {
  if (ctx.disabled.has('system-paths')) return path;
  const p = replaceSystemMacros(path);
  if (!p.startsWith('/') || ctx.baseHas(p)) return p;
  return mapPath(p) ?? p;
}

export function mapPath(path: string): string | null {
  for (const [sys, macro] of PATH_MACROS) {
    if (
      path === sys ||
      path.startsWith(sys + '/') ||
      (path.startsWith(sys) && /^[*{"'\s]/.test(path.slice(sys.length)))
    )
      return macro + path.slice(sys.length);
  }
  return null;
}

const SYS_ALTERNATION = PATH_MACROS.map(([p]) => p.replace(/[/%{}]/g, (c) => `\\${c}`)).join('|');
/** A system path right after the build root variable. */
const AFTER_BUILDROOT = new RegExp(`(${BUILDROOT_VAR})(["']?)/*(${SYS_ALTERNATION})${BOUNDARY}`, 'g');
/** A brace group of paths after the build root: %{buildroot}{/etc/x,/var/lib/y}, $RPM_BUILD_ROOT/{etc,usr/bin}. */
const BRACE_ITEM = String.raw`(?:%\{[^{}]*\}|[^{}\s])*`;
const BUILDROOT_BRACES = new RegExp(`(${BUILDROOT_VAR})(/?)\\{(${BRACE_ITEM},${BRACE_ITEM})\\}`, 'g');
/** Installation directory options: --sysconfdir=/etc, --with-privsep-path=/var/empty, mandir=/usr/share/man. */
const DIR_OPTION = new RegExp(
  `((?:--|\\b)(?:prefix|exec[-_]prefix|bindir|sbindir|libexecdir|sysconfdir|sharedstatedir|localstatedir|libdir|includedir|datarootdir|datadir|infodir|localedir|mandir|docdir|htmldir|(?:with-)?[a-z_-]*(?:path|dir))=["']?)(${SYS_ALTERNATION})${BOUNDARY}`,
  'gi',
);

export function rewriteSystemPaths(ctx: RuleContext): void {
  if (ctx.disabled.has('system-paths')) return;
  for (const section of ctx.spec.sections) {
    if (ctx.dropped.has(sectionKey(section))) continue;
    const kind = section.kind;
    if (!['prep', 'build', 'install', 'files', 'script', 'trigger'].includes(kind)) continue;
    /** An open here-document: its delimiter, and whether its text goes into a file of the build root. */
    let doc: { delimiter: string; strip: boolean; content: boolean } | null = null;
    let head = '';
    const loopLists = kind === 'files' ? new Map<number, number>() : buildrootLoopLists(ctx, section);
    for (const i of sectionLines(ctx, section)) {
      const before = ctx.editor.text(i);
      if (doc) {
        if ((doc.strip ? before.replace(/^\t+/, '') : before) === doc.delimiter) doc = null;
        else if (doc.content) {
          const text = rewriteContentLine(ctx, replaceSystemMacros(before));
          if (text !== before) ctx.editor.replace(i, text, 'system-paths');
        }
        continue;
      }
      if (/^\s*#/.test(before)) continue;
      let text = replaceSystemMacros(before);
      if (kind === 'files') {
        const entry = parseFileEntry(text);
        if (entry && !entry.names.includes('doc') && !entry.names.includes('license')) {
          for (const path of entry.paths) {
            // a quoted path ("/usr/share/foo bar") is mapped inside its quotes
            const bare = path.replace(/^"/, '');
            if (!bare.startsWith('/') || ctx.baseHas(bare.replace(/"$/, ''))) continue;
            const mapped = mapPath(bare);
            if (mapped) text = text.replace(bare, mapped);
          }
        }
      } else {
        if (!ctx.spec.continued[i]) head = text;
        const listFrom = loopLists.get(i);
        if (listFrom !== undefined)
          text = text.slice(0, listFrom) + text.slice(listFrom).replace(SHELL_PATH, (m) => mapPath(m) ?? m);
        text = rewriteShellLine(ctx, text, head, ctx.spec.continued[i]!);
        const opened = hereDocument(before);
        if (opened) doc = { ...opened, content: redirectsIntoBuildroot(before) >= 0 };
      }
      if (text !== before) ctx.editor.replace(i, text, 'system-paths');
    }
  }
}

/**
 * The word lists of `for VAR in LIST` loops whose body uses $VAR after the build root
 * (for I in /sbin/sfdisk /sbin/cfdisk; do rm -f $RPM_BUILD_ROOT$I; done) and the values of shell
 * variables used there later: they name the package's own paths. Map of line index → offset where
 * the list or value starts on that line.
 */
function buildrootLoopLists(ctx: RuleContext, section: { start: number; end: number }): Map<number, number> {
  const lists = new Map<number, number>();
  for (let i = section.start; i < section.end; i++) {
    const loop = /^(\s*for\s+([A-Za-z_]\w*)\s+in\s)/.exec(ctx.spec.lines[i]!.text);
    if (!loop) continue;
    const variable = loop[2]!;
    const listLines: Array<[number, number]> = [[i, loop[1]!.length]];
    let k = i;
    while (!/(;|^|\s)do\b/.test(ctx.spec.lines[k]!.text.slice(k === i ? loop[1]!.length : 0)) && k + 1 < section.end) {
      if (!ctx.spec.continued[k + 1]) break;
      k++;
      listLines.push([k, 0]);
    }
    let depth = 0;
    let opened = false;
    let usesBuildroot = false;
    const used = new RegExp(`(${BUILDROOT_VAR})["']?\\$\\{?${variable}\\b`);
    for (let j = i; j < section.end; j++) {
      const t = ctx.spec.lines[j]!.text;
      if (used.test(t)) usesBuildroot = true;
      depth += (t.match(/(^|;|\s)do(\s|$)/g) ?? []).length - (t.match(/(^|;|\s)done(\s|;|$)/g) ?? []).length;
      opened ||= depth > 0;
      if (opened && depth <= 0) break;
    }
    if (usesBuildroot) for (const [line, from] of listLines) lists.set(line, from);
  }
  // and shell variables set to a path that a later line puts after the build root
  // (MODDIR=/usr/lib64/foo … install -d $RPM_BUILD_ROOT$MODDIR)
  for (let i = section.start; i < section.end; i++) {
    const set = /^(\s*(?:export\s+)?([A-Za-z_]\w*)=["']?)\//.exec(ctx.spec.lines[i]!.text);
    if (!set || ctx.spec.continued[i]) continue;
    const used = new RegExp(`(${BUILDROOT_VAR})["']?\\$\\{?${set[2]!}\\b`);
    for (let j = i + 1; j < section.end; j++) {
      if (new RegExp(`^\\s*(export\\s+)?${set[2]!}=`).test(ctx.spec.lines[j]!.text)) break;
      if (used.test(ctx.spec.lines[j]!.text)) {
        lists.set(i, set[1]!.length);
        break;
      }
    }
  }
  return lists;
}

/** A path the installed package uses at run time: the base's stays, any other lives under the prefix on Lambda. */
function runtimePath(ctx: RuleContext, path: string): string | null {
  // a system directory itself (/etc, /usr/share) is where the package's files go: under the prefix
  if (PATH_MACROS.some(([sys]) => sys === path.replace(/\/+$/, ''))) return mapPath(path);
  if (ctx.baseHas(path.replace(/\/+$/, '')) || ctx.baseHas(path.replace(/[*?[{].*$/, '').replace(/\/+$/, '')))
    return null;
  return mapPath(path);
}

/** The system path a macro path stands for on Amazon Linux (%{_sysconfdir}/pki/x → /etc/pki/x), or null. */
function systemPathFor(path: string): string | null {
  for (const [sys, macro] of PATH_MACROS) {
    if (macro.includes('%{_prefix}/') || !path.startsWith(macro)) continue;
    const rest = path.slice(macro.length);
    if (rest === '' || rest.startsWith('/')) return sys + rest;
  }
  return null;
}

/** Configuration and state are never build inputs: a value under /etc, /var or /run is a run-time location. */
const RUNTIME_ROOT = /^\/(etc|var|run)(\/|$)/;

/** Text written into a file of the build root (a here-document's body): its paths are run-time paths. */
function rewriteContentLine(ctx: RuleContext, text: string): string {
  if (/^\s*#!/.test(text)) return text;
  return text.replace(SHELL_PATH, (m) => runtimePath(ctx, m) ?? m);
}

/**
 * One line of a shell body. Paths after the build root (%{buildroot}/usr/lib, $RPM_BUILD_ROOT/etc,
 * %{buildroot}{/etc/x,/var/y}, $(DESTDIR)/usr) are the package's own and take their macros;
 * installation-directory options too. A bare path is rewritten only where its place says it is a
 * run-time path: a symlink's target in the build root, text echoed into a file of the build root, the
 * replacement of a sed/perl substitution or an option value under /etc, /var or /run. Tools run by
 * their absolute path (/usr/bin/rm), substitution patterns (text of the sources) and everything else
 * stay; the lint lists what the rules could not tell.
 */
function rewriteShellLine(ctx: RuleContext, text: string, head: string, continued: boolean): string {
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const sed = /\b(sed|perl)\b/.test(head) || /\b(sed|perl)\b/.test(text) ? substitutionRanges(text) : [];
  const partAt = (at: number): (typeof sed)[number] | undefined => sed.find((r) => at >= r.start && at < r.end);
  const free = (start: number, end: number): boolean => edits.every((e) => end <= e.start || start >= e.end);
  const add = (start: number, end: number, replacement: string): void => {
    if (free(start, end) && replacement !== text.slice(start, end)) edits.push({ start, end, text: replacement });
  };
  for (const m of text.matchAll(AFTER_BUILDROOT)) {
    if (partAt(m.index)?.part === 'pattern') continue;
    const at = m.index + m[1]!.length + m[2]!.length;
    const path = m[0].slice(m[1]!.length + m[2]!.length).replace(/^\/+(?=\/)/, '');
    add(at, m.index + m[0].length, mapPath(path.replace(/^\/*/, '/')) ?? path);
  }
  for (const m of text.matchAll(BUILDROOT_BRACES)) {
    if (partAt(m.index)?.part === 'pattern') continue;
    const slash = m[2]!;
    const alternatives = m[3]!.split(',').map((alt) => {
      const abs = alt.startsWith('/') ? alt : slash + alt;
      const mapped = abs.startsWith('/') ? mapPath(abs) : null;
      return mapped ?? alt;
    });
    const start = m.index + m[1]!.length;
    add(
      start,
      m.index + m[0].length,
      `${slash && alternatives.every((a) => a.startsWith('%')) ? '' : slash}{${alternatives.join(',')}}`,
    );
  }
  for (const m of text.matchAll(DIR_OPTION)) {
    // a shell variable (TOOLDIR=/usr/share/automake) is no installation option of a command
    if (partAt(m.index) || inCommandPosition(text, m.index, continued)) continue;
    const rest = text.slice(m.index + m[0].length).split(/[\s"';]/)[0] ?? '';
    // a search path list (--with-default-path=/usr/local/bin:/usr/bin) is not an install location
    // (a file the base has, like a CA bundle, stays; a system directory itself is a location to move)
    if (rest.includes(':') || (rest.replace(/\/+$/, '') !== '' && ctx.baseHas(m[2]! + rest))) continue;
    add(m.index + m[1]!.length, m.index + m[0].length, mapPath(m[2]!) ?? m[2]!);
  }
  const words = shellWords(text);
  const command = commandName(head);
  const redirect = redirectsIntoBuildroot(text);
  const linkWords = /^(ln|%\{__ln_s\})$/.test(command) && (command !== 'ln' || /(^|\s)-[a-zA-Z]*s/.test(head));
  const targets = linkWords ? words.filter((w, k) => k > 0 && !w.text.startsWith('-')) : [];
  const linkInBuildroot = targets.length >= 2 && hasBuildroot(targets.at(-1)!.text);
  // ln -s ../..%{_localstatedir}/log/httpd $RPM_BUILD_ROOT/etc/httpd/logs: the ../ climb to / from
  // where the link was; under the prefix the link lies deeper, so the target is written absolute
  if (linkInBuildroot)
    for (const w of targets.slice(0, -1)) {
      const climb = /^(["']?)((?:\.\.\/)*\.\.\/?)(?=%\{(\w+)\})/.exec(w.text);
      if (!climb || !DIRECTORY_MACROS.has(climb[3]!)) continue;
      // a link to a file the Lambda base has (the CA bundle) points at the base's file
      const target = w.text.slice(climb[0].length).replace(/["']$/, '');
      const base = systemPathFor(target);
      const onBase = base !== null && ctx.baseHas(base);
      add(w.start + climb[1]!.length, w.start + climb[0].length + (onBase ? target.length : 0), onBase ? base : '');
    }
  for (const m of text.matchAll(SHELL_PATH)) {
    const start = m.index;
    const part = partAt(start);
    const path = part ? m[0].slice(0, Math.max(0, part.end - start)) : m[0];
    const end = start + path.length;
    if (!free(start, end) || path === '') continue;
    let runtime = false;
    if (part) runtime = part.part === 'replacement' && RUNTIME_ROOT.test(path);
    else if (inCommandPosition(text, start, continued)) runtime = false;
    else if (linkInBuildroot) runtime = targets.slice(0, -1).some((w) => start >= w.start && start < w.end);
    else if (redirect >= 0 && start < redirect && /^(echo|printf)$/.test(command))
      runtime = !/^\s*["']?#!/.test(text.slice(text.indexOf(command) + command.length));
    else if (/(--[\w-]+|-D\w+|\b[A-Za-z_]\w*)=\\?["']?$/.test(text.slice(0, start))) {
      const word = shellWords(text).find((w) => start >= w.start && start < w.end);
      runtime =
        RUNTIME_ROOT.test(path) &&
        !/^[:,]/.test(text.slice(end)) &&
        !(word && inCommandPosition(text, word.start, continued));
    }
    if (!runtime) continue;
    const mapped = runtimePath(ctx, path);
    if (mapped) add(start, end, mapped);
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The directory macros the target's macro file sets: a spec that redefines one to a system path undoes the port. */
const DIRECTORY_MACROS = new Set([
  '_prefix',
  '_exec_prefix',
  '_usr',
  '_bindir',
  '_sbindir',
  '_libexecdir',
  '_datarootdir',
  '_datadir',
  '_sysconfdir',
  '_includedir',
  '_infodir',
  '_mandir',
  '_docdir',
  '_defaultdocdir',
  '_libdir',
  '_localstatedir',
  '_sharedstatedir',
  '_var',
  '_rundir',
  '_unitdir',
  '_userunitdir',
  '_tmpfilesdir',
  '_initddir',
  '_initrddir',
]);

/**
 * %global/%define with a literal system path. A redefinition of a directory macro
 * (%define _sysconfdir /etc) goes: the target's macros say where things live. Any other macro is
 * rewritten like the paths it stands for when the spec uses it only as a location (in %files,
 * after the build root, as an option value) and never runs it as a tool (first word of a command,
 * inside %(…)); macros named __… are tools by convention and stay.
 */
export function rewriteDefinitions(ctx: RuleContext): void {
  if (ctx.disabled.has('system-paths')) return;
  for (const def of ctx.spec.defines) {
    if (def.params !== null || def.lastLine !== def.line || ctx.editor.isDeleted(def.line)) continue;
    if (ctx.dropped.has(sectionKey(ctx.spec.sections[ctx.spec.sectionOf[def.line]!]!))) continue;
    // a directory macro the spec sets itself (%define _sysconfdir /etc, %global _localstatedir %{_var})
    // would undo the port: the target's macros say where things live
    if (DIRECTORY_MACROS.has(def.name)) {
      ctx.editor.delete(def.line, 'system-paths');
      continue;
    }
    // rpm's own system-directory macros in a definition (%define queue_dir %{_var}/spool/postfix)
    const moved = replaceSystemMacros(ctx.editor.text(def.line));
    if (moved !== ctx.editor.text(def.line)) ctx.editor.replace(def.line, moved, 'system-paths');
    const value = /^\/\S*/.exec(def.body)?.[0];
    if (value === undefined || mapPath(value) === null) continue;
    if (def.name.startsWith('__')) continue;
    const uses = macroUses(ctx, def.name, def.line);
    if (!uses.location || uses.tool) continue;
    const mapped = runtimePath(ctx, value);
    if (!mapped) continue;
    const text = ctx.editor.text(def.line);
    const at = text.indexOf(value, text.indexOf(def.name) + def.name.length);
    if (at >= 0)
      ctx.editor.replace(def.line, text.slice(0, at) + mapped + text.slice(at + value.length), 'system-paths');
  }
}

function macroUses(ctx: RuleContext, name: string, definition: number): { location: boolean; tool: boolean } {
  const re = new RegExp(`%\\{[!?]*${name}(?=[}:])|%${name}(?![\\w])`, 'g');
  const afterBuildroot = new RegExp(`(${BUILDROOT_VAR})["']?/*$`);
  const uses = { location: false, tool: false };
  ctx.spec.lines.forEach((line, i) => {
    if (i === definition || /^\s*#/.test(line.text)) return;
    const section = ctx.spec.sections[ctx.spec.sectionOf[i]!]!;
    for (const m of line.text.matchAll(re)) {
      const before = line.text.slice(0, m.index);
      if (section.kind === 'files' || afterBuildroot.test(before) || /=["']?$/.test(before)) uses.location = true;
      else if (before.includes('%(')) uses.tool = true;
      else if (
        ['prep', 'build', 'install', 'check', 'script', 'trigger'].includes(section.kind) &&
        inCommandPosition(line.text, m.index, ctx.spec.continued[i]!)
      )
        uses.tool = true;
    }
  });
  return uses;
}

/** Paths that exist in the Lambda base stay absolute: %{_sysconfdir}/pki/... → /etc/pki/... */
export function keepBasePaths(ctx: RuleContext): void {
  if (ctx.disabled.has('base-paths')) return;
  const MACRO_SYS: Array<[RegExp, string]> = [
    [/%\{_sysconfdir\}(\/[^\s"';\\]+)/g, '/etc'],
    [/%\{_datadir\}(\/[^\s"';\\]+)/g, '/usr/share'],
  ];
  for (const section of ctx.spec.sections) {
    if (section.kind !== 'build' && section.kind !== 'install') continue;
    for (const i of sectionLines(ctx, section)) {
      const before = ctx.editor.text(i);
      if (/\$RPM_BUILD_ROOT|%\{?buildroot/.test(before)) continue;
      let text = before;
      for (const [re, sys] of MACRO_SYS) {
        text = text.replace(re, (m, rest: string) => (ctx.baseHas(sys + rest) ? sys + rest : m));
      }
      if (text !== before) ctx.editor.replace(i, text, 'base-paths');
    }
  }
}
