/**
 * The named rewrite rules that port an Amazon Linux spec to /opt. Each rule is a function over a
 * parsed spec that records line edits; `RULES` documents them (README and `--report`). The path
 * rules live in paths.ts, the scriptlet rule in scriptlets.ts.
 */
import {
  filterTagDependencies,
  isDropped,
  lastContentLine,
  mainFilesSection,
  type RuleContext,
  sectionKey,
  sectionLines,
} from './context.js';
import { DOCDIR_RE, INFO_RE, isInstalledPath, MAN_RE, parseFileEntry } from './files.js';
import { splitWords } from './parse.js';
import { portPath } from './paths.js';
import { BUILDROOT_VAR } from './shell.js';

export const RULES = {
  'drop-devel':
    'drop -devel, -static, -doc(s), -javadoc, -apidoc(s), -manual and -examples subpackages (build images use the upstream ones; documentation is left out); their files become %exclude lines of the main package',
  'drop-subpackage':
    'drop the subpackages an overlay lists (GUI, init, features), with their scriptlets and the Requires on them',
  prefix: 'add "Prefix: %{_prefix}" to the main package and every subpackage (relocatable RPMs)',
  'system-paths':
    "replace hardcoded /usr/bin, /usr/lib64, /usr/share, /etc, /var, %{_var}, … by their macros where the path is the package's own: %files entries, paths after the build root (brace groups too), symlink targets and text written into the build root, install-directory options and run-time option values under /etc, /var, /run, sed/perl replacements under them, %global macros used as locations; tools run by absolute path and substitution patterns stay (the lint lists what the rules cannot tell)",
  'base-paths':
    'keep paths the Lambda base provides absolute (e.g. the CA bundle under /etc/pki) instead of moving them under the prefix',
  scriptlets:
    'yumda never runs scriptlets: drop every install-time scriptlet and trigger (%pre … %posttrans, %trigger*, -n, -p <lua>), the macros that make them (%systemd_post, %ldconfig_scriptlets …) and Requires(pre|post|preun|postun|…); alternatives links are made at build time (relative, under the prefix); lint says exactly what else one did that the layer may need (caches, run-time directories, configuration)',
  'requires-system':
    'remove Requires on absolute paths and on init-system packages that the base does not provide (/sbin/nologin, systemd-units, initscripts, /usr/sbin/useradd)',
  docs: 'leave documentation out: %doc entries dropped (%license kept), man/info pages dropped and "%exclude %{_mandir}"/"%exclude %{_infodir}" added, absolute doc paths excluded',
  'init-files': 'exclude systemd units, tmpfiles and SysV init scripts from %files (nothing starts services on Lambda)',
  setuid: 'clear setuid/setgid bits in %attr (Lambda cannot honour them) and keep executables readable (2111 → 0755)',
  'if-quotes':
    'quote bare words compared in %if (%{_lib} == lib64 → "%{_lib}" == "lib64"): rpm 4.15 and later reject them, rpm 4.11 reads both the same',
  systemd:
    'build without systemd integration: drop --with-systemd/--enable-systemd and BuildRequires on systemd, systemd-units, systemd-devel (nothing runs systemd on Lambda and libsystemd is not in the base)',
  check: 'remove %check (tests run upstream; they often need a system layout)',
  changelog: 'add a %changelog entry saying the package was rebuilt for Lambda under /opt',
  overlay: 'edits requested by the package overlay (specs/NAME.yaml)',
} as const;

export type RuleName = keyof typeof RULES;

// ---------------------------------------------------------------------------------------------
// subpackage removal

const DEVEL_SUFFIX = /-(devel|static|docs?|devel-docs?|examples|javadoc|apidocs?|manual)$/;

export function chooseDevelDrops(ctx: RuleContext): void {
  if (ctx.disabled.has('drop-devel')) return;
  for (const pkg of ctx.evaluated.packages) {
    if (pkg.key !== '' && DEVEL_SUFFIX.test(pkg.name) && !ctx.keep.has(pkg.key)) ctx.dropped.add(pkg.key);
  }
}

