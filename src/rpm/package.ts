/** From raw headers to the RpmPackageInfo the rest of yumda consumes. */
import { YumdaError } from '../util/errors.js';
import { readRpmHeaders, type ReadHeadersOptions, type RpmHeader, type RpmHeaders } from './header.js';
import { FileAttr, PGP_HASH_ALGOS, Sense, SigTag, Tag } from './tags.js';
import type {
  ChangelogEntry,
  Dependency,
  DigestAlgo,
  FileFlag,
  RequireDependency,
  RpmFile,
  RpmPackageInfo,
} from './types.js';
import { depFlagFromSense, parseEvr } from './version.js';

const PRE_BITS =
  Sense.PREREQ | Sense.SCRIPT_PRE | Sense.SCRIPT_POST | Sense.RPMLIB | Sense.KEYRING | Sense.PRETRANS | Sense.POSTTRANS;
const SCRIPT_BITS =
  Sense.SCRIPT_PRE |
  Sense.SCRIPT_POST |
  Sense.SCRIPT_PREUN |
  Sense.SCRIPT_POSTUN |
  Sense.SCRIPT_VERIFY |
  Sense.PRETRANS |
  Sense.POSTTRANS;

function depList(
  h: RpmHeader,
  nameTag: number,
  flagsTag: number,
  versionTag: number,
): { dep: Dependency; sense: number }[] {
  const names = h.strings(nameTag);
  const flags = h.numbers(flagsTag);
  const versions = h.strings(versionTag);
  return names.map((name, i) => {
    const sense = flags[i] ?? 0;
    const evrText = versions[i] ?? '';
    const evr = evrText === '' ? { epoch: null, version: null, release: null } : parseEvr(evrText);
    const flag = evrText === '' ? null : depFlagFromSense(sense);
    return {
      dep: { name, flags: flag, epoch: evr.epoch, version: evr.version, release: evr.release, pre: false },
      sense,
    };
  });
}

/** Raw RPMSENSE bits are kept out of the public type; these helpers expose what consumers need. */
function requires(h: RpmHeader): RequireDependency[] {
  return depList(h, Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION).map(({ dep, sense }) => ({
    ...dep,
    pre: (sense & PRE_BITS) !== 0,
    rpmlib: (sense & Sense.RPMLIB) !== 0 || dep.name.startsWith('rpmlib('),
    scriptletOnly: (sense & SCRIPT_BITS) !== 0 && (sense & Sense.PREREQ) === 0,
  }));
}

function deps(h: RpmHeader, nameTag: number, flagsTag: number, versionTag: number): Dependency[] {
  return depList(h, nameTag, flagsTag, versionTag).map((d) => d.dep);
}

const FLAG_NAMES: [number, FileFlag][] = [
  [FileAttr.CONFIG, 'config'],
  [FileAttr.DOC, 'doc'],
  [FileAttr.LICENSE, 'license'],
  [FileAttr.GHOST, 'ghost'],
  [FileAttr.MISSINGOK, 'missingok'],
  [FileAttr.NOREPLACE, 'noreplace'],
  [FileAttr.README, 'readme'],
  [FileAttr.ARTIFACT, 'artifact'],
  [FileAttr.SPECFILE, 'specfile'],
];

function fileFlagNames(bits: number): FileFlag[] {
  return FLAG_NAMES.filter(([bit]) => bits & bit).map(([, name]) => name);
}

export function fileDigestAlgo(h: RpmHeader): DigestAlgo {
  const id = h.number(Tag.FILEDIGESTALGO) ?? 1;
  const algo = PGP_HASH_ALGOS[id];
  if (!algo) throw new YumdaError('RPM_BAD_HEADER', `unsupported file digest algorithm ${id}`);
  return algo;
}

/** File paths in header order (DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or legacy OLDFILENAMES). */
function filePaths(h: RpmHeader): string[] {
  const basenames = h.strings(Tag.BASENAMES);
  if (basenames.length === 0) return h.strings(Tag.OLDFILENAMES);
  const dirnames = h.strings(Tag.DIRNAMES);
  const dirindexes = h.numbers(Tag.DIRINDEXES);
  if (dirindexes.length !== basenames.length)
    throw new YumdaError(
      'RPM_BAD_HEADER',
      `header has ${basenames.length} file names but ${dirindexes.length} directory indexes`,
    );
  return basenames.map((base, i) => {
    const dir = dirnames[dirindexes[i]!];
    if (dir === undefined)
      throw new YumdaError('RPM_BAD_HEADER', `file ${base} refers to a missing directory index ${dirindexes[i]}`);
    return dir + base;
  });
}

