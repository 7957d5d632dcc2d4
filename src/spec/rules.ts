/**
 * The named rewrite rules that port an Amazon Linux spec to /opt. Each rule is a function over a
 * parsed spec that records line edits; `RULES` documents them (README and `--report`).
 */
import type { SpecEditor } from './edit.js';
import type { EvaluatedSpec } from './evaluate.js';
import type { LintFinding } from './lint.js';
import { isInstalledPath, parseFileEntry, splitDependencies } from './files.js';
import { type ParsedSpec, type Section, splitWords, subpackageKey } from './parse.js';
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

// ---------------------------------------------------------------------------------------------
// helpers

function sectionKey(section: Section): string {
  return subpackageKey(section);
}

function isDropped(ctx: RuleContext, section: Section): boolean {
  return section.kind !== 'preamble' && ctx.dropped.has(sectionKey(section)) && !(section.kind === 'package' && false);
}

function* sectionLines(ctx: RuleContext, section: Section): Generator<number> {
  for (let i = section.start; i < section.end; i++) {
    if (ctx.editor.isDeleted(i)) continue;
    if (ctx.spec.conditionals.some((c) => c.line === i)) continue;
    yield i;
  }
}

/** Full expanded name of a dependency, without an arch suffix like (x86-64). */
function depName(ctx: RuleContext, name: string): string {
  return ctx.evaluated.macros
    .expand(name)
    .replace(/\(x86-64\)$|\(aarch-64\)$/, '')
    .trim();
}