/** Removes every section of the dropped packages and the Requires that name them. */
export function removeDroppedPackages(ctx: RuleContext, overlayDrops: Set<string>): void {
  if (ctx.dropped.size === 0) return;
  const droppedNames = new Set(ctx.evaluated.packages.filter((p) => ctx.dropped.has(p.key)).map((p) => p.name));
  for (const section of ctx.spec.sections) {
    if (section.kind === 'preamble' || !ctx.dropped.has(sectionKey(section))) continue;
    const rule = overlayDrops.has(sectionKey(section)) ? 'drop-subpackage' : 'drop-devel';
    if (section.kind === 'files' && ctx.evaluated.active[section.header]) {
      for (const list of section.fileList ? splitWords(section.fileList) : []) ctx.excludedLists.push(list);
      for (const i of sectionLines(ctx, section)) {
        if (!ctx.evaluated.active[i]) continue;
        ctx.excludes.push(...excludesForEntry(ctx, ctx.editor.text(i)));
      }
    }
    ctx.editor.deleteRange(section.header, section.end, rule);
  }
  // dependencies of surviving packages on dropped ones
  for (const tag of ctx.spec.tags) {
    if (!['requires', 'buildrequires', 'recommends', 'suggests'].includes(tag.key) || tag.key === 'buildrequires')
      continue;
    if (isDropped(ctx, ctx.spec.sections[tag.section]!)) continue;
    const rule = [...overlayDrops].length > 0 ? 'drop-subpackage' : 'drop-devel';
    filterTagDependencies(ctx, tag.line, rule, (name) => droppedNames.has(name));
  }
}

/**
 * The %exclude lines that keep the files of one %files entry of a dropped package out of the main
 * package. Directories (%dir) and %ghost files are not in the build root's unpackaged-file check,
 * and excluding a directory would take the files of surviving packages with it: they are skipped,
 * as are the dropped package's own %exclude lines and relative %doc files (never installed).
 * Documentation goes with the directory rule of the docs rule; system paths are written the way the
 * system-paths rule writes them.
 */
function excludesForEntry(ctx: RuleContext, text: string): string[] {
  const entry = parseFileEntry(text);
  if (!entry || ['defattr', 'dir', 'ghost', 'exclude'].some((n) => entry.names.includes(n))) return [];
  const out: string[] = [];
  const macros = ctx.evaluated.macros;
  const mandir = macros.expand('%{_mandir}');
  const infodir = macros.expand('%{_infodir}');
  for (const raw of entry.paths) {
    if (!isInstalledPath(raw)) continue;
    // %{?with_docs:%{_mandir}/man1/x.1*} names nothing when the condition is off for the target
    const expanded = macros.expand(raw).trim();
    if (expanded === '') continue;
    const path = portPath(ctx, raw);
    const docs = !ctx.disabled.has('docs');
    if (docs && (MAN_RE.test(path) || expanded.startsWith(mandir + '/'))) out.push('%exclude %{_mandir}');
    else if (docs && (INFO_RE.test(path) || expanded.startsWith(infodir + '/'))) out.push('%exclude %{_infodir}');
    else out.push(`%exclude ${path}`);
  }
  return out;
}

/**
 * Entries of the `%files -f LIST` files of dropped packages become %exclude lines: at the end of
 * %install each LIST is turned into LIST.yumda-exclude (directives stripped; %dir, %ghost, %exclude
 * and relative entries left out, as for literal entries), which the main package's %files reads
 * with one more -f.
 */
