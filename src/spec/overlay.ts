/**
 * Overlays (specs/NAME.yaml) hold what the rules cannot know about one package: macros to define,
 * subpackages to drop, dependencies to remove or add, Lambda patches, literal replacements and, as
 * a last resort, a unified diff of the rewritten spec. When upstream moves on and an overlay no
 * longer applies, the error names the overlay entry (or diff hunk) that failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod/v3';
import { YumdaError } from '../util/errors.js';
import { SpecEditor, type Change } from './edit.js';
import { evaluateSpec, type EvaluatedPackage, type EvaluatedSpec, type TargetOptions } from './evaluate.js';
import { splitDependencies } from './files.js';
import { parseSpec, type ParsedSpec, subpackageKey } from './parse.js';
import { RULES } from './rules.js';

const dependencyEdits = z
  .object({
    /** Dependency names to remove wherever they appear (expanded names or as written). */
    remove: z.array(z.string().min(1)).default([]),
    /** Dependencies to add: "name [op version]" for the main package, or {package, dep}. */
    add: z
      .array(z.union([z.string().min(1), z.object({ package: z.string().min(1), dep: z.string().min(1) }).strict()]))
      .default([]),
  })
  .strict();

export const overlaySchema = z
  .object({
    /** Source package name; defaults to the overlay's file name. */
    name: z.string().min(1).optional(),
    /** Why this package is in the distribution / what the overlay is for (free text). */
    notes: z.string().optional(),
    /** Macros: redefines every %define/%global of that name in the spec, else adds %global at the top. */
    macros: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]))
      .default({}),
    /** Subpackages to drop, as in %package ("askpass", "-n pam_ssh_agent_auth") or full names. */
    dropSubpackages: z.array(z.string().min(1)).default([]),
    /** Subpackages the drop-devel rule must keep. */
    keepSubpackages: z.array(z.string().min(1)).default([]),
    buildRequires: dependencyEdits.default({ remove: [], add: [] }),
    requires: dependencyEdits.default({ remove: [], add: [] }),
    /** Patch files in patches/NAME/, applied at the end of %prep (in order). */
    patches: z
      .array(
        z.union([
          z.string().min(1),
          z.object({ file: z.string().min(1), strip: z.number().int().nonnegative().default(1) }).strict(),
        ]),
      )
      .default([]),
    /** Literal replacements on the upstream spec before the rules run; each must match. */
    replace: z
      .array(
        z
          .object({
            find: z.string().min(1),
            with: z.string(),
            /** Expected number of occurrences (default: at least one, all replaced). */
            count: z.number().int().positive().optional(),
          })
          .strict(),
      )
      .default([]),
    /** Rules to skip for this package. */
    disableRules: z.array(z.enum(Object.keys(RULES) as [string, ...string[]])).default([]),
    /** Last resort: a unified diff applied to the rewritten spec. */
    diff: z.string().optional(),
  })
  .strict();

export type Overlay = z.infer<typeof overlaySchema>;

function overlayError(what: string, message: string, hint?: string): YumdaError {
  return new YumdaError('OVERLAY_FAILED', `overlay ${what}: ${message}`, hint === undefined ? {} : { hint });
}

