/**
 * Selection: what a request names, in the pool. A package name (optionally .arch),
 * name-[epoch:]version[-release][.arch], a capability (optionally with an operator), or a path.
 */
import { compareEvr, parseDep, parseEvr } from '../rpm/version.js';
import type { Capability } from './capability.js';
import type { PoolPackage } from './package.js';
import type { PackagePool } from './pool.js';

type DepSpec = Capability;

export type Found =
  | { kind: 'package'; pkg: PoolPackage; dep: DepSpec; byName: boolean }
  | { kind: 'providers'; providers: PoolPackage[]; dep: DepSpec }
  | { kind: 'needFilelists' }
  | { kind: 'none'; dep: DepSpec | null };

const noVersion = { flags: null, epoch: null, version: null, release: null } as const;

/**
 * What a request names: a package name (optionally .arch), name-[epoch:]version[-release][.arch],
 * a capability (optionally with an operator: "libfoo >= 1.2"), or a file path.
 */
export function findRequested(request: string, pool: PackagePool): Found {
  const text = request.trim();
  if (text.startsWith('/')) {
    const dep: DepSpec = { name: text, ...noVersion };
    const providers = pool.providers(dep);
    if (providers.length > 0) return { kind: 'providers', providers, dep };
    if (!pool.filesComplete) return { kind: 'needFilelists' };
    return { kind: 'none', dep };
  }
  if (/\s|[<>=]/.test(text)) {
    const dep = parseDep(text);
    const providers = pool.providers(dep);
    return providers.length > 0 ? { kind: 'providers', providers, dep } : { kind: 'none', dep };
  }
  const best = (list: PoolPackage[]): PoolPackage | null => {
    let out: PoolPackage | null = null;
    for (const p of list)
      if (!out || -compareEvr(p, out) < 0 || (compareEvr(p, out) === 0 && p.priority < out.priority)) out = p;
    return out;
  };
  const byName = pool.named(text);
  if (byName.length > 0) {
    return { kind: 'package', pkg: pickArch(byName), dep: { name: text, ...noVersion }, byName: true };
  }
  // name.arch
  const dot = text.lastIndexOf('.');
  if (dot > 0) {
    const named = pool.named(text.slice(0, dot)).filter((p) => p.arch === text.slice(dot + 1));
    const pkg = best(named);
    if (pkg) return { kind: 'package', pkg, dep: { name: pkg.name, ...noVersion }, byName: true };
  }
  // name-version, name-version-release, name-epoch:version-release (with an optional .arch)
  for (const withArch of [false, true]) {
    let body = text;
    let archWanted: string | null = null;
    if (withArch) {
      if (dot <= 0) continue;
      body = text.slice(0, dot);
      archWanted = text.slice(dot + 1);
    }
    for (let i = body.indexOf('-'); i > 0; i = body.indexOf('-', i + 1)) {
      const name = body.slice(0, i);
      const named = pool.named(name);
      if (named.length === 0) continue;
      const evr = parseEvr(body.slice(i + 1));
      const matching = named.filter(
        (p) =>
          (archWanted === null || p.arch === archWanted) &&
          (evr.epoch === null || evr.epoch === p.epoch) &&
          p.version === evr.version &&
          (evr.release === null || p.release === evr.release),
      );
      const pkg = best(matching);
      if (pkg) {
        return {
          kind: 'package',
          pkg,
          dep: { name, flags: 'EQ', epoch: pkg.epoch, version: pkg.version, release: pkg.release },
          byName: false,
        };
      }
    }
  }
  const dep: DepSpec = { name: text, ...noVersion };
  const providers = pool.providers(dep);
  if (providers.length > 0) return { kind: 'providers', providers, dep };
  return { kind: 'none', dep };
}

/** Highest EVR of a name, preferring the machine arch over noarch at the same EVR. */
function pickArch(list: PoolPackage[]): PoolPackage {
  return [...list].sort(
    (a, b) => -compareEvr(a, b) || Number(a.arch === 'noarch') - Number(b.arch === 'noarch') || a.priority - b.priority,
  )[0]!;
}
