/** Discovery over repository metadata and layer manifests: list, search, info, provides. */
import type { PackageRecord } from '../repodata/types.js';
import { compareEvr } from '../rpm/version.js';
import { parseDep } from '../rpm/version.js';
import { evrString, type PoolPackage } from '../resolve/package.js';
import type { PackagePool } from '../resolve/pool.js';
import { compatibleArchs } from '../resolve/policy.js';
import type { PackageSource } from '../resolve/source.js';
import { globToRegExp } from '../util/glob.js';
import type { ManifestPackage } from './manifest.js';

export interface PackageSummary {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  repo: string;
  summary: string;
}

export function summarize(p: PoolPackage | ManifestPackage): PackageSummary {
  return {
    name: p.name,
    epoch: p.epoch,
    version: p.version,
    release: p.release,
    arch: p.arch,
    repo: p.repo,
    summary: p.summary,
  };
}

function byNameThenEvr(a: PackageRecord | ManifestPackage, b: PackageRecord | ManifestPackage): number {
  return a.name < b.name
    ? -1
    : a.name > b.name
      ? 1
      : -compareEvr(a, b) || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0);
}

/** Newest of each name+arch (all versions with `all`), optionally filtered by name globs. */
export function listAvailable(pool: PackagePool, patterns: string[] = [], all = false): PoolPackage[] {
  const res = patterns.map(globToRegExp);
  // plain names are looked up; only globs (or no pattern) need every package
  const candidates =
    patterns.length > 0 && patterns.every((p) => !/[*?[]/.test(p))
      ? [...new Set(patterns)].flatMap((n) => pool.named(n))
      : pool.packages;
  const pkgs = candidates.filter((p) => res.length === 0 || res.some((r) => r.test(p.name))).sort(byNameThenEvr);
  if (all) return pkgs;
  const seen = new Set<string>();
  return pkgs.filter((p) => {
    const key = `${p.name}.${p.arch}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function listInstalled(packages: ManifestPackage[], patterns: string[] = []): ManifestPackage[] {
  const res = patterns.map(globToRegExp);
  return packages.filter((p) => res.length === 0 || res.some((r) => r.test(p.name))).sort(byNameThenEvr);
}

/** Case-insensitive match on name first, then summary (like `yum search`). */
export function searchPackages(
  pool: PackagePool,
  term: string,
): { nameMatches: PoolPackage[]; summaryMatches: PoolPackage[] } {
  const t = term.toLowerCase();
  const newest = listAvailable(pool);
  const nameMatches = newest.filter((p) => p.name.toLowerCase().includes(t));
  const summaryMatches = newest.filter(
    (p) => !nameMatches.includes(p) && (p.summary.toLowerCase().includes(t) || p.description.toLowerCase().includes(t)),
  );
  return { nameMatches, summaryMatches };
}

/** Packages providing a capability ("libz.so.1()(64bit)", "foo >= 1.2") or owning a path. */
export function whatProvides(pool: PackagePool, capability: string): PoolPackage[] {
  const dep = capability.startsWith('/')
    ? { name: capability, flags: null, epoch: null, version: null, release: null }
    : parseDep(capability);
  return pool.providers(dep).sort(byNameThenEvr);
}

export function formatSummaryTable(rows: Array<{ name: string; arch: string; evr: string; repo: string }>): string {
  const w0 = Math.max(...rows.map((r) => `${r.name}.${r.arch}`.length), 10);
  const w1 = Math.max(...rows.map((r) => r.evr.length), 7);
  return rows.map((r) => `${`${r.name}.${r.arch}`.padEnd(w0)}  ${r.evr.padEnd(w1)}  ${r.repo}`).join('\n');
}

export function formatInfo(p: PoolPackage | ManifestPackage, extra: { installed: boolean }): string {
  const pool = p as Partial<PoolPackage>;
  const rows: Array<[string, string]> = [
    ['Name', p.name],
    ['Arch', p.arch],
    ['Epoch', String(p.epoch)],
    ['Version', p.version],
    ['Release', p.release],
    ['Size', pool.sizePackage !== undefined ? String(pool.sizePackage) : '-'],
    ['Installed size', String(p.sizeInstalled)],
    ['Repository', extra.installed ? `${p.repo} (installed)` : p.repo],
    ['Summary', p.summary],
    ['URL', pool.url ?? ''],
    ['License', pool.license ?? ''],
    ['Source RPM', p.sourcerpm],
    ['Requires', p.requires.map((r) => r.name).join(', ') || '(none)'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)} : ${v}`);
  if (pool.description)
    lines.push(`${'Description'.padEnd(width)} : ${pool.description.replace(/\n/g, `\n${' '.repeat(width)} : `)}`);
  return lines.join('\n');
}

export { evrString };

/** A request the repositories offer only for other archs than the layer's. */
export interface ForeignRequest {
  request: string;
  /** The archs it exists for, sorted. */
  archs: string[];
  example: PoolPackage;
}

const ARCH_SUFFIXES = ['x86_64', 'aarch64', 'i686', 'noarch'];

/**
 * The first request (a name or a capability, optionally NAME.ARCH) that the sources have, but
 * only for archs that do not fit `arch`; null when every request fits or is simply absent.
 */
export function foreignArchOnly(sources: PackageSource[], requests: string[], arch: string): ForeignRequest | null {
  const fitting = compatibleArchs(arch);
  for (const request of requests) {
    const dot = request.lastIndexOf('.');
    const suffix = dot > 0 ? request.slice(dot + 1) : '';
    const explicitArch = ARCH_SUFFIXES.includes(suffix) ? suffix : null;
    const name = explicitArch ? request.slice(0, dot) : request;
    const found = sources.flatMap((s) => [...(s.lookup('names', name) ?? []), ...(s.lookup('provides', name) ?? [])]);
    const wanted = explicitArch ? found.filter((p) => p.arch === explicitArch) : found;
    if (wanted.length === 0 || wanted.some((p) => fitting.includes(p.arch))) continue;
    return { request, archs: [...new Set(wanted.map((p) => p.arch))].sort(), example: wanted[0]! };
  }
  return null;
}
