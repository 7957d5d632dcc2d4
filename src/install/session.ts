/**
 * Opening the configured repositories for one command: enabled repositories become the pool,
 * disabled ones are only read (when reachable) to explain a missing dependency.
 */
import pLimit from 'p-limit';
import type { BaseProfile } from '../config/profile.js';
import type { RepoDefinition } from '../config/repos.js';
import { BaseSatisfier } from '../resolve/base.js';
import type { PoolPackage } from '../resolve/package.js';
import { fitsArch, policyPool } from '../resolve/policy.js';
import { PackagePool } from '../resolve/pool.js';
import type { PackageSource } from '../resolve/source.js';
import { ResolveError, solve, type HintLookup, type ResolvePlan, type Solution } from '../resolve/resolve.js';
import { YumdaError } from '../util/errors.js';
import { loadRepo, type LoadedRepo, type MetadataOptions } from './metadata.js';
import { CacheCorruptError } from './primary-cache.js';

export interface Session {
  /** The repository definitions it was opened with (enabled and disabled). */
  defs: RepoDefinition[];
  repos: LoadedRepo[];
  pool: PackagePool;
  disabled: RepoDefinition[];
  options: MetadataOptions;
  /** Loads filelists of every enabled repository into the pool (once). */
  loadFilelists: () => Promise<void>;
}

export async function openSession(defs: RepoDefinition[], options: MetadataOptions): Promise<Session> {
  const enabled = defs.filter((d) => d.enabled);
  const limit = pLimit(4);
  const repos = await Promise.all(enabled.map((d) => limit(() => loadRepo(d, options))));
  const pool = policyPool(
    repos.map((r) => r.packages),
    options.arch,
  );
  let filelistsLoaded = false;
  return {
    defs,
    repos,
    pool,
    disabled: defs.filter((d) => !d.enabled),
    options,
    loadFilelists: async () => {
      if (filelistsLoaded) return;
      const maps = await Promise.all(repos.map((r) => r.loadFilelists()));
      const merged = new Map<string, import('../repodata/types.js').RepoFile[]>();
      for (const m of maps) for (const [k, v] of m) merged.set(k, v);
      pool.addFilelists(merged);
      filelistsLoaded = true;
    },
  };
}

/** The sources of disabled repositories whose metadata can be read: only for hints, failures ignored. */
async function disabledRepoSources(session: Session): Promise<PackageSource[]> {
  const out: PackageSource[] = [];
  for (const def of session.disabled) {
    try {
      out.push((await loadRepo(def, session.options)).packages);
    } catch {
      // an unreachable disabled repository just gives no hint
    }
  }
  return out;
}

export interface ResolveRequest {
  requests: string[];
  profile: BaseProfile;
  arch: string;
  installed?: PoolPackage[];
}

/** Resolves, loading filelists only when a file dependency is not in primary's file lists. */
export async function resolveInSession(session: Session, request: ResolveRequest): Promise<ResolvePlan> {
  const base = new BaseSatisfier(request.profile);
  const solveWith = (hints: HintLookup): Solution =>
    solve({
      pool: session.pool,
      base,
      requests: request.requests,
      installed: request.installed ?? [],
      arch: request.arch,
      hints,
      disabledRepos: session.disabled.map((d) => d.id),
    });
  let reopened = false;
  for (;;) {
    let solution: Solution;
    try {
      // what explains a failure is looked up by capability, never by reading every package
      solution = solveWith((dep) => session.pool.anyProviders(dep));
    } catch (e) {
      // a cache segment read during the solve did not verify: the file was removed, opening the repositories again rebuilds it
      if (!(e instanceof CacheCorruptError) || reopened) throw e;
      reopened = true;
      session.options.onNote?.(e.message);
      Object.assign(session, await openSession(session.defs, session.options));
      continue;
    }
    if (solution.kind === 'plan') {
      // the next run with the same request reads these packages decoded
      for (const repo of session.repos) repo.packages.remember?.();
      return solution.plan;
    }
    if (solution.kind === 'needFilelists') {
      if (session.pool.filesComplete)
        throw new YumdaError(
          'RESOLVE_FILELISTS',
          `file dependency ${solution.path}: asked for file lists that are loaded already`,
        );
      await session.loadFilelists();
      continue;
    }
    let { problems, hint } = solution;
    if (session.disabled.length > 0) {
      // explain with the disabled repositories too (read only now, on failure)
      const extra = await disabledRepoSources(session);
      if (extra.length > 0) {
        const disabledPool = new PackagePool({
          sources: extra,
          usable: (packages) => packages.filter(fitsArch(session.options.arch)),
        });
        const explained = solveWith((dep) => [...session.pool.anyProviders(dep), ...disabledPool.providers(dep)]);
        if (explained.kind === 'problems') ({ problems, hint } = explained);
      }
    }
    throw new ResolveError(problems, hint);
  }
}
