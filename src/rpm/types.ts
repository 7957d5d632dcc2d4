/** The shapes the RPM reader produces; repodata, resolver and installer consume them. */

export type DepFlag = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE' | null;

export interface Dependency {
  name: string;
  flags: DepFlag;
  epoch: number | null;
  version: string | null;
  release: string | null;
  /** Requires(pre), Requires(post), ... (RPMSENSE_PREREQ / script bits). */
  pre: boolean;
}

export interface RequireDependency extends Dependency {
  /** rpmlib(...) feature requirement. */
  rpmlib: boolean;
  /** Only scriptlets need it (Requires(pre|post|preun|postun|...) without runtime bit). */
  scriptletOnly: boolean;
}

export type FileFlag =
  'config' | 'doc' | 'license' | 'ghost' | 'missingok' | 'noreplace' | 'readme' | 'artifact' | 'specfile';

export interface RpmFile {
  path: string;
  mode: number;
  size: number;
  /** Hex digest in the package's FILEDIGESTALGO; '' for non-regular files. */
  digest: string;
  linkto: string;
  flags: FileFlag[];
  user: string;
  group: string;
  mtime: number;
  inode: number;
  device: number;
}

export interface ChangelogEntry {
  author: string;
  time: number;
  text: string;
}

export type DigestAlgo = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'sha224' | 'ripemd160';

export interface RpmPackageInfo {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  summary: string;
  description: string;
  license: string;
  url: string;
  vendor: string;
  packager: string;
  group: string;
  buildtime: number;
  buildhost: string;
  sourcerpm: string;
  /** Installed size (sum of file sizes), from SIZE/LONGSIZE. */
  size: number;
  /** Uncompressed payload size, from the signature's PAYLOADSIZE/LONGARCHIVESIZE or header ARCHIVESIZE. */
  archiveSize: number;
  payloadFormat: string;
  payloadCompressor: string;
  payloadFlags: string;
  prefixes: string[];
  provides: Dependency[];
  requires: RequireDependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  recommends: Dependency[];
  suggests: Dependency[];
  supplements: Dependency[];
  enhances: Dependency[];
  fileDigestAlgo: DigestAlgo;
  files: RpmFile[];
  changelog: ChangelogEntry[];
  /** Byte offset of the main header (start of its magic) in the file: repodata header-range start. */
  headerStart: number;
  /** Byte offset just past the main header: repodata header-range end, and where the payload starts. */
  headerEnd: number;
  isSource: boolean;
}
