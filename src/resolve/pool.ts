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

/**
 * Which packages offer a capability name, own a path, or obsolete a name: candidates only (the
 * caller checks versions against the packages' own provides). The metadata cache stores one per
 * repository, so a pool over cached metadata never has to decode every package to index it.
 */
export interface PoolIndex {
  provides(name: string): readonly PoolPackage[] | undefined;
  files(path: string): readonly PoolPackage[] | undefined;
  obsoletes(name: string): readonly PoolPackage[] | undefined;
}

/** Package positions by capability name, path and obsoleted name: the serialisable form of a PoolIndex. */
export interface IndexTables {
  provides: Map<string, number[]>;
  files: Map<string, number[]>;
  obsoletes: Map<string, number[]>;
}

function pushUnique(table: Map<string, number[]>, key: string, i: number): void {
  const list = table.get(key);
  if (!list) table.set(key, [i]);
  else if (list[list.length - 1] !== i) list.push(i);
}

/** The index tables of a list of packages (their own name always counts as provided). */
export function indexTables(packages: readonly PackageRecord[]): IndexTables {
  const tables: IndexTables = { provides: new Map(), files: new Map(), obsoletes: new Map() };
  packages.forEach((pkg, i) => {
    pushUnique(tables.provides, pkg.name, i);
    for (const dep of pkg.provides) pushUnique(tables.provides, dep.name, i);
    for (const f of (pkg as PoolPackage).files ?? pkg.primaryFiles) pushUnique(tables.files, f.path, i);
    for (const o of pkg.obsoletes) pushUnique(tables.obsoletes, o.name, i);
  });
  return tables;
}

/** Looks up the package positions stored for a key of one kind of table. */
export type PositionLookup = (kind: keyof IndexTables, key: string) => readonly number[] | undefined;

export function tablesLookup(tables: IndexTables): PositionLookup {
  return (kind, key) => tables[kind].get(key);
}

/** A PoolIndex whose positions refer to `packages` (each key resolved to packages on first lookup). */
export function tableIndex(positions: PositionLookup, packages: readonly PoolPackage[]): PoolIndex {
  const resolved = { provides: new Map<string, PoolPackage[]>(), files: new Map<string, PoolPackage[]>(), obsoletes: new Map<string, PoolPackage[]>() };
  const lookup = (kind: keyof IndexTables, key: string): PoolPackage[] | undefined => {
    const done = resolved[kind].get(key);
    if (done) return done;
    const found = positions(kind, key);
    if (!found) return undefined;
    const list = found.map((i) => packages[i]!);
    resolved[kind].set(key, list);
    return list;
  };
  return { provides: (n) => lookup('provides', n), files: (p) => lookup('files', p), obsoletes: (n) => lookup('obsoletes', n) };
}

/** Whether pkg provides something that satisfies dep (its own name counts when it does not list it). */
function providesMatch(pkg: PoolPackage, dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): boolean {
  let hasSelf = false;
  for (const p of pkg.provides) {
    if (p.name === pkg.name) hasSelf = true;
    if (p.name === dep.name && depMatches(p, dep)) return true;
  }
  return !hasSelf && dep.name === pkg.name && depMatches(selfProvide(pkg), dep);
}

export class PackagePool {
  readonly packages: PoolPackage[];
  private readonly byName = new Map<string, PoolPackage[]>();
  private readonly indexes: PoolIndex[];
  /** Set when the indexes may list packages that are not in this pool (excluded, other arch, lower priority). */
  private readonly members: Set<PoolPackage> | null;
  /** Paths from complete file lists (filelists.xml), once loaded. */
  private readonly extraFiles = new Map<string, PoolPackage[]>();
  /** True once every package's complete file list (filelists.xml) is indexed. */
  filesComplete: boolean;

  /**
   * `indexes`: prebuilt indexes (from the metadata cache) that cover at least these packages;
   * without them the pool indexes the packages itself.
   */
  constructor(packages: PoolPackage[], options: { filesComplete?: boolean; indexes?: PoolIndex[] } = {}) {
    this.packages = packages;
    this.filesComplete = options.filesComplete ?? false;
    for (const pkg of packages) {
      const named = this.byName.get(pkg.name);
      if (named) named.push(pkg);
      else this.byName.set(pkg.name, [pkg]);
    }
    this.indexes = options.indexes ?? [tableIndex(tablesLookup(indexTables(packages)), packages)];
    this.members = options.indexes ? new Set(packages) : null;
  }

  private candidates(kind: keyof PoolIndex, key: string): PoolPackage[] {
    const out: PoolPackage[] = [];
    for (const index of this.indexes) {
      for (const pkg of index[kind](key) ?? []) if (!this.members || this.members.has(pkg)) out.push(pkg);
    }
    return out;
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
    return this.byName.get(name) ?? [];
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** Packages whose provides (or files, for a path) satisfy the dependency. */
  providers(dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): PoolPackage[] {
    if (dep.name.startsWith('/')) {
      const out = new Set([...this.candidates('files', dep.name), ...(this.extraFiles.get(dep.name) ?? [])]);
      for (const pkg of this.candidates('provides', dep.name)) if (providesMatch(pkg, dep)) out.add(pkg);
      return [...out];
    }
    const out: PoolPackage[] = [];
    for (const pkg of this.candidates('provides', dep.name)) if (providesMatch(pkg, dep) && !out.includes(pkg)) out.push(pkg);
    return out;
  }

  /** Packages that obsolete `pkg` (by name and version range). */
  obsoletedBy(pkg: PackageRecord): PoolPackage[] {
    const self = selfProvide(pkg);
    return this.candidates('obsoletes', pkg.name).filter((p) => p.name !== pkg.name && p.obsoletes.some((o) => depMatches(o, self)));
  }
}
