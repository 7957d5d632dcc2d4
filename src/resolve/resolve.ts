/**
 * The dependency resolver: from a request (names, name-version[-release], capabilities, file paths)
 * to the complete set of packages to put in the layer, minus what the Lambda base already has.
 * Pure: it works on a PackagePool and a BaseSatisfier and does no I/O.
 *
 * Provider preference when several packages satisfy a requirement (after keeping the highest EVR
 * of each name): a package already chosen or installed; then one named like the capability; then
 * one from the same source RPM as the package that needs it; then the shortest name; then the
 * alphabetically first. Obsoleted packages lose to their obsoleter.
 */
import type { Dependency } from '../rpm/types.js';
import { compareEvr } from '../rpm/version.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { closeMatches } from '../util/suggest.js';
import { BaseSatisfier } from './base.js';
import { CapabilityIndex, anyVersion, providesWithSelf, satisfies, selfCapability, type Offers } from './capability.js';
import { depToString, nevra, type PoolPackage } from './package.js';
import type { PackagePool } from './pool.js';
import { findRequested } from './select.js';

export interface ResolveInput {
  pool: PackagePool;
  base: BaseSatisfier;
  requests: string[];
  /** Packages already in the layer directory (from its manifest). */
  installed?: PoolPackage[];
  arch: string;
  /**
   * Packages that are not usable but can explain a failure (other archs, disabled repositories):
   * a list, or a lookup of those that may provide a capability (asked only on a failure).
   */
  hints?: Iterable<PoolPackage> | HintLookup;
  /** Repository ids that are disabled (named in hints). */
  disabledRepos?: string[];
}

/** The packages, usable or not, that may provide a capability (by name, provides or path): filtered by the resolver. */
export type HintLookup = (
  dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>,
) => Iterable<PoolPackage>;

export interface PlannedPackage {
  pkg: PoolPackage;
  /** The name of the package whose requirement pulled this one in (null: requested). */
  pulledInBy: string | null;
  requested: boolean;
  /** An installed package this one replaces (upgrade or obsoletes). */
  replaces: PoolPackage | null;
}

export interface ResolvePlan {
  install: PlannedPackage[];
  /** Packages (or, where no repository package provides it, capabilities) left out because the base has them. */
  skippedByBase: string[];
  /** Requested packages already in the layer. */
  alreadyInstalled: string[];
  /** Installed packages removed because a planned package obsoletes or upgrades them. */
  remove: PoolPackage[];
  notes: string[];
}

/** A file dependency no primary file list satisfies: the caller loads filelists.xml and resolves again. */
export class NeedFilelistsError extends Error {
  constructor(readonly path: string) {
    super(`file dependency ${path} needs filelists`);
  }
}

export class ResolveError extends YumdaError {
  constructor(
    readonly problems: string[],
    hint?: string,
  ) {
    super(
      'RESOLVE_FAILED',
      problems.length === 1
        ? problems[0]!
        : `${problems[0]!} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}: ${problems.slice(1).join('; ')})`,
      {
        exitCode: ExitCode.failure,
        ...(hint ? { hint } : {}),
      },
    );
  }
}

interface Selected {
  pkg: PoolPackage;
  /** What pulled it in (null: requested, or installed); the chain is read through these links. */
  parent: Selected | null;
  requested: boolean;
  installed: boolean;
  replaces: PoolPackage | null;
}

type DepSpec = Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>;

/** The names from the request down to `sel`, for messages (only built for a problem). */
function chainOf(sel: Selected): string[] {
  const names: string[] = [];
  for (let s: Selected | null = sel; s; s = s.parent) names.push(s.pkg.name);
  return names.reverse();
}

/** What a package offers to requirements: its provides (own name included) and its files. */
function offers(pkg: PoolPackage): Offers {
  return { provides: providesWithSelf(pkg), files: (pkg.files ?? pkg.primaryFiles).map((f) => f.path) };
}

function archRank(pkg: PoolPackage, arch: string): number {
  return pkg.arch === arch ? 0 : 1;
}

/** Highest EVR, then the machine arch over noarch, then the better repository priority. */
function betterSameName(a: PoolPackage, b: PoolPackage, arch: string): number {
  return -compareEvr(a, b) || archRank(a, arch) - archRank(b, arch) || a.priority - b.priority;
}

/**
 * What solving a request comes to: a plan; problems (with hints that explain them); or a file
 * dependency that no primary file list answers, so the caller loads filelists.xml and solves again.
 */
