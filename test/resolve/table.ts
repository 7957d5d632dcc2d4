/** Packages written as table lines (see solver-table.test.ts for the format). */
import type { PoolPackage } from '../../src/resolve/package.js';
import type { Dependency } from '../../src/rpm/types.js';
import { parseDep } from '../../src/rpm/version.js';

function dep(text: string, pre = false): Dependency {
  return { ...parseDep(text), pre };
}

/** One package line of a repository block. */
export function parsePackage(line: string, repo: string, priority: number): PoolPackage {
  const [head, ...fields] = line.split(';').map((s) => s.trim());
  const m = /^(.+)-(?:(\d+):)?([^-]+)-([^-]+)\.([^.]+)$/.exec(head!);
  if (!m) throw new Error(`bad package line: ${line}`);
  const [name, epoch, version, release, arch] = [m[1]!, m[2], m[3]!, m[4]!, m[5]!];
  const values: Record<string, string[]> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    const key = field.slice(0, colon).trim();
    if (!['req', 'pre', 'prov', 'conf', 'obs', 'file', 'srpm'].includes(key))
      throw new Error(`bad key ${key} in: ${line}`);
    values[key] = field
      .slice(colon + 1)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  }
  const deps = (key: string, pre = false): Dependency[] => (values[key] ?? []).map((d) => dep(d, pre));
  return {
    pkgId: `${repo}:${head}`,
    name,
    arch,
    epoch: Number(epoch ?? 0),
    version,
    release,
    summary: name,
    description: '',
    packager: '',
    url: '',
    timeFile: 0,
    timeBuild: 0,
    sizePackage: 1000,
    sizeInstalled: 3000,
    sizeArchive: 0,
    locationHref: `Packages/${head}.rpm`,
    license: 'MIT',
    vendor: '',
    group: '',
    buildhost: '',
    sourcerpm: values.srpm?.[0] ?? `${name}-${version}-${release}.src.rpm`,
    headerStart: 0,
    headerEnd: 0,
    provides: deps('prov'),
    requires: [...deps('req'), ...deps('pre', true)],
    conflicts: deps('conf'),
    obsoletes: deps('obs'),
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    primaryFiles: (values.file ?? []).map((path) => ({ path, type: 'file' as const })),
    repo,
    priority,
  };
}

export function parseRepo(block: string, id: string): PoolPackage[] {
  const [repo, priority] = id.split('@');
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => parsePackage(l, repo!, Number(priority ?? 99)));
}