/** Rewrites a tag line without the dependencies for which `drop` is true; deletes it when none remain. */
function filterTagDependencies(
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

function mainFilesSection(ctx: RuleContext): Section | undefined {
  const files = ctx.spec.sections.filter((s) => s.kind === 'files' && !ctx.dropped.has(sectionKey(s)));
  return files.find((s) => s.subpackage === null) ?? files[0];
}

/** Index after which lines can be appended to a section: its last non-blank line. */
function lastContentLine(ctx: RuleContext, section: Section): number {
  const from = section.header >= 0 ? section.header : section.start;
  for (let i = section.end - 1; i > from; i--) {
    const t = ctx.spec.lines[i]!.text.trim();
    if (t !== '' && !t.startsWith('#')) return i;
  }
  return from;
}

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
      `  : > "$yumda_list.yumda-exclude"`,
      `  [ -f "$yumda_list" ] || continue`,
      `  sed -E -e '/^[[:space:]]*$/d' -e '/(^|[[:space:]])%%(dir|ghost|exclude)([[:space:]]|$)/d' \\`,
      `    -e 's/^([[:space:]]*%%[a-z]+(\\([^)]*\\))?)*[[:space:]]*//' -e '/^[^/%%"]/d' -e 's/^/%%exclude /' \\`,
      `    "$yumda_list" > "$yumda_list.yumda-exclude"`,
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
// scriptlets

/** Scriptlets rpm runs when a package is installed, upgraded or removed: never in a layer. */
const INSTALL_TIME = new Set(['pre', 'post', 'preun', 'postun', 'pretrans', 'posttrans', 'preuntrans', 'postuntrans']);

/**
 * Work an install-time scriptlet did that the layer may need, and what the maintainer can do about
 * it. Work that only matters to an installed system (users, services, ldconfig's cache, the info
 * directory, SELinux labels) is not listed: a layer needs none of it.
 */
const ALTERNATIVES_LOST =
  'alternatives link not made: its link or target is not under the prefix (or the command could not be read); add the link (relative, under %{_prefix}) in %install and %files';

const NEEDED_WORK: Array<[RegExp, string]> = [
  [
    /\bfc-cache\b/,
    'font cache not built: fontconfig keeps it under %{_localstatedir}/cache (/tmp on Lambda), which a layer cannot carry; fonts are still found, but the first fontconfig user in each sandbox scans them all (slower start)',
  ],
  [
    /\b(gtk-update-icon-cache|update-icon-caches?)\b|touch\s+--no-create\s+\S*icons/,
    "icon theme cache (icon-theme.cache) not updated: it indexes every package's icons of the theme, so no one package can ship it; GTK scans the theme directories instead (slower) unless gtk-update-icon-cache is run on the layer",
  ],
  [
    /\bupdate-mime-database\b/,
    "shared MIME database (%{_datadir}/mime/mime.cache …) not rebuilt: it merges every package's definitions, so no one package can ship it; this package's MIME types are unknown until update-mime-database is run on the layer",
  ],
  [
    /\bupdate-desktop-database\b/,
    'desktop file cache (mimeinfo.cache) not rebuilt: only desktop environments read it; nothing is lost on Lambda',
  ],
  [
    /\bglib-compile-schemas\b|%\{?\??glib2_gsettings_schema/,
    "GSettings schemas not compiled: gschemas.compiled merges every package's schemas, so no one package can ship it; g_settings_new() on these schemas aborts until glib-compile-schemas is run on the layer's %{_datadir}/glib-2.0/schemas (or GSETTINGS_SCHEMA_DIR names a compiled directory)",
  ],
  [
    /\b(gdk-pixbuf-query-loaders|update-gdk-pixbuf-loaders|gio-querymodules|gtk-query-immodules)[-0-9.]*\b/,
    "loader/module cache (loaders.cache, giomodule.cache, immodules.cache) not regenerated: it lists every package's modules, so no one package can ship it; this package's modules are not loaded until the query tool is run on the layer with paths under %{_prefix}",
  ],
  [
    /\b(mktexlsr|texhash|fmtutil(-sys)?|updmap(-sys)?|texconfig(-sys)?)\b/,
    'TeX file database (ls-R), formats and font maps not regenerated: they cover the whole TeX tree, so no one package can ship them; kpathsea searches the disk (slow) and formats/maps are missing until mktexlsr/fmtutil/updmap are run on the layer',
  ],
  [
    /\bgconftool-2\b|%\{?\??gconf_schema/,
    'GConf schemas not installed: their defaults are missing unless gconftool-2 --makefile-install-rule is run against a writable GConf source',
  ],
  [/\b(update-)?alternatives\b[^\n]*--install\b/, ALTERNATIVES_LOST],
  [
    /\b(mkdir|install\s+-d|install\s+[^\n]*-d)\b[^\n]*(\/tmp\b|\/var\/|\/run\/|%\{_localstatedir\}|%\{_var\}|%\{_rundir\}|%\{_sharedstatedir\})/,
    'run-time directory not created: it lies under /tmp on Lambda, which the layer cannot carry; the program must create it at start-up',
  ],
  [
    /\bsystemd-tmpfiles\b[^\n]*--create|%\{?\??tmpfiles_create\b/,
    'tmpfiles.d directories not created: they lie under /tmp on Lambda, which the layer cannot carry; the program must create them at start-up',
  ],
  [
    /\bln\s+-[a-z]*s[a-z]*\s[^\n]*(%\{_(bindir|sbindir|libdir|libexecdir|datadir|prefix)\}|\/usr\/)/,
    'link made at install time not made: make it in %install (relative, under %{_prefix}) and list it in %files',
  ],
  [
    /\b(ln\s+-s|cp|mv|install|touch|sed\s+-i)\b[^\n]*(%\{_sysconfdir\}|\/etc\/)/,
    'configuration edited at install time: do it in %install if the layer needs it',
  ],
];

function scriptletFindings(ctx: RuleContext, section: Section, alternativesMade: boolean): void {
  const seen = new Set<string>();
  for (let i = section.start; i < section.end; i++) {
    const text = ctx.spec.lines[i]!.text;
    if (/^\s*#/.test(text)) continue;
    for (const [re, lost] of NEEDED_WORK) {
      if (!re.test(text) || seen.has(lost)) continue;
      if (alternativesMade && lost === ALTERNATIVES_LOST) continue;
      seen.add(lost);
      ctx.findings.push({
        line: 0,
        inputLine: i + 1,
        section: section.keyword,
        path: (re.exec(text)?.[0] ?? '').trim(),
        text: `${text.trim()}  [scriptlet dropped: ${lost}]`,
        reason: `scriptlet dropped: ${lost}`,
      });
    }
  }
  if (section.program !== undefined && !/^(\/usr)?\/s?bin\/ldconfig$/.test(section.program.trim()) && !seen.size) {
    const body = ctx.spec.lines
      .slice(section.start, section.end)
      .map((l) => l.text.trim())
      .filter((l) => l && !l.startsWith('#'));
    if (body.length > 0)
      ctx.findings.push({
        line: 0,
        inputLine: section.header + 1,
        section: section.keyword,
        path: section.program.trim(),
        text: `${ctx.spec.lines[section.header]!.text.trim()}  [scriptlet dropped: ${body.length} line(s) of ${section.program.trim()} not run; check that the layer needs none of it]`,
        reason: `scriptlet dropped: ${body.length} line(s) of ${section.program.trim()} not run`,
      });
  }
}

/**
 * yumda never runs scriptlets: every install-time scriptlet and trigger is inert in a layer and is
 * dropped (whatever its -n, -p or trigger condition), with the Requires(…) that existed for it and
 * the macros that generate scriptlets. What a scriptlet did that the layer may need is reported as
 * a lint finding a maintainer can act on.
 */
export function removeScriptlets(ctx: RuleContext): void {
  if (ctx.disabled.has('scriptlets')) return;
  const links = new Map<string, AlternativeLink[]>();
  for (const section of ctx.spec.sections) {
    if (section.kind === 'trigger' || (section.kind === 'script' && INSTALL_TIME.has(section.keyword))) {
      if (!ctx.dropped.has(sectionKey(section)) && ctx.evaluated.active[section.header]) {
        const made = section.kind === 'script' && section.program === undefined ? alternativeLinks(ctx, section) : [];
        if (made.length > 0) links.set(sectionKey(section), [...(links.get(sectionKey(section)) ?? []), ...made]);
        scriptletFindings(ctx, section, made.length > 0);
      }
      ctx.editor.deleteRange(section.header, section.end, 'scriptlets');
    }
  }
  makeAlternativeLinks(ctx, links);
  // macro lines that generate scriptlets or their requirements
  for (let i = 0; i < ctx.spec.lines.length; i++) {
    const t = ctx.spec.lines[i]!.text.trim();
    if (
      /^%\{?\??(ldconfig_scriptlets|systemd_requires|systemd_ordering|ldconfig_post|ldconfig_postun|systemd_post|systemd_preun|systemd_postun\w*|systemd_user_\w+)\b/.test(
        t,
      )
    )
      ctx.editor.delete(i, 'scriptlets');
  }
  for (const tag of ctx.spec.tags) {
    if (tag.key !== 'requires' || tag.qualifier === null) continue;
    const kinds = tag.qualifier.split(/[\s,]+/).filter(Boolean);
    if (kinds.length > 0 && kinds.every((k) => INSTALL_TIME.has(k) || k === 'interp'))
      ctx.editor.delete(tag.line, 'scriptlets');
  }
}

/** A link `alternatives --install LINK NAME PATH PRIO` (or `--slave LINK NAME PATH`) makes. */
interface AlternativeLink {
  link: string;
  path: string;
}

/**
 * The links the `alternatives --install` commands of a scriptlet make, when every one can be made
 * at build time: link and target are the package's paths under the prefix (not documentation,
 * which the layer leaves out). All or nothing: a scriptlet whose links cannot all be made keeps its
 * lint finding.
 */
function alternativeLinks(ctx: RuleContext, section: Section): AlternativeLink[] {
  const logical: string[] = [];
  for (let i = section.start; i < section.end; i++) {
    const text = ctx.spec.lines[i]!.text;
    if (ctx.spec.continued[i] && logical.length > 0) logical[logical.length - 1] += ' ' + text.replace(/\\\s*$/, '');
    else logical.push(text.replace(/\\\s*$/, ''));
  }
  const macros = ctx.evaluated.macros;
  const prefix = macros.expand('%{_prefix}');
  const sysconf = macros.expand('%{_sysconfdir}');
  const inPrefix = (p: string): boolean => {
    const e = macros.expand(portPath(ctx, p));
    return !e.includes('%') && (e.startsWith(prefix + '/') || e.startsWith(sysconf + '/'));
  };
  const links: AlternativeLink[] = [];
  let unreadable = false;
  for (const line of logical) {
    const words = shellWords(line).map((w) => w.text);
    const at = words.findIndex((w) => /(^|\/)(update-)?alternatives$/.test(w));
    if (at < 0 || !words.includes('--install')) continue;
    for (let k = at + 1; k < words.length; k++) {
      const w = words[k]!;
      if (w === '--install' || w === '--slave') {
        const [link, , path] = words.slice(k + 1, k + 4);
        k += w === '--install' ? 4 : 3;
        if (link === undefined || path === undefined) unreadable = true;
        else if (MAN_RE.test(portPath(ctx, link)) || INFO_RE.test(portPath(ctx, link))) continue;
        else if (!inPrefix(link) || !inPrefix(path)) unreadable = true;
        else links.push({ link: portPath(ctx, link), path: portPath(ctx, path) });
      } else if (/^[|;&]|^\d?>/.test(w)) break;
    }
  }
  return unreadable ? [] : links;
}

/**
 * Makes the alternatives links at build time: relative links in the build root at the end of
 * %install (ln -sfr), listed in the package's %files (a %ghost entry of the link becomes a real one).
 */
function makeAlternativeLinks(ctx: RuleContext, links: Map<string, AlternativeLink[]>): void {
  const install = ctx.spec.sections.filter((s) => s.kind === 'install').at(-1);
  if (!install || links.size === 0) return;
  const commands: string[] = [];
  for (const [key, list] of links) {
    const files = ctx.spec.sections.find((s) => s.kind === 'files' && sectionKey(s) === key);
    if (!files) continue;
    const entries: string[] = [];
    for (const { link, path } of list) {
      if (commands.some((c) => c.endsWith(` "%{buildroot}${link}"`))) continue;
      commands.push(`mkdir -p "$(dirname "%{buildroot}${link}")"`);
      commands.push(`ln -sfr "%{buildroot}${path}" "%{buildroot}${link}"`);
      let listed = false;
      for (let i = files.start; i < files.end; i++) {
        const entry = parseFileEntry(ctx.editor.text(i));
        if (!entry || !entry.paths.some((p) => portPath(ctx, p) === link)) continue;
        listed = true;
        if (entry.names.includes('ghost'))
          ctx.editor.replace(i, ctx.editor.text(i).replace(/%ghost\s+/, ''), 'scriptlets');
      }
      if (!listed) entries.push(link);
    }
    let end = lastContentLine(ctx, files);
    while (end > files.header && ctx.spec.condStack[end]!.length > (ctx.spec.condStack[files.header]?.length ?? 0))
      end--;
    ctx.editor.insertAfter(end, entries, 'scriptlets');
  }
  if (commands.length === 0) return;
  let at = lastContentLine(ctx, install);
  while (at > install.header && ctx.spec.condStack[at]!.length > (ctx.spec.condStack[install.header]?.length ?? 0))
    at--;
  while (at > install.header && ctx.spec.continued[at + 1]) at++;
  ctx.editor.insertAfter(
    at,
    [
      '# yumda: the alternatives links the dropped scriptlets made, made here (relative, under the prefix)',
      ...commands,
    ],
    'scriptlets',
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
// system paths

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
function portPath(ctx: RuleContext, path: string): string {
  if (ctx.disabled.has('system-paths')) return path;
  const p = replaceSystemMacros(path);
  if (!p.startsWith('/') || ctx.baseHas(p)) return p;
  return mapPath(p) ?? p;
}

function mapPath(path: string): string | null {
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
        text = rewriteShellLine(ctx, text, head, ctx.spec.continued[i]!);
        const opened = hereDocument(before);
        if (opened) doc = { ...opened, content: redirectsIntoBuildroot(before) >= 0 };
      }
      if (text !== before) ctx.editor.replace(i, text, 'system-paths');
    }
  }
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
    if (partAt(m.index)) continue;
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
    else if (/(--[\w-]+|-D\w+|\b[A-Za-z_]\w*)=\\?["']?$/.test(text.slice(0, start)))
      runtime = RUNTIME_ROOT.test(path) && !/^[:,]/.test(text.slice(end));
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

// ---------------------------------------------------------------------------------------------
// %files: docs, init files, setuid

// (inside a conditional expansion too: %{?with_docs:%{_mandir}/man1/x.1*})
const SHARE = String.raw`(?:%\{_datadir\}|%\{_datarootdir\}|%\{_prefix\}\/share|\/usr\/share)`;
const MAN_RE = new RegExp(String.raw`^(?:%\{!?\?\w+:)*(%\{_mandir\}|%_mandir\b|${SHARE}\/man\b)`);
const INFO_RE = new RegExp(String.raw`^(?:%\{!?\?\w+:)*(%\{_infodir\}|%_infodir\b|${SHARE}\/info\b)`);
const DOCDIR_RE = new RegExp(String.raw`^(%\{_docdir\}|%\{_pkgdocdir\}|%\{_defaultdocdir\}|${SHARE}\/(doc|gtk-doc)\b)`);
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
