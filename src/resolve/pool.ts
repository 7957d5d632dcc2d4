/**
 * The package pool the resolver works on: every usable package of the enabled repositories,
 * indexed by what it provides (capabilities and files). Pure data, no I/O.
 */
import type { Dependency } from '../rpm/types.js';
import type { PackageRecord, RepoFile } from '../repodata/types.js';
import { depMatches, formatEvr } from '../rpm/version.js';

/** A package as the resolver sees it: a metadata record plus the repository it came from. */
export interface PoolPackage extends PackageRecord {
  repo: string;
  /** Repository priority (lower wins; yum-plugin-priorities semantics). */
  priority: number;
  /** Complete file list, once filelists.xml has been read (primaryFiles otherwise). */
  files?: RepoFile[];
}

export { evrString, nevra } from '../rpm/nevra.js';

/** The archs a target installs: the machine arch and noarch, never i686 (multilib is meaningless in a layer). */
export function compatibleArchs(arch: string): string[] {
  return [arch, 'noarch'];
}

export function depToString(d: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): string {
  if (!d.flags || d.version === null) return d.name;
  const op = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' }[d.flags];
  return `${d.name} ${op} ${formatEvr({ epoch: d.epoch, version: d.version, release: d.release })}`;
}

function selfProvide(p: PackageRecord): Dependency {
  return { name: p.name, flags: 'EQ', epoch: p.epoch, version: p.version, release: p.release, pre: false };
}

/** The keys a package can be found by: its name, a capability it provides, a path in its primary file list, a name it obsoletes. */
export type IndexKind = 'names' | 'provides' | 'files' | 'obsoletes';

/** Package positions by key, per kind: the serialisable form of an index. */
export type IndexTables = Record<IndexKind, Map<string, number[]>>;

/**
 * A copy of `text` that shares no memory with the string it was cut from: V8 keeps a slice of a
 * long string as a view of it, so keys sliced from a metadata chunk would keep every chunk alive.
 */
function detached(text: string): string {
  return (' ' + text).slice(1);
}

/** Adds position `i` under `key` (positions are added in increasing order). */
function addKey(table: Map<string, number[]>, key: string, i: number): void {
  const list = table.get(key);
  if (!list) table.set(detached(key), [i]);
  else if (list[list.length - 1] !== i) list.push(i);
}

export function emptyIndexTables(): IndexTables {
  return { names: new Map(), provides: new Map(), files: new Map(), obsoletes: new Map() };
}

/** What a package is found by: its name, provided capability names, primary file paths, obsoleted names. */
export interface PackageKeys {
  name: string;
  provides: Iterable<string>;
  files: Iterable<string>;
  obsoletes: Iterable<string>;
}

/** Adds the keys of the package at position `i` (positions added in increasing order; its own name always counts as provided). */
export function addKeys(tables: IndexTables, keys: PackageKeys, i: number): void {
  addKey(tables.names, keys.name, i);
  addKey(tables.provides, keys.name, i);
  for (const p of keys.provides) addKey(tables.provides, p, i);
  for (const f of keys.files) addKey(tables.files, f, i);
  for (const o of keys.obsoletes) addKey(tables.obsoletes, o, i);
}

export function addToIndex(tables: IndexTables, pkg: PackageRecord, i: number): void {
  addKeys(
    tables,
    {
      name: pkg.name,
      provides: pkg.provides.map((d) => d.name),
      files: ((pkg as PoolPackage).files ?? pkg.primaryFiles).map((f) => f.path),
      obsoletes: pkg.obsoletes.map((o) => o.name),
    },
    i,
  );
}

/** The index tables of a list of packages. */
export function indexTables(packages: readonly PackageRecord[]): IndexTables {
  const tables = emptyIndexTables();
  packages.forEach((pkg, i) => addToIndex(tables, pkg, i));
  return tables;
}

/** Looks up the package positions stored for a key of one kind. */
export type PositionLookup = (kind: IndexKind, key: string) => readonly number[] | undefined;

/**
 * Where a pool's packages come from (one repository): candidates by key, unfiltered (the pool
 * checks versions and usability). The metadata cache implements it without decoding a package
 * until it is looked up, so a resolution reads a few dozen packages of thousands.
 */
export interface PackageSource {
  lookup(kind: IndexKind, key: string): readonly PoolPackage[] | undefined;
  /** Every package of the source (decodes them all: listing, searching, file lists). */
  all(): readonly PoolPackage[];
  /** Keeps what was decoded for the next run, when the source is a cache that can (after a resolution). */
  remember?(): void;
  /** Every key of a kind, without decoding a package (names to suggest on a failure). */
  keys?(kind: IndexKind): Iterable<string>;
}

/**
 * A source over `count` packages found by position (`at` is called once per position).
 * `atAll`: decodes every package at once, cheaper than `count` calls of `at` (packages already
 * decoded keep their identity).
 */
export function positionSource(positions: PositionLookup, count: number, at: (i: number) => PoolPackage, atAll?: () => PoolPackage[]): PackageSource {
  const decoded: Array<PoolPackage | undefined> = new Array(count);
  const get = (i: number): PoolPackage => (decoded[i] ??= at(i));
  const resolved: Record<IndexKind, Map<string, PoolPackage[]>> = { names: new Map(), provides: new Map(), files: new Map(), obsoletes: new Map() };
  let all: PoolPackage[] | null = null;
  return {
    lookup(kind, key) {
      const done = resolved[kind].get(key);
      if (done) return done;
      const found = positions(kind, key);
      if (!found) return undefined;
      const list = found.map(get);
      resolved[kind].set(key, list);
      return list;
    },
    all: () => {
      if (all) return all;
      const fresh = atAll?.();
      return (all = Array.from({ length: count }, (_, i) => (decoded[i] ??= fresh ? fresh[i]! : at(i))));
    },
  };
}

/** A source over packages at hand, indexed now. */
export function listSource(packages: readonly PoolPackage[], tables: IndexTables = indexTables(packages)): PackageSource {
  const source = positionSource((kind, key) => tables[kind].get(key), packages.length, (i) => packages[i]!);
  return { lookup: source.lookup, all: () => packages, keys: (kind) => tables[kind].keys() };
}

/** A pool over sources whose packages are not all usable (other archs, excluded, lower repository priority). */
export interface PoolSources {
  sources: PackageSource[];
  /** The usable ones of `packages`; `all` when they are every package of the sources (no lookups needed to judge them). */
  usable: (packages: PoolPackage[], all: boolean) => PoolPackage[];
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
    return (this.all ??= this.usable!(this.sources.flatMap((s) => s.all()), true));
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
    if (this.all === null && this.sources.every((s) => s.keys)) return new Set(this.sources.flatMap((s) => [...s.keys!('names')])).values();
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
    const self = selfProvide(pkg);
    return this.candidates('obsoletes', pkg.name).filter((p) => p.name !== pkg.name && p.obsoletes.some((o) => depMatches(o, self)));
  }
}
