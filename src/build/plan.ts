/**
 * Build order: a package must build after the packages that provide its BuildRequires inside the
 * set. The order is a list of waves (every package of a wave depends only on earlier waves, so a wave
 * builds in parallel). BuildRequires nobody in the set provides come from the build environment.
 *
 * Only what a build compiles or links against orders it: development capabilities (-devel and
 * -static packages, pkgconfig(…), libraries by name or soname, header and library paths). A program
 * a build merely runs (git to apply a patch, sshd and nghttpx for a test suite, man for docs) comes
 * from the build environment, as every tool does (AL2's own package in the build image, the host's
 * with the local builder): the set's /opt build of the same program adds nothing to the build and
 * would order it for no reason. This is also what keeps BuildRequires that only %check needs (curl
 * on git, openssh-clients and openssh-server; libssh2 on openssh-server) from ordering the plan:
 * yumda builds without %check, and test suites need programs, not libraries.
 */
import { CapabilityIndex, anyVersion } from '../resolve/capability.js';
import { YumdaError } from '../util/errors.js';

export interface PlanPackage {
  name: string;
  /** Capability names the build needs (BuildRequires, names only). */
  buildRequires: string[];
  /** Capability names the package's binary RPMs provide: package names, Provides:, and what a previous build recorded. */
  provides: string[];
}

export interface BuildPlan {
  waves: string[][];
  /** name → in-set packages it build-depends on. */
  dependsOn: Map<string, string[]>;
  /** capability → in-set providers, for the BuildRequires that matched. */
  providers: Map<string, string[]>;
}

/** Is a BuildRequires something the build compiles or links against (and so orders the plan)? */
function isDevelopmentCapability(cap: string): boolean {
  return (
    /-(devel|static)$/.test(cap) ||
    /^pkgconfig\(/.test(cap) ||
    /\.so(\.[\d.]+)?(\(|$)/.test(cap) ||
    /^lib[^/]/.test(cap) ||
    /-libs$/.test(cap) ||
    /^\/(usr\/)?(include|lib(64)?)\//.test(cap) ||
    /^\/opt\/(include|lib)\//.test(cap)
  );
}

/** name → the in-set packages its BuildRequires resolve to (self-references dropped). */
function buildDependencies(packages: readonly PlanPackage[]): {
  dependsOn: Map<string, string[]>;
  providers: Map<string, string[]>;
} {
  const index = new CapabilityIndex<string>();
  for (const pkg of packages) index.add(pkg.name, { provides: [...new Set(pkg.provides)].map(anyVersion) });
  const providers = new Map<string, string[]>();
  const dependsOn = new Map<string, string[]>();
  for (const pkg of packages) {
    const deps = new Set<string>();
    for (const cap of pkg.buildRequires) {
      if (!isDevelopmentCapability(cap)) continue;
      const found = index.providers(anyVersion(cap));
      if (found.length > 0) providers.set(cap, found);
      for (const p of found) if (p !== pkg.name) deps.add(p);
    }
    dependsOn.set(pkg.name, [...deps].sort());
  }
  return { dependsOn, providers };
}

/** Strongly connected components with more than one member (Tarjan), each sorted. */
export function findCycles(dependsOn: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of dependsOn.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of [...dependsOn.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Topological waves; a dependency cycle is an error that names its members. */
export function planWaves(packages: readonly PlanPackage[]): BuildPlan {
  const { dependsOn, providers } = buildDependencies(packages);
  const cycles = findCycles(dependsOn);
  if (cycles.length > 0) {
    throw new YumdaError(
      'BUILD_CYCLE',
      `BuildRequires form a cycle: ${cycles.map((c) => c.join(' → ') + ' → ' + c[0]).join('; ')}`,
      {
        hint: 'break it in an overlay (drop the BuildRequires or a bootstrap macro), or build one member from upstream first',
      },
    );
  }
  const wave = new Map<string, number>();
  const waveOf = (name: string): number => {
    const known = wave.get(name);
    if (known !== undefined) return known;
    const w = Math.max(-1, ...(dependsOn.get(name) ?? []).map(waveOf)) + 1;
    wave.set(name, w);
    return w;
  };
  const waves: string[][] = [];
  for (const pkg of packages) {
    const w = waveOf(pkg.name);
    (waves[w] ??= []).push(pkg.name);
  }
  return { waves: waves.map((names) => names.sort()), dependsOn, providers };
}

/**
 * The order to start packages in when they are ready at the same time: longest remaining chain of
 * dependents first (critical-path list scheduling, as make -j and Ninja approximate it), each
 * package weighing what it took last time (`cost`), so the chain that decides the total starts first.
 */
export function criticalPathOrder(
  names: readonly string[],
  dependsOn: ReadonlyMap<string, readonly string[]>,
  cost: (name: string) => number,
): string[] {
  const selected = new Set(names);
  const dependents = new Map<string, string[]>();
  for (const name of names)
    for (const dep of dependsOn.get(name) ?? [])
      if (selected.has(dep)) (dependents.get(dep) ?? dependents.set(dep, []).get(dep)!).push(name);
  const chain = new Map<string, number>();
  const chainOf = (name: string): number => {
    const known = chain.get(name);
    if (known !== undefined) return known;
    const length = cost(name) + Math.max(0, ...(dependents.get(name) ?? []).map(chainOf));
    chain.set(name, length);
    return length;
  };
  return [...names].sort((a, b) => chainOf(b) - chainOf(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The given names plus every package that (transitively) BuildRequires one of them. */
export function withDependents(
  names: Iterable<string>,
  dependsOn: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const result = new Set(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pkg, deps] of dependsOn) {
      if (!result.has(pkg) && deps.some((d) => result.has(d))) {
        result.add(pkg);
        grew = true;
      }
    }
  }
  return result;
}

/** Restricts a plan to a subset, keeping the wave structure (empty waves removed). */
export function restrictPlan(plan: BuildPlan, selected: ReadonlySet<string>): string[][] {
  return plan.waves.map((w) => w.filter((n) => selected.has(n))).filter((w) => w.length > 0);
}