export function parseOverlay(text: string, source: string): Overlay {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    throw new YumdaError('OVERLAY_INVALID', `${source}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = overlaySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new YumdaError('OVERLAY_INVALID', `${source}: ${issue.path.join('.') || '(top)'}: ${issue.message}`, {
      hint: 'see the overlay schema in the README (yumda spec rewrite --help)',
    });
  }
  return { ...parsed.data, name: parsed.data.name ?? basename(source).replace(/\.ya?ml$/, '') };
}

export function loadOverlay(path: string): Overlay {
  if (!existsSync(path)) throw new YumdaError('OVERLAY_NOT_FOUND', `no overlay file ${path}`);
  return parseOverlay(readFileSync(path, 'utf8'), path);
}

function macroValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

function matchesPackage(pkg: EvaluatedPackage, ref: string): boolean {
  return ref === pkg.key || ref === pkg.name || `-n ${ref}` === pkg.key;
}

function findPackage(evaluated: EvaluatedSpec, ref: string, what: string): EvaluatedPackage {
  const pkg = evaluated.packages.find((p) => matchesPackage(p, ref));
  if (!pkg) {
    throw overlayError(
      what,
      `no subpackage "${ref}" in the spec`,
      `subpackages: ${
        evaluated.packages
          .filter((p) => p.key)
          .map((p) => p.key)
          .join(', ') || '(none)'
      }`,
    );
  }
  return pkg;
}

// ---------------------------------------------------------------------------------------------
// before the rules: replacements and macros

export function applyOverlayBeforeRules(
  text: string,
  overlay: Overlay,
  target?: TargetOptions,
): { text: string; changes: Change[] } {
  let out = text;
  const changes: Change[] = [];
  overlay.replace.forEach((r, index) => {
    const found = out.split(r.find).length - 1;
    const what = `${overlay.name}: replace[${index}] (${JSON.stringify(r.find.length > 60 ? r.find.slice(0, 57) + '...' : r.find)})`;
    if (found === 0)
      throw overlayError(
        what,
        'no longer matches the spec',
        'upstream changed this text: update or remove the replacement',
      );
    if (r.count !== undefined && found !== r.count)
      throw overlayError(what, `matches ${found} times, expected ${r.count}`);
    const line = out.slice(0, out.indexOf(r.find)).split('\n').length;
    out = out.split(r.find).join(r.with);
    changes.push({ rule: 'overlay', line, kind: 'replace', before: r.find, after: [r.with] });
  });

  const entries = Object.entries(overlay.macros);
  if (entries.length > 0) {
    const spec = parseSpec(out);
    const editor = new SpecEditor(spec);
    const missing: string[] = [];
    for (const [name, value] of entries) {
      const defs = spec.defines.filter((d) => d.name === name);
      if (defs.length === 0) missing.push(`%global ${name} ${macroValue(value)}`);
      for (const def of defs) {
        const first = spec.lines[def.line]!.text;
        const m = /^(\s*%(?:define|global)\s+[A-Za-z_][A-Za-z0-9_]*(?:\([^)]*\))?\s+)/.exec(first);
        editor.replace(def.line, `${m ? m[1] : `%global ${name} `}${macroValue(value)}`, 'overlay');
        for (let i = def.line + 1; i <= def.lastLine; i++) editor.delete(i, 'overlay');
      }
    }
    if (missing.length > 0) editor.insertBefore(0, [`# yumda overlay: ${overlay.name}`, ...missing], 'overlay');
    out = editor.apply().text;
    changes.push(...editor.changes);
  }
  void target;
  return { text: out, changes };
}

/** Keys of the subpackages the overlay drops (validated against the spec). */
export function overlayDropKeys(text: string, overlay: Overlay, target: TargetOptions): Set<string> {
  const keys = new Set<string>();
  if (overlay.dropSubpackages.length === 0) return keys;
  const evaluated = evaluateSpec(parseSpec(text), target);
  overlay.dropSubpackages.forEach((ref, index) => {
    keys.add(findPackage(evaluated, ref, `${overlay.name}: dropSubpackages[${index}]`).key);
  });
  return keys;
}

export function overlayKeepKeys(text: string, overlay: Overlay, target: TargetOptions): Set<string> {
  const keys = new Set<string>();
  if (overlay.keepSubpackages.length === 0) return keys;
  const evaluated = evaluateSpec(parseSpec(text), target);
  overlay.keepSubpackages.forEach((ref, index) => {
    keys.add(findPackage(evaluated, ref, `${overlay.name}: keepSubpackages[${index}]`).key);
  });
  return keys;
}

// ---------------------------------------------------------------------------------------------
// after the rules: dependencies, patches, diff

function removeDependencies(
  spec: ParsedSpec,
  evaluated: EvaluatedSpec,
  editor: SpecEditor,
  tagKey: string,
  names: string[],
  what: string,
  removedByRules: ReadonlySet<string>,
): void {
  names.forEach((name, index) => {
    let hit = false;
    for (const tag of spec.tags) {
      if (tag.key !== tagKey || editor.isDeleted(tag.line)) continue;
      const text = editor.text(tag.line);
      const m = /^([A-Za-z]+(?:\([^)]*\))?\s*:\s*)(.*?)(\s*)$/.exec(text);
      if (!m) continue;
      const deps = splitDependencies(m[2]!);
      const keep = deps.filter(
        (d) => d.name !== name && evaluated.macros.expand(d.name).replace(/\([^)]*\)$/, '') !== name,
      );
      if (keep.length === deps.length) continue;
      hit = true;
      if (keep.length === 0) editor.delete(tag.line, 'overlay');
      else
        editor.replace(
          tag.line,
          `${m[1]}${keep.map((d) => d.text).join(m[2]!.includes(',') ? ', ' : ' ')}${m[3]}`,
          'overlay',
        );
    }
    // the rules may have removed it already (the systemd rule takes systemd-devel): nothing to do
    if (!hit && !removedByRules.has(name))
      throw overlayError(
        `${what}.remove[${index}] (${name})`,
        `no ${tagKey === 'buildrequires' ? 'BuildRequires' : 'Requires'} on "${name}" left in the spec`,
        'upstream dropped it: remove the entry',
      );
  });
}

function lastTagLine(spec: ParsedSpec, sectionIndex: number, key?: (k: string) => boolean): number | undefined {
  const tags = spec.tags.filter((t) => t.section === sectionIndex && (key === undefined || key(t.key)));
  let line = tags.at(-1)?.line;
  if (line === undefined) return undefined;
  while (spec.continued[line + 1]) line++;
  return line;
}

