/**
 * `yumda check`: predicts, before deployment, whether a layer will work on Lambda — every ELF
 * object's libraries resolved the way the loader will resolve them there, symbol versions against
 * the base's glibc, script interpreters, hardcoded system paths, sizes, and (for zips) symlinks.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { BaseProfile } from '../config/profile.js';
import { defaultTargetId, elfMachineName, resolveTarget, type Target } from '../config/target.js';
import { YumdaError } from '../util/errors.js';
import { isElfMagic, parseElf, withFileSource, type ElfInfo } from './elf.js';
import { findLibrary, loadTree, type LoaderContext, type Requester, type Resolution } from './loader.js';
import { findAbsolutePaths, isAllowedPath } from './paths.js';
import { LAMBDA_LIMITS, formatBytes, type CheckReport, type Finding } from './report.js';
import { FsView, walkLayer, type LayerEntry } from './view.js';
import { extractLayerZip, zipFindings } from './zipread.js';

export { formatReport, summarizeReport } from './report.js';
export type { CheckReport, Finding } from './report.js';

/** What a layer is checked against: a base profile (the caller loads it), or `forLayer` deciding it. */
export type CheckOptions = CheckSettings &
  (
    | { profile: BaseProfile; forLayer?: undefined }
    | { forLayer: (dir: string) => Promise<{ profile: BaseProfile; target: Target }>; profile?: undefined }
  );

export interface CheckSettings {
  /**
   * The layer's target: an ELF file for another machine is an error (default: al2 on the
   * profile's arch, when that is a known arch).
   */
  target?: Target;
  /**
   * (In CheckOptions, instead of `profile`: decides the profile and the target from what is
   * checked, the directory or the zip once extracted: its .yumda/installed.json says what the
   * layer was installed for; wins over `target`.)
   */
  /** Warnings fail the check too. */
  strict?: boolean;
  /** How many files with hardcoded paths to list (default 50) and paths per file (default 5). */
  maxPathFiles?: number;
  maxPathsPerFile?: number;
}

/** Lambda's PATH (what `#!/usr/bin/env perl` searches). */
export const LAMBDA_PATH = ['/usr/local/bin', '/usr/bin', '/bin', '/opt/bin'];

const HEAD_BYTES = 8192;
const MAX_TEXT_SCAN = 1024 * 1024;
const MAX_ELF_DATA_SCAN = 16 * 1024 * 1024;
/** Documentation and headers are never executed: paths in them do not matter. */
const NOT_SCANNED = ['share/doc', 'share/man', 'share/info', 'share/licenses', 'include', '.yumda'];

interface Scanned {
  entry: LayerEntry;
  elf?: ElfInfo;
  elfError?: string;
  shebang?: string;
  paths: string[];
}

