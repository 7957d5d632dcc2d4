/**
 * Evaluates a parsed spec against a macro set: which lines are active under the conditionals,
 * the expanded Name/Version/Release/Epoch and the (sub)packages that exist for the target.
 */
import { evaluateExpression, MacroContext, truthy } from './macros.js';
import { type ParsedSpec, type Section, subpackageKey } from './parse.js';

export interface EvaluatedPackage {
  /** "" for the main package, else the %package argument as written ("devel", "-n libcurl"). */
  key: string;
  /** Expanded full package name. */
  name: string;
  /** Index of the %package section (-1 for the main package). */
  section: number;
  active: boolean;
  /** The package's own Version/Release tags when it has them, else the main package's. */
  version: string;
  release: string;
}

export interface EvaluatedSpec {
  name: string;
  version: string;
  release: string;
  epoch: string | null;
  packages: EvaluatedPackage[];
  /** For every line: is it inside active conditional branches? */
  active: boolean[];
  macros: MacroContext;
}

export interface TargetOptions {
  /** Macros file texts loaded in order (later wins): the caller's (config/macros.ts: lambda2Target, buildSpecTarget). */
  macroFiles: string[];
  /** Extra macro definitions (like rpmbuild --define). */
  defines?: Record<string, string>;
  arch?: string;
  os?: string;
}

/** Defaults rpm itself provides before any macros file (the parts the evaluator needs). */
const RPM_DEFAULTS: Array<[string, string]> = [
  ['nil', ''],
  ['_usr', '/usr'],
  ['_var', '/var'],
  ['ix86', 'i386 i486 i586 i686 pentium3 pentium4 athlon geode'],
  ['arm', 'armv3l armv4b armv4l armv4tl armv5tl armv5tel armv5tejl armv6l armv6hl armv7l armv7hl armv7hnl'],
  ['sparc', 'sparc sparcv8 sparcv9 sparcv9v sparc64 sparc64v'],
  ['alpha', 'alpha alphaev56 alphaev6 alphaev67'],
  ['power64', 'ppc64 ppc64p7 ppc64le'],
  ['mips', 'mips mipsel mipsr6 mipsr6el mips64 mips64el mips64r6 mips64r6el'],
  ['_isa', '(x86-64)'],
  ['__isa_bits', '64'],
  ['_arch', 'x86_64'],
  ['_target_cpu', 'x86_64'],
  ['_target_os', 'linux'],
  ['_build_arch', 'x86_64'],
  ['buildroot', '%{_buildrootdir}/%{name}-%{version}-%{release}.%{_arch}'],
];

export function targetMacros(options: TargetOptions): MacroContext {
  const ctx = new MacroContext(RPM_DEFAULTS);
  if (options.arch) {
    ctx.define('_arch', options.arch);
    ctx.define('_target_cpu', options.arch);
  }
  for (const text of options.macroFiles) ctx.loadFile(text);
  for (const [k, v] of Object.entries(options.defines ?? {})) ctx.define(k, v);
  return ctx;
}

function archMatches(ctx: MacroContext, list: string, value: string): boolean {
  return ctx
    .expand(list)
    .split(/[\s,]+/)
    .filter(Boolean)
    .includes(value);
}