export function applyOverlayAfterRules(
  text: string,
  overlay: Overlay,
  options: { patchDir: string | undefined; target: TargetOptions; removedByRules?: ReadonlySet<string> },
): { text: string; changes: Change[]; patches: string[] } {
  const removedByRules = options.removedByRules ?? new Set<string>();
  const spec = parseSpec(text);
  const evaluated = evaluateSpec(spec, options.target);
  const editor = new SpecEditor(spec);
  removeDependencies(
    spec,
    evaluated,
    editor,
    'buildrequires',
    overlay.buildRequires.remove,
    `${overlay.name}: buildRequires`,
    removedByRules,
  );
  removeDependencies(
    spec,
    evaluated,
    editor,
    'requires',
    overlay.requires.remove,
    `${overlay.name}: requires`,
    removedByRules,
  );

  const preamble = 0;
  if (overlay.buildRequires.add.length > 0) {
    const at = lastTagLine(spec, preamble, (k) => k === 'buildrequires') ?? lastTagLine(spec, preamble);
    if (at === undefined) throw overlayError(`${overlay.name}: buildRequires.add`, 'the spec has no preamble tags');
    const lines = overlay.buildRequires.add.map((d) => `BuildRequires: ${typeof d === 'string' ? d : d.dep}`);
    editor.insertAfter(at, lines, 'overlay');
  }
  overlay.requires.add.forEach((entry, index) => {
    const ref = typeof entry === 'string' ? '' : entry.package;
    const dep = typeof entry === 'string' ? entry : entry.dep;
    const section =
      ref === '' ? preamble : findPackage(evaluated, ref, `${overlay.name}: requires.add[${index}]`).section;
    const at = lastTagLine(spec, section === -1 ? preamble : section);
    if (at === undefined) throw overlayError(`${overlay.name}: requires.add[${index}]`, 'no tags in that package');
    editor.insertAfter(at, [`Requires: ${dep}`], 'overlay');
  });

  const patches: string[] = [];
  if (overlay.patches.length > 0) {
    const dir = options.patchDir;
    if (!dir) throw overlayError(`${overlay.name}: patches`, 'no patch directory was given for its patches');
    const prep = spec.sections.find((s) => s.kind === 'prep');
    if (!prep) throw overlayError(`${overlay.name}: patches`, 'the spec has no %prep section');
    const autoApplies = spec.lines.slice(prep.start, prep.end).some((l) => /%(autosetup|autopatch)\b/.test(l.text));
    const tagAt = lastTagLine(spec, preamble, (k) => k === 'patch' || k === 'source') ?? lastTagLine(spec, preamble);
    const tags: string[] = [];
    const applies: string[] = [];
    overlay.patches.forEach((p, index) => {
      const file = typeof p === 'string' ? p : p.file;
      const strip = typeof p === 'string' ? 1 : p.strip;
      const path = join(dir, file);
      if (!existsSync(path)) throw overlayError(`${overlay.name}: patches[${index}]`, `no patch file ${path}`);
      const number = 9000 + index;
      patches.push(path);
      tags.push(`Patch${number}: ${file}`);
      applies.push(`%patch${number} -p${strip}`);
    });
    if (tagAt === undefined) throw overlayError(`${overlay.name}: patches`, 'the spec has no preamble tags');
    editor.insertAfter(tagAt, tags, 'overlay');
    if (!autoApplies) {
      let at = prep.end - 1;
      while (at > prep.header && spec.lines[at]!.text.trim() === '') at--;
      editor.insertAfter(at, ['# Lambda patches (yumda overlay)', ...applies], 'overlay');
    }
  }

  let out = editor.apply().text;
  const changes = [...editor.changes];
  if (overlay.diff) {
    out = applyUnifiedDiff(out, overlay.diff, `${overlay.name}: diff`);
    changes.push({ rule: 'overlay', line: 1, kind: 'replace', before: '(diff)', after: ['(diff)'] });
  }
  return { text: out, changes, patches };
}

/** Applies a unified diff hunk by hunk; the error names the first hunk that does not apply. */
export function applyUnifiedDiff(text: string, diffText: string, what: string): string {
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(diffText);
  } catch (e) {
    throw overlayError(what, `not a unified diff: ${(e as Error).message}`);
  }
  let out = text;
  let hunkNo = 0;
  for (const patch of patches) {
    for (const hunk of patch.hunks) {
      hunkNo++;
      const single: StructuredPatch = { ...patch, hunks: [hunk] };
      const result = applyPatch(out, single, { fuzzFactor: 0 });
      if (result === false) {
        const header = `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
        throw overlayError(
          what,
          `hunk ${hunkNo} (${header}) no longer applies`,
          'upstream changed the lines around it: regenerate the diff against the new rewritten spec',
        );
      }
      out = result;
    }
  }
  return out;
}

export { subpackageKey };
