/**
 * What was built last, per source package: the upstream SRPM recorded in the build manifest
 * (manifest.ts: packages[NAME].inputs.srpm.nevr, published next to the repository as
 * build-manifest.json). `yumda outdated` compares it with the upstream's newest source RPM.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readManifest, manifestFileName, manifestPathIn, type BuildManifest } from './manifest.js';
import { parseNevr } from '../rpm/nevra.js';
import { joinUrl } from '../util/fetch.js';

export interface LastBuilt {
  name: string;
  epoch: number;
  version: string;
  release: string;
  /** The NEVR string as the manifest records it. */
  nevr: string;
  builtAt: string;
}

/** Where `yumda build` (default -o build) leaves it. */
const defaultManifestPath = (): string => manifestPathIn(resolve('build'));

/** name → last built upstream EVR; entries whose NEVR cannot be parsed are left out. */
export function lastBuiltFromManifest(manifest: BuildManifest): Map<string, LastBuilt> {
  const out = new Map<string, LastBuilt>();
  for (const [name, entry] of Object.entries(manifest.packages)) {
    const parsed = parseNevr(entry.inputs.srpm.nevr);
    if (!parsed) continue;
    out.set(name, {
      name,
      epoch: parsed.epoch,
      version: parsed.version,
      release: parsed.release,
      nevr: entry.inputs.srpm.nevr,
      builtAt: entry.builtAt,
    });
  }
  return out;
}

/**
 * Where to read the manifest: a .json path or URL as given; a directory or repository URL gets
 * build-manifest.json appended; default build/RPMS/build-manifest.json, as `yumda build` writes it.
 */
function manifestLocation(location?: string): string {
  if (location === undefined) return defaultManifestPath();
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
  const target = isUrl ? location : resolve(location);
  if (target.endsWith('.json')) return target;
  if (!isUrl && !existsSync(target)) return target;
  return joinUrl(target, manifestFileName);
}

/** Reads the last built upstream EVR of every package; a manifest that does not exist means nothing was built yet. */
export async function readLastBuilt(
  location?: string,
  options: { endpoint?: string } = {},
): Promise<Map<string, LastBuilt>> {
  return lastBuiltFromManifest(await readManifest(manifestLocation(location), options));
}
