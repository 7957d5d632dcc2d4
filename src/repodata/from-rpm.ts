/**
 * RPM header → yum metadata records, following createrepo_c (parsehdr.c) rule for rule, so that
 * our primary/filelists/other agree with what createrepo_c writes for the same packages.
 */
import type { ChangelogEntry, Dependency, RequireDependency, RpmFile, RpmPackageInfo } from '../rpm/types.js';
import { rpmvercmp } from '../rpm/version.js';
import type { FilelistsRecord, OtherRecord, PackageRecord, RepoFile, RepoFileType } from './types.js';

export const DEFAULT_CHANGELOG_LIMIT = 10;

/** What the index knows about the .rpm file itself (not in its header). */
export interface RpmFileFacts {
  /** sha256 of the whole file. */
  pkgId: string;
  /** File size in bytes. */
  sizePackage: number;
  /** File mtime, whole seconds. */
  timeFile: number;
  /** Path relative to the repository root, forward slashes. */
  locationHref: string;
}

/** createrepo's primary-file rule: the few paths every client may ask about without filelists. */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

function repoFileType(file: RpmFile): RepoFileType {
  if ((file.mode & S_IFMT) === S_IFDIR) return 'dir';
  if (file.flags.includes('ghost')) return 'ghost';
  return 'file';
}

/**
 * A dependency as repodata writes it: createrepo_c gives every versioned dependency an epoch
 * ("0" when the header's EVR has none), and none to unversioned ones.
 */
function normalizeDependency(dep: Dependency, pre = false): Dependency {
  const hasVersion = dep.version !== null && dep.version !== '';
  return {
    name: dep.name,
    flags: dep.flags,
    epoch: hasVersion ? (dep.epoch ?? 0) : null,
    version: hasVersion ? dep.version : null,
    release: hasVersion && dep.release !== '' ? dep.release : null,
    pre,
  };
}

/** Identity of a dependency as createrepo_c compares them: name, comparison, EVR as written in the header. */
function dependencyKey(dep: Dependency): string {
  return `${dep.name}\u0000${dep.flags ?? ''}\u0000${dep.epoch ?? ''}\u0000${dep.version ?? ''}\u0000${dep.release ?? ''}`;
}

/**
 * Orders two libc.so.6 requirement names by the version inside their first parentheses
 * (libc.so.6() < libc.so.6(GLIBC_2.3.4)(64bit) < libc.so.6(GLIBC_2.4)); true when `candidate` is higher.
 */
export function isHigherLibcRequirement(current: string, candidate: string): boolean {
  const open1 = current.indexOf('(');
  const open2 = candidate.indexOf('(');
  if (open1 < 0 && open2 < 0) return false;
  if (open1 < 0) return true;
  if (open2 < 0) return false;
  const close1 = current.indexOf(')', open1);
  const close2 = candidate.indexOf(')', open2);
  if (close1 < 0 && close2 < 0) return false;
  if (close1 < 0) return true;
  if (close2 < 0) return false;
  const empty1 = close1 === open1 + 1;
  const empty2 = close2 === open2 + 1;
  if (empty1 && empty2) return false;
  if (empty1) return true;
  if (empty2) return false;
  const firstDigit = (s: string, from: number): number => {
    let i = from;
    while (i < s.length && (s.charCodeAt(i) < 48 || s.charCodeAt(i) > 57)) i++;
    return i;
  };
  const v1 = firstDigit(current, open1 + 1);
  const v2 = firstDigit(candidate, open2 + 1);
  if (v1 > close1 && v2 > close2) return false;
  if (v1 > close1) return true;
  if (v2 > close2) return false;
  return rpmvercmp(current.slice(v1, close1), candidate.slice(v2, close2)) < 0;
}

/** Raw RPMSENSE facts about info.requires that RpmPackageInfo does not carry (index-aligned). */
export interface RequireSenses {
  /** createrepo_c's pre bit: PREREQ, SCRIPT_PRE or SCRIPT_POST (not preun/postun/pretrans). */
  pre: boolean[];
  /** Legacy weak requirement (RPMSENSE_MISSINGOK): createrepo_c lists it under recommends. */
  missingOk: boolean[];
}

/** An rpm < 4.12 Suggests/Enhances entry; `strong` means Recommends/Supplements. */
export interface LegacyWeakDep {
  dep: Dependency;
  strong: boolean;
}

export interface HeaderExtras {
  senses?: RequireSenses;
  legacy?: { suggests: LegacyWeakDep[]; enhances: LegacyWeakDep[] };
}

/**
 * The requires list createrepo_c writes: no rpmlib() features, no requirement on one of the
 * package's own primary files, none that the package itself provides (same name, comparison and
 * version), no repeat of the previous requirement of the same name with the same version and pre
 * bit, and of all libc.so.6 requirements only the highest, placed last.
 */
export function filterRequires(
  info: Pick<RpmPackageInfo, 'requires' | 'provides' | 'files'>,
  senses?: RequireSenses,
): { requires: Dependency[]; weakRequires: Dependency[] } {
  const ownPrimaryFiles = new Set<string>();
  for (const f of info.files) if (isPrimaryFile(f.path)) ownPrimaryFiles.add(f.path);
  const provided = new Set(info.provides.map((p) => dependencyKey(p)));
  const lastByName = new Map<string, string>();
  const out: Dependency[] = [];
  const weakRequires: Dependency[] = [];
  let highestLibc: Dependency | undefined;
  const requires = info.requires as RequireDependency[];
  for (let i = 0; i < requires.length; i++) {
    const req = requires[i]!;
    if (req.name.startsWith('rpmlib(')) continue;
    if (req.name.startsWith('/') && ownPrimaryFiles.has(req.name)) continue;
    if (provided.has(dependencyKey(req))) continue;
    const pre = senses ? senses.pre[i] === true : req.pre;
    const seenKey = `${dependencyKey(req)}\u0000${pre ? 1 : 0}`;
    if (lastByName.get(req.name) === seenKey) continue;
    if (senses?.missingOk[i]) {
      weakRequires.push(normalizeDependency(req));
      continue;
    }
    const dep = normalizeDependency(req, pre);
    if (req.name.startsWith('libc.so.6')) {
      if (!highestLibc || isHigherLibcRequirement(highestLibc.name, req.name)) highestLibc = dep;
      continue;
    }
    out.push(dep);
    lastByName.set(req.name, seenKey);
  }
  if (highestLibc) out.push(highestLibc);
  return { requires: out, weakRequires };
}

