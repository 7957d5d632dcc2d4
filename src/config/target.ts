/**
 * Targets: (distribution, architecture) pairs yumda builds and installs for, such as al2/x86_64 or
 * al2023/aarch64. Everything that differs between them is data in repo-metadata/targets/DIST.json
 * (rpm features and payload compressors, glibc, loader path and LD_LIBRARY_PATH, macros, build
 * image, upstream, base profile), so a new target is a new file, not a code branch.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { z } from 'zod/v3';
import { loadProfile, noneProfile, type BaseProfile } from './profile.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';

const archSchema = z.object({
  description: z.string(),
  /** rpm's isa spelling in `name(ISA)` provides: x86-64, aarch-64. */
  isa: z.string(),
  /** The marker rpm appends to sonames on this arch: "(64bit)". */
  bits: z.string(),
  /** ELF e_machine of this arch (62 x86-64, 183 AArch64). */
  elfMachine: z.number().int(),
  /** The dynamic loader (PT_INTERP) of the target's binaries. */
  loader: z.string(),
  /** LD_LIBRARY_PATH as Lambda sets it for this runtime. */
  ldLibraryPath: z.array(z.string()),
  /** The loader's built-in search directories. */
  defaultLibDirs: z.array(z.string()),
  /** Directories whose shared libraries are the base's sonames. */
  libDirs: z.array(z.string()),
  /** The base profile id (repo-metadata/base/ID.json); absent until captured. */
  profile: z.string(),
  /**
   * Symbol version nodes per soname, used only when a capture has no ELF content to read them
   * from (a path listing). A capture from a root, tarball or image reads them from the files.
   */
  listingSymbolVersions: z.record(z.string(), z.array(z.string())).default({}),
});

const targetSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  distTag: z.string(),
  /** File name in repo-metadata/macros/. */
  macros: z.string(),
  buildImage: z.object({ dockerfile: z.string(), tag: z.string() }),
  /** The Lambda base image the scheduled capture reads. */
  captureImage: z.string(),
  /** Default upstream id (repo-metadata/upstreams.json): where `yumda source` finds this target's SRPMs. */
  upstream: z.string(),
  /** yum's $releasever on this distribution ("2", "2023"); default: the digits of the id. */
  releasever: z.string().optional(),
  rpm: z.object({
    version: z.string(),
    /** rpmlib(FEATURE) → "VERSION-RELEASE". */
    features: z.record(z.string(), z.string()),
    payloadCompressors: z.array(z.string()),
  }),
  glibc: z.string(),
  usrmergeSymlinks: z.record(z.string(), z.string()),
  knownEpochs: z.record(z.string(), z.number().int().nonnegative()),
  arches: z.record(z.string(), archSchema),
});

export type TargetFile = z.infer<typeof targetSchema>;
export type TargetArchFacts = z.infer<typeof archSchema>;

/** One (distribution, arch) target with its facts. */
export interface Target extends Omit<TargetFile, 'arches'> {
  arch: string;
  /** "al2/x86_64" */
  key: string;
  facts: TargetArchFacts;
  archs: string[];
}

export const defaultTargetId = 'al2';
/** The environment variable that sets the default target (below --target and a layer's own). */
export const TARGET_ENV = 'YUMDA_TARGET';
export const defaultArch = 'x86_64';

const targetsDir = (): string => projectPath('repo-metadata', 'targets');

