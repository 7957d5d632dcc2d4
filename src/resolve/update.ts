/**
 * `yumda update`: which installed packages have something newer in the repositories. Like yum, a
 * package is updated by a newer EVR of the same name, or replaced by a package that obsoletes it;
 * the resolver then pulls in what the new versions need and replaces the old ones.
 */
import { compareEvr } from '../rpm/version.js';
import { nevra, type PoolPackage } from './package.js';
import type { PackagePool } from './pool.js';

export interface UpdateRequests {
  /** Requests for the resolver (package names, or the names of obsoleting packages). */
  requests: string[];
  /** Installed package → what replaces it, for notes. */
  updates: Array<{ from: string; to: string }>;
  /** Names given that are not installed in the layer. */
  notInstalled: string[];
}

function newest(list: PoolPackage[]): PoolPackage | null {
  let best: PoolPackage | null = null;
  for (const p of list) if (!best || compareEvr(p, best) > 0) best = p;
  return best;
}

/** What to ask the resolver for so that `names` (every installed package when empty) are brought up to date. */
export function updateRequests(pool: PackagePool, installed: PoolPackage[], names: string[] = []): UpdateRequests {
  const wanted =
    names.length === 0 ? installed : installed.filter((p) => names.includes(p.name) || names.includes(nevra(p)));
  const notInstalled = names.filter((n) => !installed.some((p) => p.name === n || nevra(p) === n));
  const requests: string[] = [];
  const updates: Array<{ from: string; to: string }> = [];
  for (const pkg of wanted) {
    const obsoleter = newest(pool.obsoletedBy(pkg));
    if (obsoleter) {
      requests.push(obsoleter.name);
      updates.push({ from: nevra(pkg), to: nevra(obsoleter) });
      continue;
    }
    const candidate = newest(
      pool.named(pkg.name).filter((p) => p.arch === pkg.arch || p.arch === 'noarch' || pkg.arch === 'noarch'),
    );
    if (candidate && compareEvr(candidate, pkg) > 0) {
      requests.push(pkg.name);
      updates.push({ from: nevra(pkg), to: nevra(candidate) });
    }
  }
  return { requests: [...new Set(requests)], updates, notInstalled };
}