/** Checks a layer directory, or a layer zip, against a base profile. */
export async function checkLayer(target: string, options: CheckOptions): Promise<CheckReport> {
  let st;
  try {
    st = statSync(target);
  } catch {
    throw new YumdaError('CHECK_TARGET_MISSING', `${target} does not exist`, {
      hint: 'give the layer directory (what Lambda mounts at /opt) or its zip',
    });
  }
  const settle = async (dir: string): Promise<CheckSettings & { profile: BaseProfile }> =>
    options.forLayer ? { ...options, ...(await options.forLayer(dir)) } : { ...options, profile: options.profile };
  if (st.isDirectory()) {
    const settled = await settle(target);
    return checkDirectory(target, target, settled.profile, settled, null);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'yumda-check-'));
  try {
    const zip = await extractLayerZip(target, scratch);
    const settled = await settle(scratch);
    return checkDirectory(scratch, target, settled.profile, settled, zip);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function checkDirectory(
  dir: string,
  label: string,
  profile: BaseProfile,
  options: CheckOptions,
  zip: Awaited<ReturnType<typeof extractLayerZip>> | null,
): CheckReport {
  const root = profile.layerRoot.replace(/\/+$/, '') || '/opt';
  const entries = walkLayer(dir, root);
  const view = new FsView(entries, profile);
  const findings: Finding[] = [];
  const scannedByPath = new Map<string, Scanned>();
  for (const e of entries) if (e.kind === 'file') scannedByPath.set(e.path, scanFile(e, !skipScan(e.path, root)));
  const scanned = [...scannedByPath.values()].filter((s) => !skipScan(s.entry.path, root));

  const elfOf = (path: string): ElfInfo | null => scannedByPath.get(path)?.elf ?? null;
  const ctx: LoaderContext = {
    view,
    ldLibraryPath: profile.ldLibraryPath,
    defaultDirs: profile.defaultLibDirs,
    libDirName: (info) => (info.bits === 64 ? 'lib64' : 'lib'),
    platform: profile.arch,
    elfOf,
  };

  const target = options.target ?? defaultTarget(profile.arch);
  const foreign = target ? wrongMachine(scannedByPath.values(), target) : [];
  const foreignPaths = new Set(foreign.map((f) => f.file));
  // an ELF for another machine cannot load at all: its libraries are not looked for
  const elfs = [...scannedByPath.values()].filter((s) => s.elf && !foreignPaths.has(s.entry.path));
  findings.push(...foreign);
  for (const s of scannedByPath.values()) {
    if (s.elfError) {
      findings.push({
        severity: 'warning',
        code: 'unreadable-elf',
        file: s.entry.path,
        message: `looks like ELF but cannot be read: ${s.elfError}`,
      });
    }
  }
  findings.push(...checkSetIdBits(entries));
  findings.push(...checkLibraries(elfs, view, ctx, profile));
  findings.push(...checkScripts([...scannedByPath.values()], view));
  findings.push(...checkHardcodedPaths(scanned, view, profile, options));
  const sizes = sizeStats(entries, root);
  if (sizes.total > LAMBDA_LIMITS.unzippedBytes) {
    findings.push({
      severity: 'error',
      code: 'size-unzipped',
      message: `the layer is ${formatBytes(sizes.total)} unzipped; Lambda allows ${formatBytes(LAMBDA_LIMITS.unzippedBytes)} for the function and all its layers together`,
      details: sizes.largest.map((d) => `${formatBytes(d.bytes).padStart(9)}  ${d.path}`),
      hint: 'split it into several layers or leave out what the function does not need',
    });
  }
  if (zip) {
    findings.push(...zipFindings(zip.entries, root));
    if (zip.zippedBytes > LAMBDA_LIMITS.zippedBytes) {
      findings.push({
        severity: 'warning',
        code: 'size-zipped',
        message: `the zip is ${formatBytes(zip.zippedBytes)}; direct uploads are limited to ${formatBytes(LAMBDA_LIMITS.zippedBytes)}`,
        hint: 'upload the zip to S3 and publish the layer from there (aws lambda publish-layer-version --content S3Bucket=…,S3Key=…)',
      });
    }
  }

  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const strict = options.strict ?? false;
  return {
    target: label,
    profile: profile.id,
    ...(target ? { runtime: target.key } : {}),
    strict,
    ok: errors === 0 && (!strict || warnings === 0),
    errors,
    warnings,
    findings: sortFindings(findings),
    stats: {
      files: entries.filter((e) => e.kind === 'file').length,
      symlinks: entries.filter((e) => e.kind === 'symlink').length,
      elfObjects: elfs.length + foreign.length,
      scripts: [...scannedByPath.values()].filter((s) => s.shebang !== undefined).length,
      textFilesScanned: scanned.filter((s) => !s.elf).length,
      unzippedBytes: sizes.total,
      zippedBytes: zip ? zip.zippedBytes : null,
      largestDirs: sizes.largest,
    },
    limits: { ...LAMBDA_LIMITS },
  };
}

/** al2 on an arch the targets know; null for another arch (a hand-made profile): no machine check. */
function defaultTarget(arch: string): Target | null {
  try {
    return resolveTarget(defaultTargetId, arch);
  } catch {
    return null;
  }
}

/**
 * Executables and shared objects whose machine is not the target's (a 32-bit x86 or aarch64 binary
 * in an x86_64 layer). Relocatable objects (eBPF programs, firmware) are data nothing loads.
 */
function wrongMachine(scanned: Iterable<Scanned>, target: Target): Finding[] {
  const expected = target.facts.elfMachine;
  const findings: Finding[] = [];
  for (const s of scanned) {
    if (!s.elf || s.elf.machine === expected || (s.elf.type !== 'exec' && s.elf.type !== 'dyn')) continue;
    findings.push({
      severity: 'error',
      code: 'wrong-machine',
      file: s.entry.path,
      message: `an ELF file for ${elfMachineName(s.elf.machine)}, but the layer is for ${target.arch} (${elfMachineName(expected)}, ${target.key}): it cannot run there`,
      hint: `rebuild or reinstall it for ${target.arch}, or check the layer against its own target (--target DIST/ARCH)`,
    });
  }
  return findings;
}

/** Lambda runs functions as an unprivileged user with no_new_privs: set-id bits do nothing but alarm. */
function checkSetIdBits(entries: readonly LayerEntry[]): Finding[] {
  const marked = entries.filter((e) => e.kind !== 'symlink' && (e.mode & 0o6000) !== 0);
  if (marked.length === 0) return [];
  return [
    {
      severity: 'warning',
      code: 'setid-bits',
      message: `${marked.length} file${marked.length === 1 ? ' has' : 's have'} setuid/setgid bits, which Lambda cannot honour`,
      details: marked.slice(0, 20).map((e) => `${(e.mode & 0o7777).toString(8).padStart(4, '0')}  ${e.path}`),
      hint: 'yumda install clears them; clear them with chmod u-s,g-s if they were set by hand',
    },
  ];
}

function skipScan(path: string, root: string): boolean {
  const rel = path.slice(root.length + 1);
  return NOT_SCANNED.some((d) => rel === d || rel.startsWith(d + '/'));
}

function sortFindings(findings: Finding[]): Finding[] {
  const rank = (f: Finding): number => (f.severity === 'error' ? 0 : 1);
  return findings.sort(
    (a, b) => rank(a) - rank(b) || a.code.localeCompare(b.code) || (a.file ?? '').localeCompare(b.file ?? ''),
  );
}

/** Reads what the checks need from one layer file: ELF data, shebang, absolute paths in its strings. */
function scanFile(entry: LayerEntry, scanPaths: boolean): Scanned {
  const result: Scanned = { entry, paths: [] };
  let head: Buffer;
  try {
    const fd = openSync(entry.hostPath, 'r');
    try {
      head = Buffer.alloc(Math.min(HEAD_BYTES, entry.size));
      const n = readSync(fd, head, 0, head.length, 0);
      head = head.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch {
    return result; // unreadable (permissions): nothing to say about it
  }
  if (isElfMagic(head)) {
    try {
      withFileSource(entry.hostPath, (source) => {
        const info = parseElf(source);
        result.elf = info;
        let budget = MAX_ELF_DATA_SCAN;
        for (const s of info.sections) {
          if (!scanPaths || (s.name !== '.rodata' && s.name !== '.data' && s.name !== '.data.rel.ro')) continue;
          const size = Math.min(s.size, budget, Math.max(0, source.size - s.offset));
          if (size <= 0) continue;
          budget -= size;
          for (const p of findAbsolutePaths(source.read(s.offset, size).toString('latin1'))) result.paths.push(p);
        }
      });
    } catch (e) {
      result.elfError = (e as Error).message;
    }
    return result;
  }
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    const end = head.indexOf(0x0a);
    result.shebang = head.toString('utf8', 2, end < 0 ? head.length : end).trim();
  }
  if (!scanPaths || head.includes(0) || entry.size > MAX_TEXT_SCAN) return result;
  let text = head.toString('latin1');
  if (entry.size > head.length) {
    try {
      const fd = openSync(entry.hostPath, 'r');
      try {
        const buf = Buffer.alloc(entry.size);
        const n = readSync(fd, buf, 0, entry.size, 0);
        text = buf.toString('latin1', 0, n);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* keep the head */
    }
  }
  // the interpreter line is judged by the script check, not as a hardcoded path
  if (result.shebang !== undefined) text = text.slice(text.indexOf('\n') + 1);
  result.paths = findAbsolutePaths(text);
  return result;
}

const STEP_NAMES: Record<string, string> = {
  rpath: 'DT_RPATH',
  ld_library_path: "Lambda's LD_LIBRARY_PATH",
  runpath: 'DT_RUNPATH',
  default: "the loader's default directories",
  path: 'an explicit path',
};

function checkLibraries(elfs: Scanned[], view: FsView, ctx: LoaderContext, profile: BaseProfile): Finding[] {
  const findings: Finding[] = [];
  const programs = elfs.filter((s) => s.elf!.interpreter !== null && (s.elf!.type === 'exec' || s.elf!.type === 'dyn'));
  const libraries = elfs.filter((s) => s.elf!.interpreter === null && s.elf!.type === 'dyn');

  // interpreters
  for (const p of programs) {
    const interp = p.elf!.interpreter!;
    if (!view.exists(interp)) {
      findings.push({
        severity: 'error',
        code: 'missing-interpreter',
        file: p.entry.path,
        message: `its program interpreter ${interp} exists neither in the layer nor in the ${profile.id} base`,
        hint: 'build it for the target (Amazon Linux uses /lib64/ld-linux-x86-64.so.2 on x86_64, /lib/ld-linux-aarch64.so.1 on aarch64)',
      });
    }
  }

  // load every program with its tree; then every library nothing loaded (plugins, dlopen'ed modules) on its own
  const resolutions: { res: Resolution; root: string }[] = [];
  const reached = new Set<string>();
  const canonical = (s: Scanned): string => view.locate(s.entry.path)?.path ?? s.entry.path;
  for (const p of programs) {
    const tree = loadTree({ path: canonical(p), info: p.elf! }, ctx);
    for (const r of tree.resolutions) resolutions.push({ res: r, root: tree.root });
    for (const o of tree.layerObjects) reached.add(o);
  }
  for (const l of libraries) {
    const path = canonical(l);
    if (reached.has(path)) continue;
    const tree = loadTree({ path, info: l.elf! }, ctx);
    for (const r of tree.resolutions) resolutions.push({ res: r, root: tree.root });
    for (const o of tree.layerObjects) reached.add(o);
  }

  const seen = new Set<string>();
  const shadowed = new Map<string, Finding>();
  for (const { res, root } of resolutions) {
    const key = `${res.requester}\0${res.name}\0${res.found?.path ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const requesterInfo = ctx.elfOf(res.requester);
    if (!res.found) {
      findings.push({
        severity: 'error',
        code: 'missing-library',
        file: res.requester,
        message:
          `needs ${res.name}, which is neither in the layer nor in the ${profile.id} base` +
          (root !== res.requester ? ` (loaded by ${root})` : ''),
        details: [
          `searched: ${[...new Set(res.searched.map((s) => s.dir))].join(':') || '(nothing)'}`,
          ...elsewhereHint(view, res.name),
        ],
        hint: `install the package that provides it (yumda provides '${res.name}()(64bit)'), or bundle it under ${view.root}/lib`,
      });
      continue;
    }
    if (res.step === 'already-loaded' || !requesterInfo) continue;
    if (res.found.where === 'base') {
      // shadowing: a layer copy in a directory searched later
      const winnerIdx = res.searched.findIndex((s) => s.dir === res.dir && s.step === res.step);
      for (const s of res.searched.slice(winnerIdx + 1)) {
        const candidate = view.locate(posix.join(s.dir, res.name));
        if (candidate?.where !== 'layer' || candidate.kind !== 'file') continue;
        addShadow(
          shadowed,
          candidate.path,
          res.found.path,
          `${res.requester} finds ${res.name} first in ${res.dir} (${STEP_NAMES[res.step ?? 'default']}: ${describeList(res, ctx)}), before ${s.dir}`,
        );
        break;
      }
    }
    if (res.step === 'ld_library_path' && requesterInfo.hasRunpath) {
      const runpathOnly = firstInRunpath(res, ctx);
      if (runpathOnly && runpathOnly !== res.found.path) {
        findings.push({
          severity: 'warning',
          code: 'runpath-overridden',
          file: res.requester,
          message: `its DT_RUNPATH would load ${runpathOnly} for ${res.name}, but Lambda's LD_LIBRARY_PATH is searched first and loads ${res.found.path}`,
          details: [`LD_LIBRARY_PATH=${ctx.ldLibraryPath.join(':')}`, `RUNPATH=${requesterInfo.runpath.join(':')}`],
          hint: 'link with DT_RPATH instead (-Wl,-rpath,DIR -Wl,--disable-new-dtags), which is searched before LD_LIBRARY_PATH',
        });
      }
    }
  }

  // layer libraries in a directory on LD_LIBRARY_PATH whose name a base directory listed earlier also has
  for (const l of libraries) {
    const path = canonical(l);
    const dir = posix.dirname(path);
    const onPath = ctx.ldLibraryPath.some((d) => view.locate(d)?.path === dir);
    if (!onPath) continue;
    const name = l.elf!.soname ?? posix.basename(path);
    const probe: Requester = {
      path,
      info: { ...l.elf!, rpath: [], runpath: [], hasRpath: false, hasRunpath: false },
      origin: dir,
    };
    const res = findLibrary(name, probe, [], ctx);
    if (res.found?.where === 'base') {
      addShadow(
        shadowed,
        path,
        res.found.path,
        `a program that relies on LD_LIBRARY_PATH (${ctx.ldLibraryPath.join(':')}) finds ${name} in ${res.dir} before ${dir}`,
      );
    }
  }
  findings.push(...shadowed.values());
  findings.push(
    ...checkVersions(
      resolutions.map((r) => r.res),
      ctx,
      profile,
    ),
  );
  return findings;
}