export function rpmFiles(h: RpmHeader): RpmFile[] {
  const paths = filePaths(h);
  const n = paths.length;
  const longSizes = h.numbers(Tag.LONGFILESIZES);
  const sizes = longSizes.length > 0 ? longSizes : h.numbers(Tag.FILESIZES);
  const modes = h.numbers(Tag.FILEMODES);
  const digests = h.strings(Tag.FILEDIGESTS);
  const links = h.strings(Tag.FILELINKTOS);
  const flags = h.numbers(Tag.FILEFLAGS);
  const users = h.strings(Tag.FILEUSERNAME);
  const groups = h.strings(Tag.FILEGROUPNAME);
  const mtimes = h.numbers(Tag.FILEMTIMES);
  const inodes = h.numbers(Tag.FILEINODES);
  const devices = h.numbers(Tag.FILEDEVICES);
  for (const [what, arr] of [
    ['sizes', sizes],
    ['modes', modes],
  ] as const) {
    if (n > 0 && arr.length !== n)
      throw new YumdaError('RPM_BAD_HEADER', `header has ${n} files but ${arr.length} file ${what}`);
  }
  const files = new Array<RpmFile>(n);
  for (let i = 0; i < n; i++) {
    files[i] = {
      path: paths[i]!,
      mode: modes[i]!,
      size: sizes[i]!,
      digest: digests[i] ?? '',
      linkto: links[i] ?? '',
      flags: fileFlagNames(flags[i] ?? 0),
      user: users[i] ?? 'root',
      group: groups[i] ?? 'root',
      mtime: mtimes[i] ?? 0,
      inode: inodes[i] ?? 0,
      device: devices[i] ?? 0,
    };
  }
  return files;
}

function changelog(h: RpmHeader): ChangelogEntry[] {
  const times = h.numbers(Tag.CHANGELOGTIME);
  const names = h.strings(Tag.CHANGELOGNAME);
  const texts = h.strings(Tag.CHANGELOGTEXT);
  return times.map((time, i) => ({ time, author: names[i] ?? '', text: texts[i] ?? '' }));
}

function requiredString(h: RpmHeader, tag: number, what: string): string {
  const v = h.string(tag);
  if (v === undefined) throw new YumdaError('RPM_BAD_HEADER', `header has no ${what}`);
  return v;
}

/** Uncompressed payload size as rpm reports it (%{LONGARCHIVESIZE}). */
export function archiveSize(headers: RpmHeaders): number {
  const { signature: s, header: h } = headers;
  return (
    s.number(SigTag.LONGARCHIVESIZE) ??
    s.number(SigTag.PAYLOADSIZE) ??
    h.number(Tag.LONGARCHIVESIZE) ??
    h.number(Tag.ARCHIVESIZE) ??
    0
  );
}

export function packageInfoFromHeaders(headers: RpmHeaders): RpmPackageInfo {
  const h = headers.header;
  const isSource = !h.has(Tag.SOURCERPM) || h.has(Tag.SOURCEPACKAGE);
  return {
    name: requiredString(h, Tag.NAME, 'package name'),
    epoch: h.number(Tag.EPOCH) ?? null,
    version: requiredString(h, Tag.VERSION, 'version'),
    release: requiredString(h, Tag.RELEASE, 'release'),
    arch: h.string(Tag.ARCH) ?? '',
    summary: h.string(Tag.SUMMARY) ?? '',
    description: h.string(Tag.DESCRIPTION) ?? '',
    license: h.string(Tag.LICENSE) ?? '',
    url: h.string(Tag.URL) ?? '',
    vendor: h.string(Tag.VENDOR) ?? '',
    packager: h.string(Tag.PACKAGER) ?? '',
    group: h.string(Tag.GROUP) ?? '',
    buildtime: h.number(Tag.BUILDTIME) ?? 0,
    buildhost: h.string(Tag.BUILDHOST) ?? '',
    sourcerpm: h.string(Tag.SOURCERPM) ?? '',
    size: h.number(Tag.LONGSIZE) ?? h.number(Tag.SIZE) ?? 0,
    archiveSize: archiveSize(headers),
    payloadFormat: h.string(Tag.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: h.string(Tag.PAYLOADCOMPRESSOR) ?? 'gzip',
    payloadFlags: h.string(Tag.PAYLOADFLAGS) ?? '',
    prefixes: h.strings(Tag.PREFIXES),
    provides: deps(h, Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION),
    requires: requires(h),
    conflicts: deps(h, Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION),
    obsoletes: deps(h, Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION),
    recommends: deps(h, Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION),
    suggests: deps(h, Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION),
    supplements: deps(h, Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION),
    enhances: deps(h, Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION),
    fileDigestAlgo: fileDigestAlgo(h),
    files: rpmFiles(h),
    changelog: changelog(h),
    headerStart: headers.headerStart,
    headerEnd: headers.headerEnd,
    isSource,
  };
}

/** Reads an RPM's header (never its payload) and returns everything a package manager needs. */
export async function readRpmInfo(path: string, options: ReadHeadersOptions = {}): Promise<RpmPackageInfo> {
  return packageInfoFromHeaders(await readRpmHeaders(path, options));
}
