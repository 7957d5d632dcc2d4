/**
 * The package pool the solver works on: the usable packages of the enabled repositories (what
 * policy.ts lets through), queried by name, capability, path and obsoletes. Pure, no I/O: the
 * packages come from sources (source.ts) that look them up in an index (pool-index.ts).
 */
import type { PackageRecord, RepoFile } from '../repodata/types.js';
import type { Dependency } from '../rpm/types.js';
import { providesWithSelf, satisfies, selfCapability, type Capability } from './capability.js';
import type { PoolPackage } from './package.js';
import type { IndexKind } from './pool-index.js';
import { listSource, type PackageSource } from './source.js';

/** A pool over sources whose packages are not all usable (other archs, excluded, lower repository priority). */
export interface PoolSources {
  sources: PackageSource[];
  /** The usable ones of `packages`; `all` when they are every package of the sources (no lookups needed to judge them). */
  usable: (packages: PoolPackage[], all: boolean) => PoolPackage[];
}

/** Whether pkg provides something that satisfies dep (its own name counts when it does not list it). */
function providesMatch(pkg: PoolPackage, dep: Capability): boolean {
  return satisfies({ provides: providesWithSelf(pkg) }, dep);
}

export class PackagePool {
  private readonly sources: PackageSource[];
  private readonly usable: PoolSources['usable'] | null;
  private all: PoolPackage[] | null;
  /** Paths from complete file lists (filelists.xml), once loaded. */
  private readonly extraFiles = new Map<string, PoolPackage[]>();
  /** True once every package's complete file list (filelists.xml) is indexed. */
  filesComplete: boolean;

  /** A pool of the given packages, or of the usable packages of some sources (looked up on demand). */
  constructor(packages: readonly PoolPackage[] | PoolSources, options: { filesComplete?: boolean } = {}) {
    this.filesComplete = options.filesComplete ?? false;
    if ('sources' in packages) {
      this.sources = packages.sources;
      this.usable = packages.usable;
      this.all = null;
    } else {
      this.sources = [listSource(packages)];
      this.usable = null;
      this.all = [...packages];
    }
  }

  /** Every package of the pool (decodes a lazy source's packages: listing and searching only). */
  get packages(): PoolPackage[] {
    return (this.all ??= this.usable!(
      this.sources.flatMap((s) => s.all()),
      true,
    ));
  }

  private candidates(kind: IndexKind, key: string): PoolPackage[] {
    const found = this.sources.flatMap((s) => s.lookup(kind, key) ?? []);
    return this.usable ? this.usable(found, false) : found;
  }

  /** Adds complete file lists (from filelists.xml), keyed by pkgId. */
  addFilelists(filesByPkgId: Map<string, RepoFile[]>): void {
    for (const pkg of this.packages) {
      const files = filesByPkgId.get(pkg.pkgId);
      if (!files) continue;
      pkg.files = files;
      for (const f of files) {
        const list = this.extraFiles.get(f.path);
        if (!list) this.extraFiles.set(f.path, [pkg]);
        else if (!list.includes(pkg)) list.push(pkg);
      }
    }
    this.filesComplete = true;
  }

  named(name: string): PoolPackage[] {
    return this.candidates('names', name);
  }

  /**
   * Every package name, to suggest one on a failure: from the sources' indexes where they have
   * them (usable or not: check with named()), else from every package (decoding a lazy source).
   */
  names(): IterableIterator<string> {
    if (this.all === null && this.sources.every((s) => s.keys))
      return new Set(this.sources.flatMap((s) => [...s.keys!('names')])).values();
    return new Set(this.packages.map((p) => p.name)).values();
  }

  /** Every package of the sources that may provide `dep` (by provides, or path), usable or not: what can explain a failure. */
  anyProviders(dep: Pick<Dependency, 'name'>): PoolPackage[] {
    const kinds: IndexKind[] = dep.name.startsWith('/') ? ['provides', 'files'] : ['provides'];
    return [...new Set(this.sources.flatMap((s) => kinds.flatMap((k) => s.lookup(k, dep.name) ?? [])))];
  }

  /** Packages whose provides (or files, for a path) satisfy the dependency. */
  providers(dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): PoolPackage[] {
    if (dep.name.startsWith('/')) {
      const out = new Set([...this.candidates('files', dep.name), ...(this.extraFiles.get(dep.name) ?? [])]);
      for (const pkg of this.candidates('provides', dep.name)) if (providesMatch(pkg, dep)) out.add(pkg);
      return [...out];
    }
    const out = new Set<PoolPackage>();
    for (const pkg of this.candidates('provides', dep.name)) if (providesMatch(pkg, dep)) out.add(pkg);
    return [...out];
  }

  /** Packages that obsolete `pkg` (by name and version range). */
  obsoletedBy(pkg: PackageRecord): PoolPackage[] {
    const self = { provides: [selfCapability(pkg)] };
    return this.candidates('obsoletes', pkg.name).filter(
      (p) => p.name !== pkg.name && p.obsoletes.some((o) => satisfies(self, o)),
    );
  }
}