function describeList(res: Resolution, ctx: LoaderContext): string {
  if (res.step === 'ld_library_path') return ctx.ldLibraryPath.join(':');
  return [...new Set(res.searched.filter((s) => s.step === res.step).map((s) => s.dir))].join(':');
}

function addShadow(map: Map<string, Finding>, layerFile: string, winner: string, why: string): void {
  const existing = map.get(layerFile);
  if (existing) {
    if (existing.details && existing.details.length < 6 && !existing.details.includes(why)) existing.details.push(why);
    return;
  }
  map.set(layerFile, {
    severity: 'warning',
    code: 'shadowed-library',
    file: layerFile,
    message: `is shadowed by the base's ${winner}, which the loader finds first on Lambda`,
    details: [why],
    hint: `drop the layer copy if the base one is compatible, or link the programs that need it with DT_RPATH (-Wl,-rpath,${posix.dirname(layerFile)} -Wl,--disable-new-dtags)`,
  });
}

function firstInRunpath(res: Resolution, ctx: LoaderContext): string | null {
  for (const s of res.searched) {
    if (s.step !== 'runpath') continue;
    const found = ctx.view.locate(posix.join(s.dir, res.name));
    if (found?.kind === 'file') return found.path;
  }
  return null;
}

function elsewhereHint(view: FsView, name: string): string[] {
  const copies = view.layerFilesNamed(name).map((e) => e.path);
  return copies.length
    ? [`the layer has it at ${copies.slice(0, 3).join(', ')}, a directory the loader does not search`]
    : [];
}