export type Solution =
  | { kind: 'plan'; plan: ResolvePlan }
  | { kind: 'problems'; problems: string[]; hint: string | undefined }
  | { kind: 'needFilelists'; path: string };

/** solve() for callers that take a failure as an error: ResolveError for problems, NeedFilelistsError for a missing file list. */
export function resolve(input: ResolveInput): ResolvePlan {
  const solution = solve(input);
  if (solution.kind === 'needFilelists') throw new NeedFilelistsError(solution.path);
  if (solution.kind === 'problems') throw new ResolveError(solution.problems, solution.hint);
  return solution.plan;
}

export function solve(input: ResolveInput): Solution {
  const { pool, base, arch } = input;
  const selected = new Map<string, Selected>();
  /** What the selected packages provide (capabilities and files). */
  const selection = new CapabilityIndex<Selected>();
  const problems: string[] = [];
  const hints = new Set<string>();
  const skipped = new Set<string>();
  const notes: string[] = [];
  const alreadyInstalled: string[] = [];
  const queue: Selected[] = [];

  const index = (sel: Selected): void => selection.add(sel, offers(sel.pkg));
  const unindex = (sel: Selected): void => selection.remove(sel, offers(sel.pkg));

  for (const pkg of input.installed ?? []) {
    const sel: Selected = { pkg, parent: null, requested: false, installed: true, replaces: null };
    selected.set(pkg.name, sel);
    index(sel);
  }

  const satisfiedBySelection = (dep: DepSpec): Selected | undefined => selection.first(dep);

  const select = (pkg: PoolPackage, parent: Selected | null, requested: boolean): Selected => {
    const existing = selected.get(pkg.name);
    let replaces: PoolPackage | null = null;
    if (existing) {
      if (existing.installed) {
        replaces = existing.pkg;
        unindex(existing);
      } else {
        return existing;
      }
    }
    const sel: Selected = { pkg, parent, requested, installed: false, replaces };
    selected.set(pkg.name, sel);
    index(sel);
    queue.push(sel);
    return sel;
  };

  /** Among providers, those that could be installed, best first. */
  const ranked = (candidates: PoolPackage[], dep: DepSpec, requirer: PoolPackage | null): PoolPackage[] => {
    const bestByName = new Map<string, PoolPackage>();
    for (const c of candidates) {
      const sel = selected.get(c.name);
      if (sel && !sel.installed && sel.pkg !== c) continue; // one version per name in a layer
      const best = bestByName.get(c.name);
      if (!best || betterSameName(c, best, arch) < 0) bestByName.set(c.name, c);
    }
    let options = [...bestByName.values()];
    if (options.length > 1) {
      const offered = new Set(options);
      const notObsoleted = options.filter((o) => !pool.obsoletedBy(o).some((p) => p !== o && offered.has(p)));
      if (notObsoleted.length) options = notObsoleted;
    }
    const srpm = requirer?.sourcerpm ?? null;
    options.sort(
      (a, b) =>
        Number(b.name === dep.name) - Number(a.name === dep.name) ||
        Number(srpm !== null && b.sourcerpm === srpm) - Number(srpm !== null && a.sourcerpm === srpm) ||
        a.name.length - b.name.length ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    return options;
  };
  /** Among providers, the one to install (null when none is usable). */
  const choose = (candidates: PoolPackage[], dep: DepSpec, requirer: PoolPackage | null): PoolPackage | null =>
    ranked(candidates, dep, requirer)[0] ?? null;

  const hintFor = (dep: DepSpec): void => {
    const candidates = typeof input.hints === 'function' ? input.hints(dep) : (input.hints ?? []);
    for (const h of candidates) {
      if (!satisfies(offers(h), dep)) continue;
      if (input.disabledRepos?.includes(h.repo))
        hints.add(
          `${depToString(dep)} is in the disabled repository "${h.repo}" (${nevra(h)}): enable it with --enablerepo ${h.repo}`,
        );
      else if (h.arch !== arch && h.arch !== 'noarch')
        hints.add(
          `${depToString(dep)} exists for another architecture (${nevra(h)}); this install targets ${arch} (--arch)`,
        );
    }
  };

  const noteSkipped = (dep: DepSpec, requirer: PoolPackage | null): void => {
    const wouldBe = choose(pool.providers(dep), dep, requirer);
    skipped.add(wouldBe ? wouldBe.name : depToString(dep));
  };

  // 1. the request
  for (const request of input.requests) {
    const found = findRequested(request, pool);
    if (found.kind === 'none') {
      if (found.dep && base.satisfies(found.dep)) {
        notes.push(`${request} is provided by the Lambda base (${base.profile.id}): nothing to install`);
        continue;
      }
      problems.push(`no package provides ${request}`);
      if (found.dep) hintFor(found.dep);
      const close = closeMatches(request, pool.names()).filter((n) => pool.named(n).length > 0);
      if (close.length > 0) hints.add(`did you mean ${close.join(', ')}?`);
      continue;
    }
    if (found.kind === 'needFilelists') return { kind: 'needFilelists', path: request };
    let pkg = found.kind === 'package' ? found.pkg : choose(found.providers, found.dep, null);
    if (!pkg) {
      problems.push(`no usable package provides ${request}`);
      continue;
    }
    const installedSame = selected.get(pkg.name);
    if (found.kind === 'package' && installedSame?.installed && compareEvr(installedSame.pkg, pkg) > 0) {
      // like yum: install never downgrades (remove the package first to go back)
      alreadyInstalled.push(nevra(installedSame.pkg));
      notes.push(
        `${request}: ${nevra(installedSame.pkg)} is installed and newer; yumda does not downgrade (remove it first)`,
      );
      continue;
    }
    const already = satisfiedBySelection(found.dep);
    if (already?.installed && (found.kind !== 'package' || compareEvr(already.pkg, pkg) >= 0)) {
      alreadyInstalled.push(nevra(already.pkg));
      continue;
    }
    if (already && !already.installed) continue;
    if (!base.isEmpty && base.satisfies(found.dep) && (found.kind !== 'package' || base.hasPackage(pkg.name))) {
      notes.push(
        `${request} is provided by the Lambda base (${base.profile.id}): skipped (use --base none to install it anyway)`,
      );
      skipped.add(pkg.name);
      continue;
    }
    const obsoleters = pool.obsoletedBy(pkg).filter((o) => o.name !== pkg!.name);
    if (obsoleters.length > 0 && found.kind === 'package' && found.byName) {
      const replacement = choose(
        obsoleters,
        { name: obsoleters[0]!.name, flags: null, epoch: null, version: null, release: null },
        pkg,
      );
      if (replacement) {
        notes.push(`${nevra(pkg)} is obsoleted by ${nevra(replacement)}, installing that instead`);
        pkg = replacement;
      }
    }
    select(pkg, null, true);
  }

  // 2. the closure. Like libsolv, requirements with one possible provider are followed first, through
  // the whole closure; a requirement with a choice waits until none is left, and then may be met
  // by a package selected meanwhile (no extra transitional or alternative package pulled in)
  const deferred: Array<{ sel: Selected; req: Dependency }> = [];
  let filesNeeded: string | null = null;
  const need = (sel: Selected, req: Dependency, mayWait: boolean): void => {
    if (req.name.startsWith('rpmlib(')) {
      if (!base.supportsRpmlib(req))
        problems.push(
          `${nevra(sel.pkg)} needs ${depToString(req)}, which rpm ${base.profile.rpm.version} on ${base.profile.id} does not support`,
        );
      return;
    }
    if (satisfiedBySelection(req)) return;
    if (base.satisfies(req)) {
      noteSkipped(req, sel.pkg);
      return;
    }
    // scriptlets never run in a layer: a requirement only they need never blocks or pulls anything in
    if (req.pre) return;
    const providers = pool.providers(req);
    if (providers.length === 0 && req.name.startsWith('/') && !pool.filesComplete) {
      filesNeeded = req.name;
      return;
    }
    const options = ranked(providers, req, sel.pkg);
    if (options.length > 1 && mayWait) {
      deferred.push({ sel, req });
      return;
    }
    const provider = options[0];
    if (!provider) {
      const chosenOther = providers.length > 0 ? selected.get(providers[0]!.name) : undefined;
      if (chosenOther) {
        problems.push(
          `${depToString(req)} needed by ${nevra(sel.pkg)} is not satisfied by ${nevra(chosenOther.pkg)}, which was chosen (pulled in by: ${chainOf(chosenOther).join(' → ')})`,
        );
      } else {
        problems.push(
          `nothing provides ${depToString(req)} needed by ${nevra(sel.pkg)} (pulled in by: ${chainOf(sel).join(' → ')})`,
        );
        hintFor(req);
      }
      return;
    }
    select(provider, sel, false);
  };
  for (let next = 0, decided = 0; ;) {
    if (next < queue.length) {
      const sel = queue[next++]!;
      if (selected.get(sel.pkg.name) !== sel) continue;
      for (const req of sel.pkg.requires) need(sel, req, true);
      if (filesNeeded !== null) return { kind: 'needFilelists', path: filesNeeded };
    } else if (decided < deferred.length) {
      const { sel, req } = deferred[decided++]!;
      if (selected.get(sel.pkg.name) === sel) need(sel, req, false);
      if (filesNeeded !== null) return { kind: 'needFilelists', path: filesNeeded };
    } else {
      break;
    }
  }

  // 3. conflicts and obsoletes inside the result, found through indexes (never pair by pair)
  const all = [...selected.values()];
  const fresh = all.filter((s) => !s.installed);
  const remove: PoolPackage[] = [];
  // who declares a conflict with a capability name
  const conflictsOn = new CapabilityIndex<Selected>();
  for (const s of all) if (s.pkg.conflicts.length > 0) conflictsOn.add(s, { provides: s.pkg.conflicts });
  const reportConflict = (declarer: Selected, other: Selected): void => {
    const key = [nevra(declarer.pkg), nevra(other.pkg)].sort().join(' and ');
    const message = `${nevra(declarer.pkg)} conflicts with ${nevra(other.pkg)}${other.installed ? ' (installed in the layer)' : declarer.installed ? ' (the latter is installed in the layer)' : ''}`;
    if (!problems.some((p) => p.includes(key)) && !problems.includes(message)) problems.push(message);
  };
  for (const a of fresh) {
    // the packages a conflicts with (its conflicts against their provides and files), then those that conflict with a (against a's provides)
    const conflicting = new Set<Selected>();
    for (const c of a.pkg.conflicts) {
      for (const b of selection.providers(c)) {
        if (b === a || conflicting.has(b)) continue;
        conflicting.add(b);
        reportConflict(a, b);
      }
    }
    for (const p of providesWithSelf(a.pkg)) {
      for (const b of conflictsOn.providers(p)) {
        if (b === a || conflicting.has(b)) continue;
        conflicting.add(b);
        reportConflict(b, a);
      }
    }
    const obsoleted = new Set<Selected>();
    for (const o of a.pkg.obsoletes) {
      const b = selected.get(o.name);
      if (!b || b === a || conflicting.has(b) || obsoleted.has(b)) continue;
      if (!satisfies({ provides: [selfCapability(b.pkg)] }, o)) continue;
      obsoleted.add(b);
      if (b.installed) remove.push(b.pkg);
      else
        problems.push(
          `${nevra(a.pkg)} obsoletes ${nevra(b.pkg)}, but both are needed (${chainOf(a).join(' → ')}; ${chainOf(b).join(' → ')})`,
        );
    }
    if (a.replaces) remove.push(a.replaces);
  }

  // packages that stay in the layer must still have what they need once upgraded/obsoleted ones go
  const leaving = [...new Set(remove)];
  if (leaving.length > 0) {
    const gone = new Set(leaving);
    const leavingProvides = new CapabilityIndex<PoolPackage>();
    for (const l of leaving) leavingProvides.add(l, { provides: [anyVersion(l.name), ...l.provides] });
    for (const kept of all) {
      if (!kept.installed || gone.has(kept.pkg)) continue;
      for (const req of kept.pkg.requires) {
        if (req.name.startsWith('rpmlib(') || req.pre) continue;
        const wasMet = leavingProvides.first(req) !== undefined;
        if (!wasMet || satisfiedBySelection(req) || base.satisfies(req)) continue;
        const replacement = fresh.find(
          (f) =>
            f.replaces &&
            leaving.includes(f.replaces) &&
            (f.pkg.name === req.name || f.pkg.provides.some((p) => p.name === req.name)),
        );
        problems.push(
          `${depToString(req)} needed by ${nevra(kept.pkg)} (installed in the layer) would no longer be satisfied` +
            (replacement
              ? ` once ${nevra(replacement.replaces!)} is replaced by ${nevra(replacement.pkg)} (pulled in by: ${chainOf(replacement).join(' → ')})`
              : ''),
        );
      }
    }
  }

  if (problems.length > 0)
    return { kind: 'problems', problems, hint: hints.size > 0 ? [...hints].join('; ') : undefined };

  const install = fresh
    .map((s) => ({ pkg: s.pkg, pulledInBy: s.parent?.pkg.name ?? null, requested: s.requested, replaces: s.replaces }))
    .sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : a.pkg.name > b.pkg.name ? 1 : 0));
  const chosenNames = new Set(install.map((p) => p.pkg.name));
  return {
    kind: 'plan',
    plan: {
      install,
      skippedByBase: [...skipped].filter((n) => !chosenNames.has(n)).sort(),
      alreadyInstalled,
      remove: [...new Set(remove)],
      notes,
    },
  };
}
