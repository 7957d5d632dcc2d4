/**
 * The package pool the resolver works on: every usable package of the enabled repositories,
 * indexed by what it provides (capabilities and files). Pure data, no I/O.
 */
import type { Dependency } from '../rpm/types.js';
import type { PackageRecord, RepoFile } from '../repodata/types.js';
import { compareEvr, depMatches, formatEvr } from '../rpm/version.js';

/** A package as the resolver sees it: a metadata record plus the repository it came from. */
export interface PoolPackage extends PackageRecord {
  repo: string;
  /** Repository priority (lower wins; yum-plugin-priorities semantics). */
  priority: number;
  /** Complete file list, once filelists.xml has been read (primaryFiles otherwise). */
  files?: RepoFile[];
}

export function nevra(p: Pick<PackageRecord, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  return `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

export function evrString(p: Pick<PackageRecord, 'epoch' | 'version' | 'release'>): string {
  return formatEvr({ epoch: p.epoch || null, version: p.version, release: p.release });
}

export function comparePackages(a: PackageRecord, b: PackageRecord): number {
  return compareEvr(a, b);
}

/** The archs a target installs: the machine arch and noarch, never i686 (multilib is meaningless in a layer). */
export function compatibleArchs(arch: string): string[] {
  return [arch, 'noarch'];
}

/** rpm spells the isa tag of x86_64 as x86-64 in `name(x86-64)` provides. */
export function isaName(arch: string): string {
  return arch === 'x86_64' ? 'x86-64' : arch === 'aarch64' ? 'aarch-64' : arch;
}

export function depToString(d: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): string {
  if (!d.flags || d.version === null) return d.name;
  const op = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' }[d.flags];
  return `${d.name} ${op} ${formatEvr({ epoch: d.epoch, version: d.version, release: d.release })}`;
}

function selfProvide(p: PackageRecord): Dependency {
  return { name: p.name, flags: 'EQ', epoch: p.epoch, version: p.version, release: p.release, pre: false };
}

export class PackagePool {
  readonly packages: PoolPackage[];
  private readonly byName = new Map<string, PoolPackage[]>();
  private readonly byProvide = new Map<string, Array<{ pkg: PoolPackage; dep: Dependency }>>();
  private readonly byFile = new Map<string, PoolPackage[]>();
  private obsoleters: Map<string, PoolPackage[]> | null = null;
  /** True once every package's complete file list (filelists.xml) is indexed. */
  filesComplete: boolean;

  constructor(packages: PoolPackage[], options: { filesComplete?: boolean } = {}) {
    this.packages = packages;
    this.filesComplete = options.filesComplete ?? false;
    for (const pkg of packages) this.add(pkg);
  }

  private add(pkg: PoolPackage): void {
    const named = this.byName.get(pkg.name);
    if (named) named.push(pkg);
    else this.byName.set(pkg.name, [pkg]);
    let hasSelf = false;
    for (const dep of pkg.provides) {
      if (dep.name === pkg.name) hasSelf = true;
      this.addProvide(dep, pkg);
    }
    if (!hasSelf) this.addProvide(selfProvide(pkg), pkg);
    for (const f of pkg.files ?? pkg.primaryFiles) this.addFile(f.path, pkg);
  }

  private addProvide(dep: Dependency, pkg: PoolPackage): void {
    const list = this.byProvide.get(dep.name);
    if (list) list.push({ pkg, dep });
    else this.byProvide.set(dep.name, [{ pkg, dep }]);
  }

  private addFile(path: string, pkg: PoolPackage): void {
    const list = this.byFile.get(path);
    if (!list) this.byFile.set(path, [pkg]);
    else if (!list.includes(pkg)) list.push(pkg);
  }

  /** Adds complete file lists (from filelists.xml), keyed by pkgId. */
  addFilelists(filesByPkgId: Map<string, RepoFile[]>): void {
    for (const pkg of this.packages) {
      const files = filesByPkgId.get(pkg.pkgId);
      if (!files) continue;
      pkg.files = files;
      for (const f of files) this.addFile(f.path, pkg);
    }
    this.filesComplete = true;
  }

  named(name: string): PoolPackage[] {
    return this.byName.get(name) ?? [];
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** Packages whose provides (or files, for a path) satisfy the dependency. */
  providers(dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): PoolPackage[] {
    if (dep.name.startsWith('/')) {
      const out = new Set(this.byFile.get(dep.name) ?? []);
      for (const { pkg, dep: p } of this.byProvide.get(dep.name) ?? []) if (depMatches(p, dep)) out.add(pkg);
      return [...out];
    }
    const out: PoolPackage[] = [];
    for (const { pkg, dep: p } of this.byProvide.get(dep.name) ?? []) if (depMatches(p, dep) && !out.includes(pkg)) out.push(pkg);
    return out;
  }

  /** Packages that obsolete `pkg` (by name and version range). */
  obsoletedBy(pkg: PackageRecord): PoolPackage[] {
    if (!this.obsoleters) {
      this.obsoleters = new Map();
      for (const p of this.packages) {
        for (const o of p.obsoletes) {
          const list = this.obsoleters.get(o.name);
          if (list) list.push(p);
          else this.obsoleters.set(o.name, [p]);
        }
      }
    }
    const self = selfProvide(pkg);
    return (this.obsoleters.get(pkg.name) ?? []).filter((p) => p.name !== pkg.name && p.obsoletes.some((o) => depMatches(o, self)));
  }
}
