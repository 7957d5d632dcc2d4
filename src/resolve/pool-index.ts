/**
 * The pool's index: the keys a package is found by (name, provided capabilities, primary file
 * paths, obsoleted names) and the tables of package positions by key, the form the metadata cache
 * stores (install/primary-cache.ts) and an in-memory source builds (source.ts).
 */
import type { PackageRecord } from '../repodata/types.js';
import type { PoolPackage } from './package.js';

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

/** Each key a package is found by, with its kind (its own name always counts as provided). */
export function forEachKey(keys: PackageKeys, add: (kind: IndexKind, key: string) => void): void {
  add('names', keys.name);
  add('provides', keys.name);
  for (const p of keys.provides) add('provides', p);
  for (const f of keys.files) add('files', f);
  for (const o of keys.obsoletes) add('obsoletes', o);
}

/** Adds the keys of the package at position `i` (positions added in increasing order). */
export function addKeys(tables: IndexTables, keys: PackageKeys, i: number): void {
  forEachKey(keys, (kind, key) => addKey(tables[kind], key, i));
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
