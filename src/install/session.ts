/**
 * Opening the configured repositories for one command: enabled repositories become the pool,
 * disabled ones are only read (when reachable) to explain a missing dependency.
 */
import pLimit from 'p-limit';
import type { BaseProfile } from '../config/profile.js';
import type { RepoDefinition } from '../config/repos.js';
import { BaseSatisfier } from '../resolve/base.js';
import { PackagePool, compatibleArchs, type PackageSource, type PoolPackage } from '../resolve/pool.js';
import { NeedFilelistsError, ResolveError, resolve, type HintLookup, type ResolvePlan } from '../resolve/resolve.js';
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

/**
 * yum-plugin-priorities: when a name is offered by several repositories, only those with the best
 * (lowest) priority keep it.
 */
export function applyPriorities(packages: PoolPackage[]): PoolPackage[] {
  const best = new Map<string, number>();
  for (const p of packages) best.set(p.name, Math.min(best.get(p.name) ?? Infinity, p.priority));
  return packages.filter((p) => p.priority === best.get(p.name));
}

/** Whether a package installs on `arch` (the pool's arch policy: the arch itself and noarch). */
function fitsArch(arch: string): (p: PoolPackage) => boolean {
  const archs = compatibleArchs(arch);
  return (p) => archs.includes(p.arch);
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
  const run = (hints: HintLookup): ResolvePlan =>
    resolve({
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
    try {
      // what explains a failure is looked up by capability, never by reading every package
      const plan = run((dep) => session.pool.anyProviders(dep));
      // the next run with the same request reads these packages decoded
      for (const repo of session.repos) repo.packages.remember?.();
      return plan;
    } catch (e) {
      if (e instanceof CacheCorruptError && !reopened) {
        // the corrupt cache file was removed: opening the repositories again rebuilds it
        reopened = true;
        session.options.onNote?.(e.message);
        Object.assign(session, await openSession(session.defs, session.options));
        continue;
      }
      if (e instanceof NeedFilelistsError) {
        if (session.pool.filesComplete) throw e;
        await session.loadFilelists();
        continue;
      }
      if (e instanceof ResolveError && session.disabled.length > 0) {
        // explain with the disabled repositories too (read only now, on failure)
        const extra = await disabledRepoSources(session);
        if (extra.length > 0) {
          const disabledPool = new PackagePool({ sources: extra, usable: (packages) => packages.filter(fitsArch(session.options.arch)) });
          return run((dep) => [...session.pool.anyProviders(dep), ...disabledPool.providers(dep)]);
        }
      }
      throw e;
    }
  }
}
