/**
 * Preparing one package for a builder: unpack the upstream source RPM, port its spec to /opt
 * (rules + the package's overlay), copy the overlay's patches next to the sources, and read back
 * what the plan needs (BuildRequires, what the binary packages provide) and what the manifest
 * hashes (every input that determines the output).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BaseProfile } from '../config/profile.js';
import { evaluateSpec, type TargetOptions } from '../spec/evaluate.js';
import { splitDependencies } from '../spec/files.js';
import { loadOverlay } from '../spec/overlay.js';
import { parseSpec } from '../spec/parse.js';
import { rewriteSpec } from '../spec/rewrite.js';
import { unpackSource } from '../upstream/unpack.js';
import { YumdaError } from '../util/errors.js';
import { hashBytes, hashFile } from '../util/hash.js';
import { inputsHash, type PackageInputs } from '../package-set/manifest.js';
import { quoteBareWords } from './rpm-compat.js';
import type { SourceRpm } from './sources.js';

export interface PackageSetPaths {
  /** The distribution's package set: one NAME.yaml overlay per package. */
  specsDir: string;
  /** Lambda patches, patches/NAME/*.patch. */
  patchesDir: string;
  /** Macro files that define the target (hashed into every package's inputs). */
  macroFiles: string[];
}

export interface PackageInputsInfo {
  inputs: PackageInputs;
  inputsHash: string;
}

async function hashDir(dir: string): Promise<Record<string, string>> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = await hashFile(path);
  }
  return out;
}

export function overlayFile(specsDir: string, name: string): string | null {
  for (const ext of ['yaml', 'yml']) {
    const path = join(specsDir, `${name}.${ext}`);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Everything that determines a package's output, and its hash. Cheap: no unpacking. */
export async function packageInputs(
  name: string,
  source: SourceRpm,
  paths: PackageSetPaths,
  builderIdentity: string,
): Promise<PackageInputsInfo> {
  const overlay = overlayFile(paths.specsDir, name);
  const macros: Record<string, string> = {};
  for (const file of paths.macroFiles) macros[basename(file)] = await hashFile(file);
  const inputs: PackageInputs = {
    srpm: { nevr: source.nevr, sha256: source.sha256 },
    overlay: overlay ? hashBytes(await readFile(overlay)) : null,
    patches: await hashDir(join(paths.patchesDir, name)),
    macros,
    builder: builderIdentity,
  };
  return { inputs, inputsHash: inputsHash(inputs) };
}

export interface PreparedPackage {
  name: string;
  source: SourceRpm;
  /** The rewritten spec (workDir/topdir/SPECS/NAME.spec). */
  specFile: string;
  sourcesDir: string;
  /** Capability names of BuildRequires (active branches of the rewritten spec). */
  buildRequires: string[];
  /**
   * Binary package names and Provides: of the rewritten spec, and the names of the subpackages the
   * rewrite dropped (libcurl-devel): the source package still makes them upstream, so a BuildRequires
   * on one orders this package's build first.
   */
  provides: string[];
  /** Binary package names the build will produce. */
  packages: string[];
  /** Number of rewrite-rule edits, for the log. */
  rewriteChanges: number;
  lint: string[];
}

/** Expanded names of the active dependency tags of one kind (buildrequires, provides, …). */
function activeDependencies(text: string, key: string, target: TargetOptions): string[] {
  const spec = parseSpec(text);
  const evaluated = evaluateSpec(spec, target);
  const names = new Set<string>();
  for (const tag of spec.tags) {
    if (tag.key !== key || !evaluated.active[tag.line]) continue;
    for (const dep of splitDependencies(evaluated.macros.expand(tag.value))) if (dep.name) names.add(dep.name);
  }
  return [...names].sort();
}

export interface PrepareOptions {
  paths: PackageSetPaths;
  workDir: string;
  /** Macro texts the spec evaluator uses (the builder's macro files). */
  target: TargetOptions;
  /** What the Lambda runtime provides: the rewrite keeps dependencies and paths it has. */
  base: BaseProfile;
  date?: Date;
}

export async function preparePackage(
  name: string,
  source: SourceRpm,
  options: PrepareOptions,
): Promise<PreparedPackage> {
  const topdir = join(options.workDir, 'topdir');
  const sourcesDir = join(topdir, 'SOURCES');
  const specsDir = join(topdir, 'SPECS');
  await rm(topdir, { recursive: true, force: true });
  await mkdir(specsDir, { recursive: true });
  const unpacked = await unpackSource(source.path, sourcesDir);
  if (unpacked.name !== name) {
    throw new YumdaError('SOURCE_NAME_MISMATCH', `${source.path} is the source of ${unpacked.name}, not ${name}`);
  }
  const upstreamSpec = await readFile(unpacked.spec, 'utf8');
  await rm(unpacked.spec);
  const overlayPath = overlayFile(options.paths.specsDir, name);
  const overlay = overlayPath ? loadOverlay(overlayPath) : undefined;
  const rewritten = rewriteSpec(upstreamSpec, {
    ...(overlay ? { overlay } : {}),
    patchDir: join(options.paths.patchesDir, name),
    target: options.target,
    base: options.base,
    ...(options.date ? { date: options.date } : {}),
  });
  for (const patch of rewritten.patches) await copyFile(patch, join(sourcesDir, basename(patch)));
  const specFile = join(specsDir, `${name}.spec`);
  const compatible = quoteBareWords(rewritten.text);
  await writeFile(specFile, compatible.text);
  return {
    name,
    source,
    specFile,
    sourcesDir,
    buildRequires: activeDependencies(compatible.text, 'buildrequires', options.target),
    provides: [
      ...new Set([
        ...rewritten.packages,
        ...rewritten.dropped,
        ...activeDependencies(compatible.text, 'provides', options.target),
      ]),
    ].sort(),
    packages: rewritten.packages,
    rewriteChanges: rewritten.changes.length + rewritten.overlayChanges.length + compatible.edits.length,
    lint: rewritten.lint.map((f) => `line ${f.line}: ${f.path} (${f.section})`),
  };
}
