/**
 * DIR/.yumda/installed.json: what yumda put in a layer directory (packages, their capabilities and
 * every file with its sha256). It makes installs incremental and powers list --installed and remove.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod/v3';
import type { PoolPackage } from '../resolve/package.js';
import { emptyPackageRecord } from '../repodata/types.js';
import { YumdaError } from '../util/errors.js';
import { lazy } from '../util/lazy.js';

/** The schemas of installed.json, built on first use (a fresh layer directory never needs them). */
function buildSchemas() {
  const depSchema = z.object({
    name: z.string(),
    flags: z.enum(['EQ', 'LT', 'LE', 'GT', 'GE']).nullable(),
    epoch: z.number().nullable(),
    version: z.string().nullable(),
    release: z.string().nullable(),
    pre: z.boolean(),
  });

  const fileSchema = z.object({
    /** Relative to DIR (what Lambda sees under /opt), forward slashes. */
    path: z.string(),
    type: z.enum(['file', 'dir', 'symlink', 'hardlink']),
    mode: z.number(),
    sha256: z.string().nullable(),
    linkto: z.string().nullable(),
  });

  const packageSchema = z.object({
    name: z.string(),
    epoch: z.number(),
    version: z.string(),
    release: z.string(),
    arch: z.string(),
    repo: z.string(),
    pkgId: z.string(),
    summary: z.string(),
    sourcerpm: z.string(),
    sizeInstalled: z.number(),
    provides: z.array(depSchema),
    requires: z.array(depSchema),
    conflicts: z.array(depSchema),
    obsoletes: z.array(depSchema),
    files: z.array(fileSchema),
    /** Files of the package that were left out (outside the prefix, docs): counted, for `info`. */
    skippedFiles: z.number().default(0),
    installedAt: z.string(),
  });

  const manifestSchema = z.object({
    format: z.literal(1),
    base: z.string(),
    arch: z.string(),
    /**
     * The target the layer is for ("al2023/aarch64", repo-metadata/targets/): later installs and
     * checks use it, and a layer never mixes targets. Absent in layers made before targets.
     */
    target: z.string().optional(),
    packages: z.array(packageSchema),
  });
  return { manifest: manifestSchema, package: packageSchema, file: fileSchema };
}

const schemas = lazy(buildSchemas);

type Schemas = ReturnType<typeof buildSchemas>;
export type Manifest = z.infer<Schemas['manifest']>;
export type ManifestPackage = z.infer<Schemas['package']>;
export type ManifestFile = z.infer<Schemas['file']>;

export function manifestPath(dir: string): string {
  return join(dir, '.yumda', 'installed.json');
}

export async function readManifest(dir: string): Promise<Manifest | null> {
  const path = manifestPath(dir);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new YumdaError('MANIFEST_INVALID', `${path} is not valid JSON: ${(e as Error).message}`, {
      hint: 'the layer directory was modified by hand; reinstall into a fresh directory',
    });
  }
  const parsed = schemas().manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new YumdaError('MANIFEST_INVALID', `${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The manifest's bytes on disk: packages by name, so the same layer gives the same file. */
export function serializeManifest(manifest: Manifest): string {
  const packages = [...manifest.packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return JSON.stringify({ ...manifest, packages }, null, 1) + '\n';
}

/** An installed package as the resolver sees it (it satisfies requirements like a chosen one). */
export function manifestToPool(p: ManifestPackage): PoolPackage {
  return {
    ...emptyPackageRecord(),
    pkgId: p.pkgId,
    name: p.name,
    arch: p.arch,
    epoch: p.epoch,
    version: p.version,
    release: p.release,
    summary: p.summary,
    sizeInstalled: p.sizeInstalled,
    sourcerpm: p.sourcerpm,
    provides: p.provides,
    requires: p.requires,
    conflicts: p.conflicts,
    obsoletes: p.obsoletes,
    // installed paths are relative to DIR; as /opt paths they satisfy file requirements
    primaryFiles: p.files.map((f) => ({ path: '/opt/' + f.path, type: f.type === 'dir' ? 'dir' : 'file' })),
    repo: p.repo,
    priority: 0,
  };
}