function parseVersion(v: string): number[] {
  return v.split('.').map((x) => Number.parseInt(x, 10) || 0);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** soname → version names the base profile says it defines (from provides like libstdc++.so.6(GLIBCXX_3.4.24)(64bit)). */
function baseVersionDefs(profile: BaseProfile): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of profile.provides) {
    const m = /^([^()]+)\(([^()]*)\)(?:\(64bit\))?$/.exec(p.name);
    if (!m || !m[2]) continue;
    const set = out.get(m[1]!) ?? new Set<string>();
    set.add(m[2]!);
    out.set(m[1]!, set);
  }
  return out;
}

function checkVersions(resolutions: Resolution[], ctx: LoaderContext, profile: BaseProfile): Finding[] {
  const findings: Finding[] = [];
  const glibc = parseVersion(profile.glibc.version);
  const baseDefs = baseVersionDefs(profile);
  // requester → needed name → where it was found
  const found = new Map<string, Map<string, { path: string; where: 'layer' | 'base' }>>();
  for (const r of resolutions) {
    if (!r.found) continue;
    const m = found.get(r.requester) ?? new Map();
    m.set(r.name, { path: r.found.path, where: r.found.where });
    found.set(r.requester, m);
  }
  for (const [requester, deps] of found) {
    const info = ctx.elfOf(requester);
    if (!info) continue;
    const glibcTooNew: string[] = [];
    const missing: string[] = [];
    for (const need of info.verneed) {
      const dep = deps.get(need.file);
      if (!dep) continue; // not found: already an error of its own
      for (const v of need.versions) {
        if (v.weak) continue;
        if (dep.where === 'layer') {
          const defs = ctx.elfOf(dep.path)?.verdef ?? [];
          if (defs.length > 0 && !defs.includes(v.name))
            missing.push(`${v.name} from ${need.file} (${dep.path} defines ${defs.slice(-3).join(', ')}…)`);
          continue;
        }
        const g = /^GLIBC_(\d+(?:\.\d+)*)$/.exec(v.name);
        if (g) {
          if (compareVersions(parseVersion(g[1]!), glibc) > 0) glibcTooNew.push(`${v.name} (${need.file})`);
          continue;
        }
        const defs = baseDefs.get(need.file);
        if (defs && defs.size > 0 && !defs.has(v.name)) missing.push(`${v.name} from ${need.file} (${dep.path})`);
      }
    }
    if (glibcTooNew.length) {
      findings.push({
        severity: 'error',
        code: 'glibc-version',
        file: requester,
        message: `needs ${[...new Set(glibcTooNew)].join(', ')}, but the ${profile.id} base has glibc ${profile.glibc.version}`,
        hint: `rebuild it against glibc ${profile.glibc.version} or older (on ${profile.id} itself, e.g. with the yumda build image)`,
      });
    }
    if (missing.length) {
      findings.push({
        severity: 'error',
        code: 'symbol-version',
        file: requester,
        message: `needs symbol versions its libraries do not define: ${[...new Set(missing)].join('; ')}`,
        hint: 'rebuild it against the library versions the layer and base actually ship',
      });
    }
  }
  return findings;
}

