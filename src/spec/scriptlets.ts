/**
 * yumda never runs scriptlets: the rule that drops them, says in the lint what one did that the
 * layer may need, and makes at build time what can be made there (alternatives links).
 */
import { type RuleContext, lastContentLine, sectionKey } from './context.js';
import { INFO_RE, MAN_RE, parseFileEntry } from './files.js';
import type { Section } from './parse.js';
import { portPath } from './paths.js';
import { shellWords } from './shell.js';

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
  loaderPathFindings(ctx);
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

/**
 * ldconfig's cache is not needed in a layer (LD_LIBRARY_PATH has /opt/lib), but a loader path the
 * package adds in ld.so.conf.d is lost: nothing reads the layer's /etc, so libraries in that
 * directory are found only through an RPATH or LD_LIBRARY_PATH.
 */
function loaderPathFindings(ctx: RuleContext): void {
  for (const section of ctx.spec.sections) {
    if (section.kind !== 'files' || ctx.dropped.has(sectionKey(section))) continue;
    for (let i = section.start; i < section.end; i++) {
      const text = ctx.spec.lines[i]!.text;
      const entry = parseFileEntry(text);
      if (!entry || entry.names.includes('exclude') || !entry.paths.some((p) => /ld\.so\.conf\.d\b/.test(p))) continue;
      ctx.findings.push({
        line: 0,
        inputLine: i + 1,
        section: section.keyword,
        path: entry.paths.find((p) => /ld\.so\.conf\.d\b/.test(p))!,
        text: text.trim(),
        reason:
          "loader path not honoured: Lambda's loader reads only the base's ld.so.cache and LD_LIBRARY_PATH (…:/opt/lib); libraries in the directory this file names are not found unless the programs carry an RPATH to it or the function sets LD_LIBRARY_PATH",
      });
    }
  }
}
