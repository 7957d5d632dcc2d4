/**
 * Targets: (distribution, architecture) pairs yumda builds and installs for, such as al2/x86_64 or
 * al2023/aarch64. Everything that differs between them is data in repo-metadata/targets/DIST.json
 * (rpm features and payload compressors, glibc, loader path and LD_LIBRARY_PATH, macros, build
 * image, upstream, base profile), so a new target is a new file, not a code branch.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { z } from 'zod/v3';
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
  /** Default upstream id (repo-metadata/upstreams.json). */
  upstream: z.string(),
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
