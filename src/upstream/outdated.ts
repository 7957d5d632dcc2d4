/**
 * `yumda outdated`: which packages of specs/ have a newer upstream source RPM than their last build.
 */
import type { LastBuilt } from '../package-set/last-built.js';
import { compareEvr } from '../rpm/version.js';
import { evrString } from '../rpm/nevra.js';
import { newest, type SourceIndex } from './select.js';

export type OutdatedStatus =
  /** upstream has a newer source RPM than the last build */
  | 'outdated'
  /** the last build used the newest upstream source RPM */
  | 'current'
  /** no build recorded for it */
  | 'never-built'
  /** the upstream has no source package of that name */
  | 'not-upstream'
  /** the last build is newer than anything upstream (a downgrade or a different upstream) */
  | 'ahead';

export interface OutdatedEntry {
  name: string;
  built: string | null;
  upstream: string | null;
  /** File name of the newest upstream source RPM. */
  upstreamFile: string | null;
  status: OutdatedStatus;
}

/** Compares each name's last build with the upstream's newest source RPM (pure). */
export function compareWithUpstream(
  names: string[],
  lastBuilt: Map<string, LastBuilt>,
  index: SourceIndex,
): OutdatedEntry[] {
  return names.map((name) => {
    const built = lastBuilt.get(name);
    const up = newest(index, name);
    const builtEvr = built ? evrString(built) : null;
    const upstream = up ? evrString(up) : null;
    const upstreamFile = up ? up.locationHref.replace(/^.*\//, '') : null;
    let status: OutdatedStatus;
    if (!up) status = 'not-upstream';
    else if (!built) status = 'never-built';
    else {
      const c = compareEvr(up, built);
      status = c > 0 ? 'outdated' : c === 0 ? 'current' : 'ahead';
    }
    return { name, built: builtEvr, upstream, upstreamFile, status };
  });
}

/** The entries that need a build: outdated or never built. */
export function needsBuild(entry: OutdatedEntry): boolean {
  return entry.status === 'outdated' || entry.status === 'never-built';
}
