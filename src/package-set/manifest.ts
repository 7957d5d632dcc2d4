/**
 * The build manifest: for each package, a hash of everything that determines its output (upstream
 * SRPM NEVR and checksum, overlay, patches, macros file, builder identity) and what the build
 * produced. It is published next to the repository (DEST/build-manifest.json), so any CI runner can
 * read it back (file, http or s3 URL) and rebuild exactly what changed.
 */
import { join } from 'node:path';
import { z } from 'zod/v3';
import { ExitCode, YumdaError } from '../util/errors.js';
import { fetchText, NotFoundError } from '../util/fetch.js';
import { writeFileAtomic } from '../util/fs.js';
import { hashBytes } from '../util/hash.js';

export const manifestFileName = 'build-manifest.json';

/**
 * Where a build output directory keeps its manifest: inside the binary repository (OUT/RPMS), so
 * `yumda repo publish OUT/RPMS DEST` publishes it with the packages and DEST/build-manifest.json reads it back.
 */
export function manifestPathIn(outDir: string): string {
  return join(outDir, 'RPMS', manifestFileName);
}

const inputsSchema = z.object({
  srpm: z.object({ nevr: z.string(), sha256: z.string() }),
  /** sha256 of specs/NAME.yaml, or null when the package has no overlay. */
  overlay: z.string().nullable(),
  /** patches/NAME/FILE → sha256. */
  patches: z.record(z.string(), z.string()),
  /** macros file name → sha256. */
  macros: z.record(z.string(), z.string()),
  builder: z.string(),
});
export type PackageInputs = z.infer<typeof inputsSchema>;

const entrySchema = z.object({
  inputsHash: z.string(),
  inputs: inputsSchema,
  /** Paths relative to the output directory (RPMS/x86_64/…, SRPMS/…). */
  rpms: z.array(z.string()),
  srpms: z.array(z.string()),
  /** What the binary RPMs provide (names): lets a later plan match automatic provides such as pkgconfig(foo). */
  provides: z.array(z.string()),
  buildRequires: z.array(z.string()),
  builtAt: z.string(),
  /** How long the build took: the next run starts the longest chains first (absent in older manifests). */
  seconds: z.number().nonnegative().optional(),
});

const manifestSchema = z.object({
  schema: z.literal(1),
  updated: z.string(),
  packages: z.record(z.string(), entrySchema),
});
export type BuildManifest = z.infer<typeof manifestSchema>;

export function emptyManifest(): BuildManifest {
  return { schema: 1, updated: new Date(0).toISOString(), packages: {} };
}

/** JSON with object keys sorted at every level, so equal inputs always hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function inputsHash(inputs: PackageInputs): string {
  return hashBytes(canonicalJson(inputs));
}

function parseManifest(text: string, source: string): BuildManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new YumdaError('MANIFEST_INVALID', `build manifest ${source} is not JSON: ${(e as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new YumdaError(
      'MANIFEST_INVALID',
      `build manifest ${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Reads a manifest from a path or URL (file://, http(s)://, s3://); a missing one is empty (first build). */
export async function readManifest(location: string, options: { endpoint?: string } = {}): Promise<BuildManifest> {
  try {
    return parseManifest(await fetchText(location, options.endpoint ? { endpoint: options.endpoint } : {}), location);
  } catch (e) {
    if (e instanceof NotFoundError) return emptyManifest();
    if (e instanceof YumdaError) throw e;
    throw new YumdaError('MANIFEST_UNREADABLE', `cannot read build manifest ${location}: ${(e as Error).message}`, {
      exitCode: ExitCode.unreachable,
    });
  }
}

export async function writeManifest(path: string, manifest: BuildManifest): Promise<void> {
  const sorted: BuildManifest = {
    ...manifest,
    packages: Object.fromEntries(Object.entries(manifest.packages).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  await writeFileAtomic(path, JSON.stringify(sorted, null, 2) + '\n');
}

/** Names whose current inputs hash differs from the manifest's (or that the manifest lacks). */
export function changedPackages(current: ReadonlyMap<string, string>, manifest: BuildManifest): string[] {
  return [...current]
    .filter(([name, hash]) => manifest.packages[name]?.inputsHash !== hash)
    .map(([name]) => name)
    .sort();
}

/** Which inputs differ, for humans ("srpm", "overlay", "patches", …). */
export function changedInputs(now: PackageInputs, before: PackageInputs | undefined): string[] {
  if (!before) return ['new'];
  return (Object.keys(now) as Array<keyof PackageInputs>).filter(
    (k) => canonicalJson(now[k]) !== canonicalJson(before[k]),
  );
}
