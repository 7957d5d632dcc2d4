/** The package model of the pool and the solver: a repository's package record where it came from, and how it is named. */
import type { Dependency } from '../rpm/types.js';
import type { PackageRecord, RepoFile } from '../repodata/types.js';
import { formatEvr } from '../rpm/version.js';

/** A package as the resolver sees it: a metadata record plus the repository it came from. */
export interface PoolPackage extends PackageRecord {
  repo: string;
  /** Repository priority (lower wins; yum-plugin-priorities semantics). */
  priority: number;
  /** Complete file list, once filelists.xml has been read (primaryFiles otherwise). */
  files?: RepoFile[];
}

export { evrString, nevra } from '../rpm/nevra.js';

export function depToString(d: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): string {
  if (!d.flags || d.version === null) return d.name;
  const op = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' }[d.flags];
  return `${d.name} ${op} ${formatEvr({ epoch: d.epoch, version: d.version, release: d.release })}`;
}