export function excludeDroppedFileLists(ctx: RuleContext): void {
  const survivingLists = new Set(
    ctx.spec.sections
      .filter((s) => s.kind === 'files' && !ctx.dropped.has(sectionKey(s)) && s.fileList)
      .flatMap((s) => splitWords(s.fileList!)),
  );
  const lists = [...new Set(ctx.excludedLists)].filter((l) => !survivingLists.has(l));
  if (lists.length === 0) return;
  const files = mainFilesSection(ctx);
  const install = ctx.spec.sections.filter((s) => s.kind === 'install').at(-1);
  if (!files || !install) return;
  const rule = 'drop-devel';
  let at = lastContentLine(ctx, install);
  while (at > install.header && ctx.spec.condStack[at]!.length > (ctx.spec.condStack[install.header]?.length ?? 0))
    at--;
  while (at > install.header && ctx.spec.continued[at + 1]) at++;
  const quoted = lists.map((l) => `"${l}"`).join(' ');
  ctx.editor.insertAfter(
    at,
    [
      '# yumda: the files listed for dropped subpackages are left out (LIST.yumda-exclude, read by the main package)',
      `(cd "%{?builddir}%{!?builddir:%{_builddir}}/%{?buildsubdir}" || exit 1`,
      ` for yumda_list in ${quoted}; do`,
      // never empty: rpm 4.16 and later refuse an empty %files -f file (a blank line is nothing to exclude)
      `  echo > "$yumda_list.yumda-exclude"`,
      `  [ -f "$yumda_list" ] || continue`,
      `  sed -E -e '/^[[:space:]]*$/d' -e '/(^|[[:space:]])%%(dir|ghost|exclude)([[:space:]]|$)/d' \\`,
      `    -e 's/^([[:space:]]*%%[a-z]+(\\([^)]*\\))?)*[[:space:]]*//' -e '/^[^/%%"]/d' -e 's/^/%%exclude /' \\`,
      `    "$yumda_list" >> "$yumda_list.yumda-exclude"`,
      ' done)',
    ],
    rule,
  );
  const header = ctx.editor.text(files.header);
  ctx.editor.replace(
    files.header,
    `${header.replace(/\s+$/, '')}${lists.map((l) => ` -f ${l}.yumda-exclude`).join('')}`,
    rule,
  );
}

// ---------------------------------------------------------------------------------------------
// requires on the system

const INIT_PACKAGES = new Set([
  'systemd',
  'systemd-units',
  'systemd-sysv',
  'initscripts',
  'shadow-utils',
  'policycoreutils',
  'policycoreutils-python',
  'chkconfig',
  'info',
  'desktop-file-utils',
  'shared-mime-info',
  'hicolor-icon-theme',
]);