function checkScripts(files: Scanned[], view: FsView): Finding[] {
  const findings: Finding[] = [];
  for (const s of files) {
    if (s.shebang === undefined || (s.entry.mode & 0o111) === 0) continue;
    const [interp, ...args] = s.shebang.split(/\s+/).filter(Boolean);
    if (!interp) continue;
    if (!interp.startsWith('/')) continue; // relative interpreters depend on the cwd; rare and not ours to judge
    if (!view.exists(interp)) {
      const name = posix.basename(interp);
      const inLayer = findOnPath(view, name, [`${view.root}/bin`, `${view.root}/sbin`]);
      findings.push({
        severity: 'error',
        code: 'missing-script-interpreter',
        file: s.entry.path,
        message: `its interpreter ${interp} (#!${s.shebang}) does not exist on Lambda`,
        hint: inLayer
          ? `use #!/usr/bin/env ${name} (Lambda's PATH includes ${view.root}/bin) or #!${inLayer}`
          : `install ${name} into the layer and use #!/usr/bin/env ${name}`,
      });
      continue;
    }
    if (posix.basename(interp) === 'env') {
      const program = args.find((a) => !a.startsWith('-') && !a.includes('='));
      if (!program || program.includes('/')) continue;
      if (!findOnPath(view, program, LAMBDA_PATH)) {
        findings.push({
          severity: 'error',
          code: 'missing-script-interpreter',
          file: s.entry.path,
          message: `its interpreter ${program} (#!${s.shebang}) is not on Lambda's PATH (${LAMBDA_PATH.join(':')})`,
          hint: `install ${program} into the layer (it must end up in ${view.root}/bin)`,
        });
      }
    }
  }
  return findings;
}

