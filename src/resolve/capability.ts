/**
 * Dependency matching, the one implementation: whether something that offers capabilities (and
 * owns paths) satisfies a capability, by rpm's rules: names equal and version ranges overlapping
 * (rpmdsCompare; an unversioned side always matches), or for a path, a capability of that name or
 * a file at it. The resolver, its pool and the build planner all match through this module.
 */
import type { Dependency } from '../rpm/types.js';
import { depMatches } from '../rpm/version.js';

/** A capability: a name and, optionally, a version range. */
export type Capability = Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>;

/** A capability of any version (what a name-only dependency is). */
export function anyVersion(name: string): Capability {
  return { name, flags: null, epoch: null, version: null, release: null };
}

/** A package's own name at its EVR: the capability every package provides. */
export function selfCapability(pkg: { name: string; epoch: number; version: string; release: string }): Capability {
  return { name: pkg.name, flags: 'EQ', epoch: pkg.epoch, version: pkg.version, release: pkg.release };
}

/** What a package provides, its own name (at its EVR) included when it does not list it. */
export function providesWithSelf(pkg: {
  name: string;
  epoch: number;
  version: string;
  release: string;
  provides: readonly Capability[];
}): readonly Capability[] {
  if (pkg.provides.some((d) => d.name === pkg.name)) return pkg.provides;
  return [...pkg.provides, selfCapability(pkg)];
}

/** What one item offers: capabilities, and the paths it owns. */
export interface Offers {
  provides: Iterable<Capability>;
  files?: Iterable<string>;
}

/** Whether something offering `offers` satisfies `wanted`. */
export function satisfies(offers: Offers, wanted: Capability): boolean {
  for (const p of offers.provides) if (depMatches(p, wanted)) return true;
  if (wanted.name.startsWith('/')) for (const f of offers.files ?? []) if (f === wanted.name) return true;
  return false;
}

/** Items by the capabilities and paths they offer, for many lookups (a selection, a build set). */
export class CapabilityIndex<T> {
  private readonly byName = new Map<string, Array<{ item: T; cap: Capability }>>();
  private readonly byPath = new Map<string, T[]>();

  add(item: T, offers: Offers): void {
    for (const cap of offers.provides) {
      const list = this.byName.get(cap.name);
      if (list) list.push({ item, cap });
      else this.byName.set(cap.name, [{ item, cap }]);
    }
    for (const path of offers.files ?? []) {
      const list = this.byPath.get(path);
      if (!list) this.byPath.set(path, [item]);
      else if (!list.includes(item)) list.push(item);
    }
  }

  /** Forgets `item` (looked up by what it offered). */
  remove(item: T, offers: Offers): void {
    for (const cap of offers.provides) {
      const list = this.byName.get(cap.name);
      if (!list) continue;
      const kept = list.filter((e) => e.item !== item);
      if (kept.length > 0) this.byName.set(cap.name, kept);
      else this.byName.delete(cap.name);
    }
    for (const path of offers.files ?? []) {
      const list = this.byPath.get(path);
      if (!list) continue;
      const kept = list.filter((i) => i !== item);
      if (kept.length > 0) this.byPath.set(path, kept);
      else this.byPath.delete(path);
    }
  }

  /** The items that satisfy `wanted`, each once, in the order they were added. */
  providers(wanted: Capability): T[] {
    const out = new Set<T>();
    for (const { item, cap } of this.byName.get(wanted.name) ?? []) if (depMatches(cap, wanted)) out.add(item);
    if (wanted.name.startsWith('/')) for (const item of this.byPath.get(wanted.name) ?? []) out.add(item);
    return [...out];
  }

  /** The first item that satisfies `wanted`. */
  first(wanted: Capability): T | undefined {
    for (const { item, cap } of this.byName.get(wanted.name) ?? []) if (depMatches(cap, wanted)) return item;
    return wanted.name.startsWith('/') ? this.byPath.get(wanted.name)?.[0] : undefined;
  }

  /** The entries offered under a capability name, with the capability each offered (the reverse direction: who declared it). */
  declared(name: string): ReadonlyArray<{ item: T; cap: Capability }> {
    return this.byName.get(name) ?? [];
  }
}
