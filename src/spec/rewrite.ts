/**
 * `yumda spec rewrite`: ports an Amazon Linux spec to /opt with the named rules of rules.ts and the
 * package's overlay. The spec is rewritten textually (line edits), so everything the rules do not
 * touch keeps its upstream formatting and the result diffs cleanly against upstream.
 */
import type { BaseProfile } from '../config/profile.js';
import { SpecEditor, type Change } from './edit.js';
import { evaluateSpec, type TargetOptions } from './evaluate.js';
import {
  applyOverlayAfterRules,
  applyOverlayBeforeRules,
  overlayDropKeys,
  overlayKeepKeys,
  type Overlay,
} from './overlay.js';
import { splitDependencies } from './files.js';
import { parseSpec } from './parse.js';
import type { RuleContext } from './context.js';
import { keepBasePaths, rewriteDefinitions, rewriteSystemPaths } from './paths.js';
import {
  addChangelog,
  addExcludes,
  addPrefix,
  chooseDevelDrops,
  excludeDroppedFileLists,
  removeCheck,
  removeDocInstalls,
  removeDroppedPackages,
  quoteIfWords,
  removeSystemd,
  removeSystemRequires,
  rewriteFiles,
  RULES,
  type RuleName,
} from './rules.js';
import { removeScriptlets } from './scriptlets.js';
import { lintSpec, type LintFinding } from './lint.js';

export interface RewriteOptions {
  overlay?: Overlay;
  /** Directory holding the overlay's patches (patches/NAME). */
  patchDir?: string;
  /** What the Lambda runtime provides (the CLI loads it: --base, else al2). */
  base: BaseProfile;
  /** The macros specs are evaluated with (config/macros.ts). */
  target: TargetOptions;
  /** Changelog entry date (default now). */
  date?: Date;
  packager?: string;
  /** Rules to skip (names from RULES). */
  disable?: string[];
}

export interface RewriteResult {
  text: string;
  name: string;
  version: string;
  release: string;
  /** Packages built for the target that survive, with their expanded names. */
  packages: string[];
  /** Packages the target would build that the rewrite removed. */
  dropped: string[];
  /** Edits made by the rules; line numbers refer to the spec the rules saw (upstream after overlay replacements). */
  changes: Change[];
  /** Edits made by the overlay before/after the rules (line numbers of their own stage). */
  overlayChanges: Change[];
  counts: Record<string, number>;
  lint: LintFinding[];
  /** Patch files the build must copy into SOURCES (absolute paths). */
  patches: string[];
  /** For every output line of the rule stage, the 1-based input line it came from (null: added). */
  origin: Array<number | null>;
}

export const DEFAULT_PACKAGER = 'yumda <yumda@users.noreply.github.com>';

const checksOf = new WeakMap<BaseProfile, Pick<RuleContext, 'baseHas' | 'baseProvides'>>();

/** Lookups in a profile's files and provides, made once per profile (a build rewrites many specs against one). */
function baseChecks(profile: BaseProfile): Pick<RuleContext, 'baseHas' | 'baseProvides'> {
  let checks = checksOf.get(profile);
  if (!checks) checksOf.set(profile, (checks = profileChecks(profile)));
  return checks;
}

function profileChecks(profile: BaseProfile): Pick<RuleContext, 'baseHas' | 'baseProvides'> {
  const files = new Set(profile.files.map((f) => f.replace(/\/$/, '')));
  const provides = new Set(profile.provides.map((p) => p.name));
  const links = Object.entries(profile.symlinks);
  const resolve = (path: string): string => {
    for (const [from, to] of links) {
      if (path === from || path.startsWith(from + '/')) {
        const target = to.startsWith('/') ? to : `${from.slice(0, from.lastIndexOf('/'))}/${to}`;
        return target + path.slice(from.length);
      }
    }
    return path;
  };
  return {
    baseHas: (path) => files.has(path) || files.has(resolve(path)),
    baseProvides: (name) => provides.has(name),
  };
}

/** Findings on lines the rules removed point at the output line that now stands in their place. */
function placeFindings(findings: LintFinding[], origin: Array<number | null>): LintFinding[] {
  return findings.map((f) => {
    const at = origin.findIndex((o) => o !== null && o >= (f.inputLine ?? 0));
    return { ...f, line: at < 0 ? origin.length : at + 1 };
  });
}

