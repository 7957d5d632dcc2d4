/**
 * Opening the configured repositories for one command: enabled repositories become the pool,
 * disabled ones are only read (when reachable) to explain a missing dependency.
 */
import pLimit from 'p-limit';
import type { BaseProfile } from '../config/profile.js';
import type { RepoDefinition } from '../config/repos.js';
import { BaseSatisfier } from '../resolve/base.js';
import { PackagePool, compatibleArchs, type PackageSource, type PoolPackage } from '../resolve/pool.js';
import { NeedFilelistsError, ResolveError, resolve, type ResolvePlan } from '../resolve/resolve.js';
import { loadRepo, type LoadedRepo, type MetadataOptions } from './metadata.js';
import { CacheCorruptError } from './primary-cache.js';

export interface Session {
  /** The repository definitions it was opened with (enabled and disabled). */
  defs: RepoDefinition[];
  repos: LoadedRepo[];
  pool: PackagePool;
  /** Other-arch packages of the enabled repositories (read only when iterated: to explain a failure). */
  otherArch: Iterable<PoolPackage>;
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
  const archOk = fitsArch(options.arch);
  const pool = policyPool(
    repos.map((r) => r.packages),
    options.arch,
  );
  let filelistsLoaded = false;
  return {
    defs,
    repos,
    pool,
    otherArch: {
      *[Symbol.iterator]() {
        for (const r of repos) for (const p of r.packages.all()) if (!archOk(p)) yield p;
      },
    },
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

/** Packages of disabled repositories whose metadata can be read: only for hints, failures ignored. */
async function disabledRepoPackages(session: Session): Promise<PoolPackage[]> {
  const out: PoolPackage[] = [];
  for (const def of session.disabled) {
    try {
      const repo = await loadRepo(def, session.options);
      out.push(...repo.packages.all().filter(fitsArch(session.options.arch)));
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
  const run = (hints: Iterable<PoolPackage>): ResolvePlan =>
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
      const plan = run(session.otherArch);
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
        const extra = await disabledRepoPackages(session);
        if (extra.length > 0) return run([...session.otherArch, ...extra]);
      }
      throw e;
    }
  }
}
