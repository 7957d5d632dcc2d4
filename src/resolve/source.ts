/** Where a pool's packages come from: a source per repository, looked up by index key, decoded on demand. */
import type { PoolPackage } from './package.js';
import { indexTables, type IndexKind, type IndexTables } from './pool-index.js';

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
export function positionSource(
  positions: PositionLookup,
  count: number,
  at: (i: number) => PoolPackage,
  atAll?: () => PoolPackage[],
): PackageSource {
  const decoded: Array<PoolPackage | undefined> = new Array(count);
  const get = (i: number): PoolPackage => (decoded[i] ??= at(i));
  const resolved: Record<IndexKind, Map<string, PoolPackage[]>> = {
    names: new Map(),
    provides: new Map(),
    files: new Map(),
    obsoletes: new Map(),
  };
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
export function listSource(
  packages: readonly PoolPackage[],
  tables: IndexTables = indexTables(packages),
): PackageSource {
  const source = positionSource(
    (kind, key) => tables[kind].get(key),
    packages.length,
    (i) => packages[i]!,
  );
  return { lookup: source.lookup, all: () => packages, keys: (kind) => tables[kind].keys() };
}