export function evaluateSpec(spec: ParsedSpec, options: TargetOptions): EvaluatedSpec {
  const ctx = targetMacros(options);
  const arch = ctx.expand('%{_target_cpu}');
  const os = options.os ?? 'linux';
  const active: boolean[] = [];
  // each frame: is this branch active, has any branch of this %if been taken, was the parent active
  const frames: Array<{ active: boolean; taken: boolean; parent: boolean }> = [];
  const isActive = (): boolean => frames.length === 0 || frames.at(-1)!.active;
  const condByLine = new Map(spec.conditionals.map((c) => [c.line, c]));
  const result: EvaluatedSpec = { name: '', version: '', release: '', epoch: null, packages: [], active, macros: ctx };
  const tagsByLine = new Map(spec.tags.map((t) => [t.line, t]));

  const testCondition = (kind: string, expr: string): boolean => {
    switch (kind) {
      case 'if':
      case 'elif':
        return truthy(evaluateExpression(ctx.expand(expr)));
      case 'ifarch':
      case 'elifarch':
        return archMatches(ctx, expr, arch);
      case 'ifnarch':
        return !archMatches(ctx, expr, arch);
      case 'ifos':
      case 'elifos':
        return archMatches(ctx, expr, os);
      case 'ifnos':
        return !archMatches(ctx, expr, os);
      case 'macroif': {
        const negated = expr.startsWith('!');
        const defined = ctx.has(expr.replace(/^!?\?/, ''));
        return negated ? !defined : defined;
      }
      default:
        return false;
    }
  };

  for (let i = 0; i < spec.lines.length; i++) {
    const cond = condByLine.get(i);
    if (cond && !spec.continued[i]) {
      if (cond.kind.startsWith('if') || cond.kind === 'macroif') {
        const parent = isActive();
        const value = parent && testCondition(cond.kind, cond.expr);
        frames.push({ active: value, taken: value, parent });
      } else if (cond.kind === 'endif' || cond.kind === 'macroend') {
        frames.pop();
      } else {
        const frame = frames.at(-1);
        if (frame) {
          if (cond.kind === 'else') frame.active = frame.parent && !frame.taken;
          else frame.active = frame.parent && !frame.taken && testCondition(cond.kind, cond.expr);
          if (frame.active) frame.taken = true;
        }
      }
      active.push(isActive());
      continue;
    }
    const on = isActive();
    active.push(on);
    if (!on || spec.continued[i]) continue;
    const section = spec.sections[spec.sectionOf[i]!]!;
    const text = spec.lines[i]!.text;
    if (section.header === i) {
      if (section.kind === 'package') {
        const key = subpackageKey(section);
        result.packages.push({
          key,
          name: packageName(ctx, section, result.name),
          section: spec.sectionOf[i]!,
          active: true,
          version: '',
          release: '',
        });
      }
      continue;
    }
    if (section.kind === 'description' || section.kind === 'changelog') continue;
    const tag = tagsByLine.get(i);
    if (
      tag &&
      tag.qualifier === null &&
      spec.sections[tag.section]!.kind === 'package' &&
      (tag.key === 'version' || tag.key === 'release')
    ) {
      const pkg = result.packages.find((p) => p.section === tag.section);
      if (pkg) pkg[tag.key] = ctx.expand(tag.value).trim();
      continue;
    }
    if (tag && tag.qualifier === null && spec.sections[tag.section]!.kind === 'preamble') {
      const value = ctx.expand(tag.value).trim();
      if (tag.key === 'name') {
        result.name = value;
        ctx.define('name', value);
      } else if (tag.key === 'version') {
        result.version = value;
        ctx.define('version', value);
      } else if (tag.key === 'release') {
        result.release = value;
        ctx.define('release', value);
      } else if (tag.key === 'epoch') {
        result.epoch = value;
        ctx.define('epoch', value);
      } else if (tag.key === 'source' || tag.key === 'patch') {
        ctx.define(tag.name.toUpperCase(), value);
      }
      continue;
    }
    if (
      /^\s*%/.test(text) &&
      (section.kind === 'preamble' || section.kind === 'package' || /^\s*%(define|global|undefine|bcond)/.test(text))
    ) {
      // statements like %global, %bcond_with and %{!?x:%global …} are evaluated for their effect
      let logical = text;
      for (let j = i + 1; j < spec.lines.length && spec.continued[j]; j++) logical += '\n' + spec.lines[j]!.text;
      ctx.expand(logical.replace(/\\\n/g, '\\\n'));
    }
  }
  result.packages.unshift({ key: '', name: result.name, section: -1, active: true, version: '', release: '' });
  // subpackages that were never reached (inactive branches) are listed as inactive
  spec.sections.forEach((section, index) => {
    if (section.kind !== 'package') return;
    if (result.packages.some((p) => p.section === index)) return;
    result.packages.push({
      key: subpackageKey(section),
      name: packageName(ctx, section, result.name),
      section: index,
      active: false,
      version: '',
      release: '',
    });
  });
  for (const pkg of result.packages) {
    pkg.version ||= result.version;
    pkg.release ||= result.release;
  }
  return result;
}

export function packageName(ctx: MacroContext, section: Section, mainName: string): string {
  if (!section.subpackage) return mainName;
  const name = ctx.expand(section.subpackage.name);
  return section.subpackage.full ? name : `${mainName}-${name}`;
}