/**
 * The changelog other.xml carries: the `limit` newest entries (header order is newest first),
 * authors without trailing spaces, and entries sharing a timestamp made distinct the way
 * createrepo_c does it (each newer one of a run is pushed one second later). Newest first.
 */
export function limitChangelog(entries: readonly ChangelogEntry[], limit = DEFAULT_CHANGELOG_LIMIT): ChangelogEntry[] {
  const count = limit < 0 ? entries.length : Math.min(limit, entries.length);
  const out: ChangelogEntry[] = [];
  let lastTime = 0;
  for (let i = 0; i < count; i++) {
    const e = entries[i]!;
    const author = e.author.length > 1 ? e.author.slice(0, 1) + e.author.slice(1).replace(/ +$/, '') : e.author;
    out.push({ author, time: e.time, text: e.text });
    if (e.time === lastTime) {
      let t = e.time;
      for (let j = out.length - 2; j >= 0 && out[j]!.time === t; j--) {
        out[j]!.time++;
        t++;
      }
    } else {
      lastTime = e.time;
    }
  }
  return out;
}

function repoFiles(files: readonly RpmFile[], onlyPrimary: boolean): RepoFile[] {
  const out: RepoFile[] = [];
  for (const f of files) {
    if (onlyPrimary && !isPrimaryFile(f.path)) continue;
    out.push({ path: f.path, type: repoFileType(f) });
  }
  return out;
}

function packageRecordFromRpm(info: RpmPackageInfo, file: RpmFileFacts, extras: HeaderExtras = {}): PackageRecord {
  const { requires, weakRequires } = filterRequires(info, extras.senses);
  const norm = (deps: readonly Dependency[]): Dependency[] => deps.map((d) => normalizeDependency(d));
  const legacy = extras.legacy ?? { suggests: [], enhances: [] };
  const legacyDeps = (list: LegacyWeakDep[], strong: boolean): Dependency[] =>
    list.filter((l) => l.strong === strong).map((l) => normalizeDependency(l.dep));
  return {
    pkgId: file.pkgId,
    name: info.name,
    arch: info.isSource ? 'src' : info.arch,
    epoch: info.epoch ?? 0,
    version: info.version,
    release: info.release,
    summary: info.summary,
    description: info.description,
    packager: info.packager,
    url: info.url,
    timeFile: file.timeFile,
    timeBuild: info.buildtime,
    sizePackage: file.sizePackage,
    sizeInstalled: info.size,
    sizeArchive: info.archiveSize,
    locationHref: file.locationHref,
    license: info.license,
    vendor: info.vendor,
    group: info.group,
    buildhost: info.buildhost,
    sourcerpm: info.sourcerpm,
    headerStart: info.headerStart,
    headerEnd: info.headerEnd,
    provides: norm(info.provides),
    requires,
    conflicts: norm(info.conflicts),
    obsoletes: norm(info.obsoletes),
    // createrepo_c's order: legacy weak requires, then the tags, then legacy strong suggests/enhances
    recommends: [...weakRequires, ...norm(info.recommends), ...legacyDeps(legacy.suggests, true)],
    suggests: [...norm(info.suggests), ...legacyDeps(legacy.suggests, false)],
    supplements: [...norm(info.supplements), ...legacyDeps(legacy.enhances, true)],
    enhances: [...norm(info.enhances), ...legacyDeps(legacy.enhances, false)],
    primaryFiles: repoFiles(info.files, true),
  };
}

function filelistsRecordFromRpm(info: RpmPackageInfo, pkgId: string): FilelistsRecord {
  return {
    pkgId,
    name: info.name,
    arch: info.isSource ? 'src' : info.arch,
    epoch: info.epoch ?? 0,
    version: info.version,
    release: info.release,
    files: repoFiles(info.files, false),
  };
}

function otherRecordFromRpm(
  info: RpmPackageInfo,
  pkgId: string,
  changelogLimit = DEFAULT_CHANGELOG_LIMIT,
): OtherRecord {
  return {
    pkgId,
    name: info.name,
    arch: info.isSource ? 'src' : info.arch,
    epoch: info.epoch ?? 0,
    version: info.version,
    release: info.release,
    changelog: limitChangelog(info.changelog, changelogLimit),
  };
}

/** All three records of one package. */
export interface RepoEntry {
  primary: PackageRecord;
  filelists: FilelistsRecord;
  other: OtherRecord;
}

export function repoEntryFromRpm(
  info: RpmPackageInfo,
  file: RpmFileFacts,
  changelogLimit = DEFAULT_CHANGELOG_LIMIT,
  extras: HeaderExtras = {},
): RepoEntry {
  return {
    primary: packageRecordFromRpm(info, file, extras),
    filelists: filelistsRecordFromRpm(info, file.pkgId),
    other: otherRecordFromRpm(info, file.pkgId, changelogLimit),
  };
}
