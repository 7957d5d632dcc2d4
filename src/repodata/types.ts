/**
 * One package as yum metadata describes it (primary + filelists + other). The index writer builds
 * these from RPM headers; the streaming reader builds them from primary.xml.gz; the resolver and
 * installer consume them. Fields mirror createrepo_c's package record.
 */
import type { ChangelogEntry, Dependency } from '../rpm/types.js';

export type RepoFileType = 'file' | 'dir' | 'ghost';

export interface RepoFile {
  path: string;
  type: RepoFileType;
}

export interface PackageRecord {
  /** sha256 of the whole .rpm file (checksum type is always sha256 here). */
  pkgId: string;
  name: string;
  arch: string;
  /** Repodata always carries an epoch; a missing one is 0. */
  epoch: number;
  version: string;
  release: string;
  summary: string;
  description: string;
  packager: string;
  url: string;
  /** mtime of the .rpm file (seconds). */
  timeFile: number;
  timeBuild: number;
  sizePackage: number;
  sizeInstalled: number;
  sizeArchive: number;
  /** Path relative to the repository root, with forward slashes. */
  locationHref: string;
  license: string;
  vendor: string;
  group: string;
  buildhost: string;
  sourcerpm: string;
  headerStart: number;
  headerEnd: number;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  recommends: Dependency[];
  suggests: Dependency[];
  supplements: Dependency[];
  enhances: Dependency[];
  /** The files primary.xml lists (createrepo's primary-file rule). */
  primaryFiles: RepoFile[];
  /** Checksum type of pkgId as the metadata states it (read from foreign repos; ours is always sha256). */
  checksumType?: string;
  /** <location xml:base>: a base URL other than the repository's, when the metadata gives one. */
  locationBase?: string;
}

/** filelists.xml: every file of a package. */
export interface FilelistsRecord {
  pkgId: string;
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  files: RepoFile[];
}

/** other.xml: the changelog of a package (newest first, limited). */
export interface OtherRecord {
  pkgId: string;
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  changelog: ChangelogEntry[];
}

/** A record with every field empty: what a reader fills in, or the base of a partial record. */
export function emptyPackageRecord(): PackageRecord {
  return {
    pkgId: '',
    name: '',
    arch: '',
    epoch: 0,
    version: '',
    release: '',
    summary: '',
    description: '',
    packager: '',
    url: '',
    timeFile: 0,
    timeBuild: 0,
    sizePackage: 0,
    sizeInstalled: 0,
    sizeArchive: 0,
    locationHref: '',
    license: '',
    vendor: '',
    group: '',
    buildhost: '',
    sourcerpm: '',
    headerStart: 0,
    headerEnd: 0,
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    primaryFiles: [],
  };
}