export function targetIds(): string[] {
  return readdirSync(targetsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

const fileCache = new Map<string, TargetFile>();

function readTargetFile(id: string): TargetFile {
  const cached = fileCache.get(id);
  if (cached) return cached;
  const file = `${targetsDir()}/${id}.json`;
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id) || !existsSync(file)) {
    throw new YumdaError('UNKNOWN_TARGET', `unknown target "${id}" (known: ${targetIds().join(', ')})`, {
      exitCode: ExitCode.usage,
      hint: 'targets are repo-metadata/targets/ID.json; use e.g. --target al2023 or --target al2023/aarch64',
    });
  }
  const parsed = targetSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new YumdaError(
      'TARGET_INVALID',
      `target file ${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  fileCache.set(id, parsed.data);
  return parsed.data;
}

/** Normalises arch spellings people use (Docker/Lambda say amd64/arm64, rpm says x86_64/aarch64). */
export function normaliseArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'amd64' || a === 'x86-64') return 'x86_64';
  if (a === 'arm64' || a === 'aarch-64') return 'aarch64';
  return a;
}

/** The OCI platform of an rpm arch (for `docker --platform`). */
export function ociPlatform(arch: string): string {
  return normaliseArch(arch) === 'aarch64' ? 'linux/arm64' : 'linux/amd64';
}

/**
 * Resolves `--target` (`al2`, `al2023/aarch64`, `al2023-arm64`) and `--arch` into a target.
 * An arch in the target spec and a different `--arch` is a usage error.
 */
export function resolveTarget(spec: string = defaultTargetId, arch?: string): Target {
  const m = /^([a-z0-9][a-z0-9.]*)(?:[/-](x86_64|aarch64|amd64|arm64))?$/i.exec(spec.trim());
  if (!m) {
    throw new YumdaError(
      'UNKNOWN_TARGET',
      `cannot read target "${spec}" (expected DIST or DIST/ARCH, e.g. al2023/aarch64)`,
      { exitCode: ExitCode.usage },
    );
  }
  const specArch = m[2] ? normaliseArch(m[2]) : undefined;
  const wanted = arch ? normaliseArch(arch) : undefined;
  if (specArch && wanted && specArch !== wanted) {
    throw new YumdaError('TARGET_ARCH_CONFLICT', `--target ${spec} names ${specArch} but --arch is ${wanted}`, {
      exitCode: ExitCode.usage,
    });
  }
  const file = readTargetFile(m[1]!.toLowerCase());
  const chosen = specArch ?? wanted ?? defaultArch;
  const facts = file.arches[chosen];
  if (!facts) {
    throw new YumdaError(
      'UNKNOWN_TARGET',
      `target ${file.id} has no architecture "${chosen}" (known: ${Object.keys(file.arches).join(', ')})`,
      {
        exitCode: ExitCode.usage,
      },
    );
  }
  const { arches, ...rest } = file;
  return { ...rest, arch: chosen, key: `${file.id}/${chosen}`, facts, archs: Object.keys(arches) };
}

/** repo-metadata/base/ID.json of the target's profile. */
export function targetProfilePath(target: Target): string {
  return projectPath('repo-metadata', 'base', `${target.facts.profile}.json`);
}

/** Whether the target's base profile has been captured (shipped). */
export function targetHasProfile(target: Target): boolean {
  return existsSync(targetProfilePath(target));
}

/**
 * The target's base profile id, or a clear error when it has not been captured yet: yumda never
 * guesses what a runtime contains.
 */
export function requireTargetProfile(target: Target): string {
  if (targetHasProfile(target)) return target.facts.profile;
  throw new YumdaError(
    'PROFILE_NOT_CAPTURED',
    `no base profile for ${target.key} yet: repo-metadata/base/${target.facts.profile}.json has not been captured from ${target.captureImage}`,
    {
      hint: `capture it: yumda base capture --image ${target.captureImage} --target ${target.key} -o repo-metadata/base/${target.facts.profile}.json (the scheduled workflow does this), or pass --base none / --base FILE`,
    },
  );
}

/** The rpm facts of the target's runtime, as a base profile's `rpm` block (rpmlib features with their versions). */
export function targetRpm(target: Target): BaseProfile['rpm'] {
  return {
    version: target.rpm.version,
    features: Object.entries(target.rpm.features)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([feature, evr]) => {
        const [version, release] = evr.split('-') as [string, string | undefined];
        return { name: `rpmlib(${feature})`, flags: 'EQ' as const, epoch: 0, version, release: release ?? null };
      }),
    payloadCompressors: target.rpm.payloadCompressors,
  };
}

/**
 * The yum variables of a target, for .repo files: $basearch/$arch (x86_64, aarch64), $releasever
 * ("2", "2023") and $target (the distribution id, al2 or al2023), so one .repo file serves every
 * target with the repository layout `…/$target/$basearch/`.
 */
export function targetRepoVariables(target: Target): Record<string, string> {
  return {
    basearch: target.arch,
    arch: target.arch,
    releasever: target.releasever ?? target.id.replace(/^\D+/, ''),
    target: target.id,
  };
}

/**
 * Why the target's rpm could not read an RPM with this payload compressor (AL2's rpm 4.11 has no
 * zstd), or null when it can. `what` names the package in the message.
 */
export function payloadProblem(target: Target, compressor: string, what: string): YumdaError | null {
  const c = compressor === '' ? 'gzip' : compressor;
  if (target.rpm.payloadCompressors.includes(c)) return null;
  return new YumdaError(
    'PAYLOAD_UNSUPPORTED',
    `${what} has a ${c} payload, which rpm ${target.rpm.version} on ${target.id} (${target.name}) cannot read`,
    {
      hint:
        `${target.id} reads ${target.rpm.payloadCompressors.join(', ')} payloads: rebuild it with e.g. --define '_binary_payload w2.xzdio'` +
        (c === 'zstd' ? ' (or build for a target whose rpm reads zstd, e.g. --target al2023)' : ''),
    },
  );
}

/** The ELF machine names people know (e_machine values). */
const MACHINE_NAMES: Record<number, string> = {
  2: 'SPARC',
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
};

/** "x86-64", "AArch64", or "machine N" for an e_machine value. */
export function elfMachineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

/** What a command on a layer was asked for (--target, --arch) and what the layer records. */
export interface TargetChoice {
  target?: string;
  arch?: string;
}

export interface LayerRecord {
  /** The layer directory, for messages. */
  dir: string;
  /** The target its manifest records ("al2023/aarch64"), absent in layers made before targets. */
  target?: string;
  /** The arch its manifest records. */
  arch: string;
}

/**
 * The target of a command on a layer: --target (and --arch), else the target the layer records,
 * else $YUMDA_TARGET, else al2; a layer made before targets keeps its arch. `--arch` alone keeps
 * the layer's distribution. A layer holds one target: a different choice is refused in one line
 * (unless `allowOther`, for commands that only read the layer).
 */
export function chooseLayerTarget(
  choice: TargetChoice,
  layer: LayerRecord | null,
  env: NodeJS.ProcessEnv = process.env,
  options: { allowOther?: boolean } = {},
): Target {
  const recorded = layer?.target;
  // $YUMDA_TARGET: the default of a machine or an image that serves one runtime (below the layer's own)
  const preset = env[TARGET_ENV]?.trim() || undefined;
  let target: Target;
  if (choice.target) {
    target = resolveTarget(choice.target, choice.arch);
  } else if (choice.arch && recorded) {
    const own = namedTarget(recorded, undefined, `${layer!.dir}/.yumda/installed.json records target "${recorded}"`);
    target = resolveTarget(own.id, choice.arch);
  } else if (choice.arch) {
    const dist = preset ? namedTarget(preset, undefined, `$${TARGET_ENV} is "${preset}"`).id : defaultTargetId;
    target = resolveTarget(dist, choice.arch);
  } else if (recorded) {
    target = namedTarget(recorded, undefined, `${layer!.dir}/.yumda/installed.json records target "${recorded}"`);
  } else if (preset) {
    // a layer made before targets keeps its arch
    const named = namedTarget(preset, undefined, `$${TARGET_ENV} is "${preset}"`);
    target = layer ? resolveTarget(named.id, layer.arch) : named;
  } else {
    target = resolveTarget(defaultTargetId, layer?.arch);
  }
  // checking a layer against another target is a question worth asking; installing into it is not
  if (options.allowOther) return target;
  if (layer && recorded && target.key !== recorded) {
    throw new YumdaError(
      'TARGET_MISMATCH',
      `${layer.dir} is a layer for ${recorded}; installing ${target.key} packages into it would mix targets in one layer`,
      { exitCode: ExitCode.usage, hint: `use another directory for ${target.key} (-d DIR --target ${target.key})` },
    );
  }
  if (layer && !recorded && layer.arch !== target.arch) {
    throw new YumdaError('ARCH_MISMATCH', `${layer.dir} holds ${layer.arch} packages; the target is ${target.key}`, {
      exitCode: ExitCode.usage,
      hint: `use another directory for ${target.arch} (-d DIR)`,
    });
  }
  return target;
}

/** resolveTarget for a name that came from somewhere else than the command line: an error says where. */
function namedTarget(spec: string, arch: string | undefined, origin: string): Target {
  try {
    return resolveTarget(spec, arch);
  } catch (e) {
    if (!(e instanceof YumdaError)) throw e;
    throw new YumdaError(e.code, `${origin}: ${e.message}`, {
      hint: 'the manifest was edited or written by a newer yumda, or the variable is misspelt',
    });
  }
}

/**
 * The base profile a command uses for a target: `--base` when given (none, a shipped id or a
 * profile file, which must be for the target's arch), else the target's captured profile.
 * `--base none` with an explicit target keeps the target's rpm rules (payloads, rpmlib features);
 * without one it accepts anything, as it always has.
 */
export function targetBaseProfile(target: Target, base: string | undefined, explicitTarget: boolean): BaseProfile {
  if (base === undefined) return loadProfile(requireTargetProfile(target));
  if (base === 'none') {
    return explicitTarget
      ? {
          ...noneProfile,
          arch: target.arch,
          description: `${noneProfile.description} (rpm rules of ${target.key})`,
          rpm: targetRpm(target),
        }
      : { ...noneProfile, arch: target.arch };
  }
  const profile = loadProfile(base);
  if (profile.arch !== target.arch) {
    throw new YumdaError(
      'PROFILE_ARCH',
      `base profile ${profile.id} is for ${profile.arch}, but the target is ${target.key}`,
      {
        exitCode: ExitCode.usage,
        hint: `use a ${target.arch} profile (--base FILE) or --base none`,
      },
    );
  }
  return profile;
}