/** Runs the rules (no overlay stages) on a spec text. */
export function applyRules(
  text: string,
  options: RewriteOptions & { extraDrops?: Set<string>; keep?: Set<string> },
): Omit<RewriteResult, 'overlayChanges' | 'patches'> {
  const spec = parseSpec(text);
  const evaluated = evaluateSpec(spec, options.target);
  const editor = new SpecEditor(spec);
  const ctx: RuleContext = {
    spec,
    evaluated,
    editor,
    dropped: new Set(options.extraDrops ?? []),
    ...baseChecks(options.base),
    disabled: new Set(options.disable ?? []),
    excludes: [],
    excludedLists: [],
    findings: [],
    keep: options.keep ?? new Set(),
  };
  chooseDevelDrops(ctx);
  removeDroppedPackages(ctx, options.extraDrops ?? new Set());
  removeCheck(ctx);
  removeScriptlets(ctx);
  removeSystemRequires(ctx);
  removeSystemd(ctx);
  quoteIfWords(ctx);
  rewriteSystemPaths(ctx);
  rewriteDefinitions(ctx);
  keepBasePaths(ctx);
  rewriteFiles(ctx);
  removeDocInstalls(ctx);
  addExcludes(ctx);
  excludeDroppedFileLists(ctx);
  addPrefix(ctx);
  addChangelog(ctx, {
    date: options.date ?? new Date(),
    packager: options.packager ?? DEFAULT_PACKAGER,
    message: 'rebuilt for AWS Lambda with prefix /opt (yumda spec rewrite)',
  });
  const applied = editor.apply();
  const counts: Record<string, number> = Object.fromEntries(Object.keys(RULES).map((r) => [r, 0]));
  for (const change of editor.changes) counts[change.rule] = (counts[change.rule] ?? 0) + 1;
  const origin = applied.origin.map((o) => (o === null ? null : o + 1));
  return {
    text: applied.text,
    name: evaluated.name,
    version: evaluated.version,
    release: evaluated.release,
    packages: evaluated.packages.filter((p) => p.active && !ctx.dropped.has(p.key)).map((p) => p.name),
    dropped: evaluated.packages.filter((p) => p.active && ctx.dropped.has(p.key)).map((p) => p.name),
    changes: editor.changes,
    counts,
    lint: [...placeFindings(ctx.findings, origin), ...lintSpec(applied.text, origin, ctx.baseHas)],
    origin,
  };
}

/** Names of Requires/BuildRequires present in `before` and gone from `after` (removed by the rules). */
function dependencyNames(before: string, target: TargetOptions, after: string): Set<string> {
  const names = (text: string): Set<string> => {
    const spec = parseSpec(text);
    const macros = evaluateSpec(spec, target).macros;
    const out = new Set<string>();
    for (const tag of spec.tags) {
      if (tag.key !== 'requires' && tag.key !== 'buildrequires') continue;
      for (const d of splitDependencies(tag.value)) {
        out.add(d.name);
        out.add(macros.expand(d.name).replace(/\([^)]*\)$/, ''));
      }
    }
    return out;
  };
  const kept = names(after);
  return new Set([...names(before)].filter((n) => !kept.has(n)));
}

/** The whole rewrite: overlay stage before the rules, the rules, overlay stage after the rules. */
export function rewriteSpec(text: string, options: RewriteOptions): RewriteResult {
  const overlay = options.overlay;
  let input = text;
  const overlayChanges: Change[] = [];
  if (overlay) {
    const before = applyOverlayBeforeRules(input, overlay, options.target);
    input = before.text;
    overlayChanges.push(...before.changes);
  }
  const extraDrops = overlay ? overlayDropKeys(input, overlay, options.target) : new Set<string>();
  const keep = overlay ? overlayKeepKeys(input, overlay, options.target) : new Set<string>();
  const disable = [...(options.disable ?? []), ...(overlay?.disableRules ?? [])];
  const ruled = applyRules(input, { ...options, disable, extraDrops, keep });
  let output = ruled.text;
  let patches: string[] = [];
  if (overlay) {
    const after = applyOverlayAfterRules(output, overlay, {
      patchDir: options.patchDir,
      target: options.target,
      removedByRules: dependencyNames(input, options.target, output),
    });
    output = after.text;
    patches = after.patches;
    overlayChanges.push(...after.changes);
  }
  const counts = { ...ruled.counts, overlay: overlayChanges.length };
  const lint =
    output === ruled.text
      ? ruled.lint
      : [
          ...ruled.lint.filter((f) => f.text.includes('[scriptlet dropped')),
          ...lintSpec(output, null, baseChecks(options.base).baseHas),
        ];
  return { ...ruled, text: output, overlayChanges, counts, lint, patches };
}

export function ruleNames(): RuleName[] {
  return Object.keys(RULES) as RuleName[];
}