export function removeSystemRequires(ctx: RuleContext): void {
  if (ctx.disabled.has('requires-system')) return;
  for (const tag of ctx.spec.tags) {
    if (tag.key !== 'requires' || ctx.editor.isDeleted(tag.line)) continue;
    const prefix = ctx.evaluated.macros.expand('%{_prefix}');
    filterTagDependencies(ctx, tag.line, 'requires-system', (name) => {
      // a path under the prefix is one of ours (Requires: %{_bindir}/fipscheck)
      if (name.startsWith(prefix + '/')) return false;
      if (name.startsWith('/')) return !ctx.baseHas(name) && !ctx.baseProvides(name);
      return INIT_PACKAGES.has(name) && !ctx.baseProvides(name);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// %files: docs, init files, setuid

/** What only the init system reads: services, presets, sysusers, tmpfiles, SysV scripts. */
const INIT_RE =
  /^(%\{_(unitdir|userunitdir|tmpfilesdir|initddir|initrddir|presetdir|userpresetdir|sysusersdir)\}|%\{_sysconfdir\}\/rc\.d\/|\/etc\/rc\.d\/|\/usr\/lib\/systemd\/|%\{_prefix\}\/lib\/systemd\/|\/lib\/systemd\/)/;

const BUILDROOT_REF = /(\$RPM_BUILD_ROOT|\$\{RPM_BUILD_ROOT\}|%\{buildroot\}|%buildroot\b)\/?(\S*)/g;
const DOC_TARGET = /^(%\{_mandir\}|%\{_infodir\})(\/|$|\s)/;
const CHANGES_FILES = /^(rm|mv|gzip|bzip2|xz|chmod|touch|perl\s+-pi|sed\s+-i)\b/;
const ADDS_FILES = /^(mkdir|install|%\{__install\}|%\{__mkdir_p\}|%\{__mkdir\}|%\{__ln_s\}|cp|ln|touch|echo)\b/;
/** A page generated into the build root's man or info directory (help2man -o …, pod2man … > …). */
const OUTPUT_TO_DOCS = new RegExp(
  `(?:\\s-o\\s*|\\s--output[= ]|>>?\\s*)["']?(?:${BUILDROOT_VAR})["']?/?(%\\{_mandir\\}|%\\{_infodir\\})`,
);
/** A shell brace expansion ({man1,man8}), no block. */
const BRACE_EXPANSION = /\{[^{}\s;|&]*,[^{}\s;|&]*\}/g;

/**
 * %install commands that only add man or info pages to the build root go: the layer leaves them
 * out anyway. Only simple one-line commands are removed (no ;, &&, |, subshell, continuation),
 * never as the whole body of a loop or if, never a command that removes or moves files, and only
 * when no later command that stays uses those directories.
 */
export function removeDocInstalls(ctx: RuleContext): void {
  if (ctx.disabled.has('docs')) return;
  const conditional = new Set(ctx.spec.conditionals.map((c) => c.line));
  // directories the main package excludes as a whole: changing files in them changes nothing packaged
  const excluded = new Set(['mandir', 'infodir'].filter((d) => ctx.excludes.includes(`%exclude %{_${d}}`)));
  const significant = (i: number): boolean => {
    const t = ctx.spec.lines[i]!.text.trim();
    return t !== '' && !t.startsWith('#') && !conditional.has(i);
  };
  for (const section of ctx.spec.sections.filter((s) => s.kind === 'install')) {
    const laterUse = new Set<string>();
    for (let i = section.end - 1; i > section.header; i--) {
      if (ctx.editor.isDeleted(i) || !significant(i)) continue;
      const text = ctx.editor.text(i);
      const t = text.trim();
      const dirs = [...t.matchAll(/%\{_(mandir|infodir)\}/g)].map((m) => m[1]!);
      const usesDocs = dirs.length > 0;
      let remove = false;
      const touchesOnlyExcluded =
        CHANGES_FILES.test(t) && [...t.matchAll(/%\{_(mandir|infodir)\}/g)].every((m) => excluded.has(m[1]!));
      if (
        usesDocs &&
        !dirs.some((d) => laterUse.has(d)) &&
        (ADDS_FILES.test(t) || touchesOnlyExcluded || OUTPUT_TO_DOCS.test(t)) &&
        !ctx.spec.continued[i] &&
        !endsWithContinuationText(text) &&
        !/[;&|`(){}]\s*$|[;|`]|&&|\$\(/.test(t.replace(/%\{[^}]*\}/g, '').replace(BRACE_EXPANSION, '')) &&
        !/\s2?>\s*\/dev\/null/.test(t)
      ) {
        const targets = [...t.matchAll(BUILDROOT_REF)].map((m) => m[2]!);
        const onlyDocs =
          targets.length > 0 && targets.every((p) => DOC_TARGET.test(p)) && (!/^echo\b/.test(t) || />/.test(t));
        let prev = i - 1;
        while (prev > section.header && !significant(prev)) prev--;
        let next = i + 1;
        while (next < section.end && !significant(next)) next++;
        const prevText = prev > section.header ? ctx.spec.lines[prev]!.text.trim() : '';
        const nextText = next < section.end ? ctx.spec.lines[next]!.text.trim() : '';
        const opensBlock = /(\bdo|\bthen|\belse|\{|\(|&&|\|\||\||\\)$/.test(prevText);
        const closesBlock = /^(done|fi|else|elif|esac|\}|\)|;;)/.test(nextText);
        remove = onlyDocs && !opensBlock && !closesBlock;
      }
      if (remove) ctx.editor.delete(i, 'docs');
      else for (const d of dirs) laterUse.add(d);
    }
  }
}

function endsWithContinuationText(text: string): boolean {
  return /\\\s*$/.test(text);
}

/** The pre-4.11 fallback `%{!?_licensedir:%global license %%doc}`: every target rpm has %license. */
const LICENSE_FALLBACK =
  /^\s*(%\{!\?_licensedir:\s*%(global|define)\s+license\s+%%?doc\s*\}|%(global|define)\s+license\s+%%?doc)\s*(#.*)?$/;

export function rewriteFiles(ctx: RuleContext): void {
  let needMan = false;
  let needInfo = false;
  const docExcludes: Array<{ line: number; man: boolean; info: boolean }> = [];
  if (!ctx.disabled.has('docs')) {
    ctx.spec.lines.forEach((line, i) => {
      if (LICENSE_FALLBACK.test(line.text)) ctx.editor.delete(i, 'docs');
    });
  }
  for (const section of ctx.spec.sections) {
    if (section.kind !== 'files' || ctx.dropped.has(sectionKey(section))) continue;
    for (const i of sectionLines(ctx, section)) {
      const text = ctx.editor.text(i);
      const entry = parseFileEntry(text);
      if (!entry) continue;
      if (!ctx.disabled.has('docs')) {
        if (
          entry.names.includes('exclude') &&
          entry.paths.length > 0 &&
          entry.paths.every((p) => MAN_RE.test(p) || INFO_RE.test(p))
        ) {
          docExcludes.push({
            line: i,
            man: entry.paths.some((p) => MAN_RE.test(p)),
            info: entry.paths.some((p) => INFO_RE.test(p)),
          });
          continue;
        }
        if (entry.names.includes('doc')) {
          const absolute = entry.paths.filter(isInstalledPath);
          if (absolute.length === 0) ctx.editor.delete(i, 'docs');
          else if (absolute.every((p) => MAN_RE.test(p) || INFO_RE.test(p))) {
            needMan ||= absolute.some((p) => MAN_RE.test(p));
            needInfo ||= absolute.some((p) => INFO_RE.test(p));
            ctx.editor.delete(i, 'docs');
          } else ctx.editor.replace(i, absolute.map((p) => `%exclude ${p}`).join(' '), 'docs');
          continue;
        }
        if (
          !entry.names.includes('exclude') &&
          entry.paths.length > 0 &&
          entry.paths.every((p) => MAN_RE.test(p) || INFO_RE.test(p))
        ) {
          needMan ||= entry.paths.some((p) => MAN_RE.test(p));
          needInfo ||= entry.paths.some((p) => INFO_RE.test(p));
          ctx.editor.delete(i, 'docs');
          continue;
        }
        if (
          !entry.names.includes('exclude') &&
          !entry.names.includes('license') &&
          entry.paths.length > 0 &&
          entry.paths.every((p) => DOCDIR_RE.test(p))
        ) {
          ctx.editor.replace(i, entry.paths.map((p) => `%exclude ${p}`).join(' '), 'docs');
          continue;
        }
      }
      if (
        !ctx.disabled.has('init-files') &&
        !entry.names.includes('exclude') &&
        entry.paths.length > 0 &&
        entry.paths.every((p) => INIT_RE.test(p))
      ) {
        ctx.editor.replace(i, entry.paths.map((p) => `%exclude ${p}`).join(' '), 'init-files');
        continue;
      }
      if (!ctx.disabled.has('setuid')) {
        const cleared = text.replace(/%attr\(\s*([0-7]{3,4})\s*,/g, (m, mode: string) => {
          const before = Number.parseInt(mode, 8);
          const after = layerMode(before);
          return after === before ? m : m.replace(mode, after.toString(8).padStart(4, '0'));
        });
        if (cleared !== text) ctx.editor.replace(i, cleared, 'setuid');
      }
    }
  }
  if (needMan) ctx.excludes.push('%exclude %{_mandir}');
  if (needInfo) ctx.excludes.push('%exclude %{_infodir}');
  // "%exclude %{_mandir}/man1/x.1*" says less than the "%exclude %{_mandir}" the rule adds
  for (const d of docExcludes) {
    if ((!d.man || needMan) && (!d.info || needInfo)) ctx.editor.delete(d.line, 'docs');
  }
}

/**
 * The mode a file gets in a layer. Set-id bits are cleared: nothing in a layer runs with another
 * user's rights, and a layer has no users or groups of its own, so a program meant to be run with
 * them (2111 root:ssh_keys, 4710 root:wheel) is run by the function's user or not at all: it becomes
 * an ordinary program, 0755. Any other file with an execute bit gets read where it has execute
 * (0711 → 0755, 0111 → 0555): an execute-only file cannot be read by the user who installs or zips
 * the layer, nor run when it is a script. Other modes are kept; the sticky bit too.
 */
export function layerMode(mode: number): number {
  const sticky = mode & 0o1000;
  const perms = mode & 0o777;
  if ((mode & 0o6000) !== 0) return sticky | ((perms & 0o111) !== 0 ? perms | 0o755 : perms | 0o444);
  return sticky | perms | ((perms & 0o111) << 2);
}

export function addExcludes(ctx: RuleContext): void {
  if (ctx.excludes.length === 0) return;
  const section = mainFilesSection(ctx);
  if (!section) return;
  const unique = [...new Set(ctx.excludes)];
  const byRule = (line: string): string =>
    line === '%exclude %{_mandir}' || line === '%exclude %{_infodir}' ? 'docs' : 'drop-devel';
  let at = lastContentLine(ctx, section);
  // keep the excludes outside a trailing conditional block of the section
  while (at > section.header && ctx.spec.condStack[at]!.length > (ctx.spec.condStack[section.header]?.length ?? 0))
    at--;
  const docs = unique.filter((l) => byRule(l) === 'docs');
  const devel = unique.filter((l) => byRule(l) !== 'docs');
  ctx.editor.insertAfter(at, docs, 'docs');
  ctx.editor.insertAfter(at, devel, 'drop-devel');
  // the excluded documentation directories exist whatever the build installed (an %exclude that
  // names nothing is an error for some rpm versions)
  const dirs = unique
    .filter((l) => l === '%exclude %{_mandir}' || l === '%exclude %{_infodir}')
    .map((l) => l.replace('%exclude ', '%{buildroot}'));
  const install = ctx.spec.sections.filter((s) => s.kind === 'install').at(-1);
  if (dirs.length > 0 && install) {
    let end = lastContentLine(ctx, install);
    while (end > install.header && ctx.spec.condStack[end]!.length > (ctx.spec.condStack[install.header]?.length ?? 0))
      end--;
    while (end > install.header && ctx.spec.continued[end + 1]) end++;
    ctx.editor.insertAfter(end, [`mkdir -p ${dirs.join(' ')}`], 'docs');
  }
}

// ---------------------------------------------------------------------------------------------
// systemd integration

const SYSTEMD_PACKAGES =
  /^(systemd|systemd-units|systemd-devel|systemd-rpm-macros|systemd-libs|pkgconfig\((lib)?systemd[-a-z]*\))$/;
const SYSTEMD_FLAG = /(^|\s)--(with|enable)-systemd(=(yes|1|auto))?(?=\s|\\|$)/g;

export function removeSystemd(ctx: RuleContext): void {
  if (ctx.disabled.has('systemd')) return;
  // the spec's own switch: %global use_systemd 1 → 0, %bcond_without systemd → %bcond_with systemd
  for (const def of ctx.spec.defines) {
    if (!/(^|_)systemd$|^(use|with|have|enable)_?systemd/i.test(def.name) || def.body !== '1') continue;
    const text = ctx.editor.text(def.line);
    ctx.editor.replace(def.line, text.replace(/1(\s*)$/, '0$1'), 'systemd');
  }
  ctx.spec.lines.forEach((line, i) => {
    if (/^\s*%bcond_without\s+systemd\s*$/.test(line.text))
      ctx.editor.replace(i, line.text.replace('%bcond_without', '%bcond_with'), 'systemd');
  });
  for (const tag of ctx.spec.tags) {
    if (tag.key !== 'buildrequires' || ctx.editor.isDeleted(tag.line)) continue;
    filterTagDependencies(ctx, tag.line, 'systemd', (name) => SYSTEMD_PACKAGES.test(name));
  }
  for (const section of ctx.spec.sections) {
    if (section.kind !== 'build' && section.kind !== 'install') continue;
    for (const i of sectionLines(ctx, section)) {
      const original = ctx.editor.text(i);
      if (/^\s*#/.test(original)) continue;
      // cmake and meson switches are turned off in place (-DWITH_SYSTEMD=ON → OFF, -Dsystemd=true → false)
      const before = original
        .replace(/(-D\w*SYSTEMD\w*(?::BOOL)?=)(ON|YES|TRUE|1|on|yes|true)\b/g, '$1OFF')
        .replace(
          /(-D\w*systemd\w*=)(true|enabled)\b/g,
          (_m, opt: string, v: string) => opt + (v === 'true' ? 'false' : 'disabled'),
        );
      if (before !== original) ctx.editor.replace(i, before, 'systemd');
      if (!new RegExp(SYSTEMD_FLAG.source).test(before)) continue;
      const after = before.replace(SYSTEMD_FLAG, '');
      // an option alone on its continued line goes with its line; other options stay in place
      if (
        /^\s*\\?\s*$/.test(after) &&
        (/\\\s*$/.test(after) || ctx.spec.lines[i + 1]?.text.trim() === '' || i + 1 >= ctx.spec.lines.length)
      )
        ctx.editor.delete(i, 'systemd');
      else ctx.editor.replace(i, after, 'systemd');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// %if expressions

const OPERAND = String.raw`(?:%\{[^{}]*\}|%[A-Za-z_]\w*|[A-Za-z_][\w.]*|"[^"]*"|\d+)+`;
const COMPARISON = new RegExp(`(${OPERAND})(\\s*)(==|!=|<=|>=|<|>)(\\s*)(${OPERAND})`, 'g');

/** Quotes both sides of a comparison in which one side is a bare word (a string comparison anyway). */
export function quoteBareWords(expr: string): string {
  return expr.replace(COMPARISON, (m, left: string, s1: string, op: string, s2: string, right: string) => {
    const bare = (x: string): boolean => /^[A-Za-z_][\w.]*$/.test(x);
    if (!bare(left) && !bare(right)) return m;
    const quote = (x: string): string => (x.startsWith('"') ? x : `"${x}"`);
    return `${quote(left)}${s1}${op}${s2}${quote(right)}`;
  });
}

export function quoteIfWords(ctx: RuleContext): void {
  if (ctx.disabled.has('if-quotes')) return;
  for (const cond of ctx.spec.conditionals) {
    if (cond.kind !== 'if' && cond.kind !== 'elif') continue;
    const text = ctx.editor.text(cond.line);
    const at = text.indexOf(cond.expr);
    if (at < 0) continue;
    const quoted = quoteBareWords(cond.expr);
    if (quoted !== cond.expr)
      ctx.editor.replace(cond.line, text.slice(0, at) + quoted + text.slice(at + cond.expr.length), 'if-quotes');
  }
}

// ---------------------------------------------------------------------------------------------
// %check, Prefix, changelog

export function removeCheck(ctx: RuleContext): void {
  if (ctx.disabled.has('check')) return;
  for (const section of ctx.spec.sections) {
    if (section.kind === 'check') ctx.editor.deleteRange(section.header, section.end, 'check');
  }
}

export function addPrefix(ctx: RuleContext): void {
  if (ctx.disabled.has('prefix')) return;
  ctx.spec.sections.forEach((section) => {
    if (section.kind !== 'preamble' && section.kind !== 'package') return;
    if (ctx.dropped.has(sectionKey(section))) return;
    const existing = ctx.spec.tags.filter(
      (t) => t.section === ctx.spec.sections.indexOf(section) && t.key === 'prefix',
    );
    if (existing.length > 0) {
      for (const tag of existing) {
        if (tag.value !== '%{_prefix}')
          ctx.editor.replace(tag.line, ctx.editor.text(tag.line).replace(tag.value, '%{_prefix}'), 'prefix');
      }
      return;
    }
    let at: number;
    if (section.kind === 'preamble') {
      // after the last tag of the main package, outside any conditional it may sit in
      const tags = ctx.spec.tags.filter(
        (t) => ctx.spec.sections[t.section] === section && !ctx.editor.isDeleted(t.line),
      );
      const last = tags.at(-1);
      if (!last) return;
      at = last.line;
      while (ctx.spec.continued[at + 1]) at++;
      const depth = ctx.spec.condStack[at]!.length;
      if (depth > 0) {
        const outer = ctx.spec.condStack[at]![0]!;
        const cond = ctx.spec.conditionals.find((c) => c.line === outer);
        const endif = cond?.partners.at(-1);
        if (endif !== undefined && ctx.spec.sectionOf[endif] === ctx.spec.sectionOf[at]) at = endif;
      }
    } else {
      at = lastContentLine(ctx, section);
      while (at > section.header && (ctx.editor.isDeleted(at) || ctx.spec.lines[at]!.text.trim() === '')) at--;
    }
    ctx.editor.insertAfter(at, ['Prefix: %{_prefix}'], 'prefix');
  });
}

export function addChangelog(ctx: RuleContext, entry: { date: Date; packager: string; message: string }): void {
  if (ctx.disabled.has('changelog')) return;
  const day = entry.date.toUTCString().slice(0, 3);
  const month = entry.date.toUTCString().slice(8, 11);
  const dd = String(entry.date.getUTCDate()).padStart(2, '0');
  const header = `* ${day} ${month} ${dd} ${entry.date.getUTCFullYear()} ${entry.packager}`;
  const lines = [header, `- ${entry.message}`, ''];
  const section = ctx.spec.sections.find((s) => s.kind === 'changelog');
  if (section) ctx.editor.insertAfter(section.header, lines, 'changelog');
  else ctx.editor.insertAfter(ctx.spec.lines.length - 1, ['', '%changelog', ...lines.slice(0, 2)], 'changelog');
}