function findOnPath(view: FsView, name: string, dirs: string[]): string | null {
  for (const d of dirs) {
    const p = posix.join(d, name);
    const found = view.locate(p);
    if (found?.kind === 'file') return p;
  }
  return null;
}

function checkHardcodedPaths(scanned: Scanned[], view: FsView, profile: BaseProfile, options: CheckOptions): Finding[] {
  const maxFiles = options.maxPathFiles ?? 50;
  const perFile = options.maxPathsPerFile ?? 5;
  const allowed = profile.ldLibraryPath.filter((d) => !['/lib', '/lib64', '/usr/lib', '/usr/lib64'].includes(d));
  const perFileMissing: { file: string; paths: string[] }[] = [];
  for (const s of scanned) {
    const missing = s.paths.filter((p) => !isAllowedPath(p, allowed) && !view.exists(p));
    if (missing.length) perFileMissing.push({ file: s.entry.path, paths: missing });
  }
  const findings: Finding[] = perFileMissing.slice(0, maxFiles).map(({ file, paths }) => ({
    severity: 'warning' as const,
    code: 'hardcoded-path' as const,
    file,
    message: `refers to ${paths.length === 1 ? 'a path' : `${paths.length} paths`} that will not exist on Lambda: ${paths.slice(0, perFile).join(', ')}${paths.length > perFile ? `, … (${paths.length - perFile} more)` : ''}`,
    hint: `build with --prefix=${view.root} (or make the path configurable); only ${view.root}, /tmp and /var/task are yours on Lambda`,
  }));
  if (perFileMissing.length > maxFiles) {
    findings.push({
      severity: 'warning',
      code: 'hardcoded-path',
      message: `${perFileMissing.length - maxFiles} more files refer to paths that will not exist on Lambda (not listed)`,
    });
  }
  return findings;
}

function sizeStats(entries: LayerEntry[], root: string): { total: number; largest: { path: string; bytes: number }[] } {
  let total = 0;
  const dirs = new Map<string, number>();
  for (const e of entries) {
    if (e.kind !== 'file') continue;
    total += e.size;
    const parts = e.path.slice(root.length + 1).split('/');
    for (let depth = 1; depth <= Math.min(2, parts.length - 1); depth++) {
      const d = posix.join(root, ...parts.slice(0, depth));
      dirs.set(d, (dirs.get(d) ?? 0) + e.size);
    }
  }
  const largest = [...dirs.entries()]
    .map(([path, bytes]) => ({ path, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path))
    .slice(0, 8);
  return { total, largest };
}
