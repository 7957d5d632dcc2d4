/**
 * Choosing source packages from an upstream index: the highest EVR of a name, or the exact
 * NAME-VERSION-RELEASE (or NAME-VERSION) asked for. Pure functions over the index.
 */
import { evrString } from '../rpm/nevra.js';
import { compareEvr } from '../rpm/version.js';
import { YumdaError } from '../util/errors.js';
import { closeMatches } from '../util/suggest.js';

/** One source RPM as the upstream's primary.xml describes it (only what fetching needs). */
export interface SourcePackage {
  name: string;
  epoch: number;
  version: string;
  release: string;
  /** Checksum of the whole .src.rpm, from primary.xml. */
  checksum: { type: string; value: string };
  /** Size of the .src.rpm in bytes. */
  size: number;
  /** Path relative to the repository base URL. */
  locationHref: string;
  /** xml:base of the location, when primary.xml sets one: the package lives there, not on the mirror. */
  locationBase?: string;
}

/** Source packages grouped by name, each group sorted newest first. */
export interface SourceIndex {
  byName: Map<string, SourcePackage[]>;
}

export function buildSourceIndex(packages: Iterable<SourcePackage>): SourceIndex {
  const byName = new Map<string, SourcePackage[]>();
  for (const p of packages) {
    const list = byName.get(p.name);
    if (list) list.push(p);
    else byName.set(p.name, [p]);
  }
  for (const list of byName.values()) list.sort((a, b) => compareEvr(b, a));
  return { byName };
}

export function newest(index: SourceIndex, name: string): SourcePackage | undefined {
  return index.byName.get(name)?.[0];
}

function stripSuffix(request: string): string {
  return request
    .replace(/\.src\.rpm$/, '')
    .replace(/\.rpm$/, '')
    .replace(/\.src$/, '');
}

/** The candidate spellings of a package a user may type: N-V-R, N-E:V-R, N-V. */
function spellings(p: SourcePackage): { full: string[]; versionOnly: string[] } {
  return {
    full: [`${p.name}-${p.version}-${p.release}`, `${p.name}-${p.epoch}:${p.version}-${p.release}`],
    versionOnly: [`${p.name}-${p.version}`, `${p.name}-${p.epoch}:${p.version}`],
  };
}

/** The longest known name that `request` starts with followed by "-", e.g. "git" for "git-2.99-1". */
function namePrefix(index: SourceIndex, request: string): string | undefined {
  let best: string | undefined;
  for (let i = request.indexOf('-'); i > 0; i = request.indexOf('-', i + 1)) {
    const candidate = request.slice(0, i);
    if (index.byName.has(candidate)) best = candidate;
  }
  return best;
}

/**
 * Resolves one request: a source name (newest EVR wins), NAME-VERSION-RELEASE or NAME-EPOCH:VERSION-RELEASE
 * (that exact build), or NAME-VERSION (the newest release of that version). A trailing .src.rpm is ignored.
 * Returns undefined when nothing matches (see notFoundError for the message).
 */
export function selectSource(index: SourceIndex, request: string): SourcePackage | undefined {
  const wanted = stripSuffix(request.trim());
  const byName = newest(index, wanted);
  if (byName) return byName;
  const name = namePrefix(index, wanted);
  if (!name) return undefined;
  const candidates = index.byName.get(name)!;
  return (
    candidates.find((p) => spellings(p).full.includes(wanted)) ??
    candidates.find((p) => spellings(p).versionOnly.includes(wanted))
  );
}

/** A clear "not found" error: for a known name with an unknown version, the versions there are; else close names. */
export function notFoundError(index: SourceIndex, requests: string[], upstreamLabel: string): YumdaError {
  const hints: string[] = [];
  for (const request of requests) {
    const wanted = stripSuffix(request.trim());
    const name = namePrefix(index, wanted);
    if (name) {
      const versions = index.byName.get(name)!.slice(0, 5).map(evrString);
      hints.push(
        `${request}: ${name} exists with ${versions.join(', ')}${index.byName.get(name)!.length > 5 ? ', …' : ''}`,
      );
      continue;
    }
    const near = closeMatches(wanted, index.byName.keys());
    hints.push(
      near.length > 0 ? `${request}: did you mean ${near.join(', ')}?` : `${request}: no similar source package names`,
    );
  }
  const list = requests.map((r) => `"${r}"`).join(', ');
  return new YumdaError('SOURCE_NOT_FOUND', `no source package ${list} in upstream ${upstreamLabel}`, {
    hint: `${hints.join('; ')} (note: source names can differ from binary package names; \`yumda source list\` shows them)`,
  });
}
