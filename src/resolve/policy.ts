/**
 * What a target may install from the repositories: the arch policy (the machine arch and noarch)
 * and repository priorities (yum-plugin-priorities). A pool built here offers only usable packages.
 */
import type { PoolPackage } from './package.js';
import { PackagePool } from './pool.js';
import type { PackageSource } from './source.js';

/** The archs a target installs: the machine arch and noarch, never i686 (multilib is meaningless in a layer). */
export function compatibleArchs(arch: string): string[] {
  return [arch, 'noarch'];
}

/** Whether a package installs on `arch`. */
export function fitsArch(arch: string): (p: PoolPackage) => boolean {
  const archs = compatibleArchs(arch);
  return (p) => archs.includes(p.arch);
}

/**
 * yum-plugin-priorities: when a name is offered by several repositories, only those with the best
 * (lowest) priority keep it.
 */
export function applyPriorities(packages: PoolPackage[]): PoolPackage[] {
  const best = new Map<string, number>();
  for (const p of packages) best.set(p.name, Math.min(best.get(p.name) ?? Infinity, p.priority));
  return packages.filter((p) => p.priority === best.get(p.name));
}

/**
 * The pool of some repositories' packages as a target sees them: a package is usable when its
 * arch fits and no repository with a better priority offers its name.
 */
export function policyPool(sources: PackageSource[], arch: string): PackagePool {
  const archOk = fitsArch(arch);
  const kept = new Map<string, Set<PoolPackage>>();
  const keptNamed = (name: string): Set<PoolPackage> => {
    let named = kept.get(name);
    if (!named) {
      named = new Set(applyPriorities(sources.flatMap((s) => s.lookup('names', name) ?? []).filter(archOk)));
      kept.set(name, named);
    }
    return named;
  };
  const usable = (packages: PoolPackage[], all: boolean): PoolPackage[] =>
    all ? applyPriorities(packages.filter(archOk)) : packages.filter((p) => archOk(p) && keptNamed(p.name).has(p));
  return new PackagePool({ sources, usable });
}
