/**
 * The binary RPMs already in the output directory (built in an earlier wave of this run, or by an
 * earlier run / CI job): what a build's BuildRequires can be satisfied from. Only names matter here;
 * versions are whatever was built last.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRpmInfo } from '../rpm/package.js';
import { CapabilityIndex, anyVersion } from '../resolve/capability.js';
import { compareEvr } from '../rpm/version.js';
import { parseNevr } from '../rpm/nevra.js';

export interface PoolRpm {
  path: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  /** Source package name (from the header's SOURCERPM). */
  sourceName: string;
  provides: string[];
  requires: string[];
  files: string[];
}

const cache = new Map<string, { key: string; rpm: PoolRpm }>();

async function readPoolRpm(path: string): Promise<PoolRpm> {
  const st = await stat(path);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.rpm;
  const info = await readRpmInfo(path);
  const rpm: PoolRpm = {
    path,
    name: info.name,
    epoch: info.epoch ?? 0,
    version: info.version,
    release: info.release,
    arch: info.arch,
    sourceName: parseNevr(info.sourcerpm)?.name ?? info.name,
    provides: info.provides.map((p) => p.name),
    requires: info.requires.filter((r) => !r.rpmlib && !r.scriptletOnly).map((r) => r.name),
    files: info.files.map((f) => f.path),
  };
  cache.set(path, { key, rpm });
  return rpm;
}

/** Every binary RPM under dir (recursively). */
export async function scanPool(dir: string): Promise<PoolRpm[]> {
  if (!existsSync(dir)) return [];
  const out: PoolRpm[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.rpm') && !entry.name.endsWith('.src.rpm'))
      out.push(await readPoolRpm(join(entry.parentPath, entry.name)));
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * The RPMs that satisfy `capabilities` from the pool, plus what those need from the pool in turn
 * (e.g. libfoo-devel → libfoo). Newest EVR per package name; the package's own RPMs are never used.
 */
export function dependencyClosure(
  capabilities: readonly string[],
  pool: readonly PoolRpm[],
  excludeSource: string,
): PoolRpm[] {
  const newest = new Map<string, PoolRpm>();
  for (const rpm of pool) {
    if (rpm.sourceName === excludeSource) continue;
    const key = `${rpm.name}.${rpm.arch}`;
    const current = newest.get(key);
    if (!current || compareEvr(rpm, current) > 0) newest.set(key, rpm);
  }
  const index = new CapabilityIndex<PoolRpm>();
  for (const rpm of newest.values())
    index.add(rpm, { provides: [rpm.name, ...rpm.provides].map(anyVersion), files: rpm.files });
  const chosen = new Map<string, PoolRpm>();
  const queue = [...capabilities];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const cap = queue.shift()!;
    if (seen.has(cap)) continue;
    seen.add(cap);
    for (const rpm of index.providers(anyVersion(cap))) {
      if (chosen.has(rpm.path)) continue;
      chosen.set(rpm.path, rpm);
      queue.push(...rpm.requires);
    }
  }
  return [...chosen.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}
