/**
 * The parsed-primary cache: one repository's packages and their index, in a form a warm run opens
 * without decoding it. Lines of JSON:
 *
 *   0             header: format, the primary checksum it was built from, package count, and per
 *                 index kind its first bucket line and bucket count
 *   1 .. count    one package each (see packLine)
 *   then          per kind (names, provides, files, obsoletes), hash buckets: {key: position or
 *                 [positions]} for the keys whose FNV-1a hash falls in that bucket
 *
 * Opening it finds the line starts (one scan of the bytes) and parses the header only; a lookup
 * parses one bucket line, a package is decoded when a lookup first returns it. A resolution thus
 * touches a few dozen of thousands of packages, and building the file needs no sort.
 */
import type { PackageRecord, RepoFile, RepoFileType } from '../repodata/types.js';
import type { DepFlag, Dependency } from '../rpm/types.js';
import { addToIndex, emptyIndexTables, positionSource, type IndexKind, type PackageSource, type PoolPackage } from '../resolve/pool.js';

export const PRIMARY_CACHE_FORMAT = 6;

const KINDS: readonly IndexKind[] = ['names', 'provides', 'files', 'obsoletes'];

interface Header {
  format: number;
  checksum: string;
  count: number;
  /** Per kind: first bucket line, bucket count (a power of two). */
  buckets: Record<IndexKind, [number, number]>;
}

/** Dependencies are a bare name or [name, flags, epoch, version, release, pre]; files a path or [path, type]. */
type CompactDep = string | [string, Exclude<DepFlag, null> | 0, number | null, string | null, string | null, 0 | 1];
type CompactFile = string | [string, RepoFileType];

function packDep(d: Dependency): CompactDep {
  return d.flags === null && !d.pre && d.epoch === null && d.version === null && d.release === null ? d.name : [d.name, d.flags ?? 0, d.epoch, d.version, d.release, d.pre ? 1 : 0];
}

function unpackDep(c: CompactDep): Dependency {
  if (typeof c === 'string') return { name: c, flags: null, epoch: null, version: null, release: null, pre: false };
  return { name: c[0], flags: c[1] === 0 ? null : c[1], epoch: c[2], version: c[3], release: c[4], pre: c[5] === 1 };
}

const packDeps = (list: Dependency[]): CompactDep[] | 0 => (list.length === 0 ? 0 : list.map(packDep));
const unpackDeps = (list: CompactDep[] | 0): Dependency[] => (list === 0 ? [] : list.map(unpackDep));

function packLine(r: PackageRecord): string {
  return JSON.stringify([
    r.pkgId, r.name, r.arch, r.epoch, r.version, r.release, r.summary, r.timeFile, r.timeBuild, r.sizePackage, r.sizeInstalled, r.sizeArchive,
    r.locationHref, r.sourcerpm, r.headerStart, r.headerEnd, r.checksumType ?? 0, r.locationBase ?? 0,
    r.description, r.packager, r.url, r.license, r.vendor, r.group, r.buildhost,
    packDeps(r.provides), packDeps(r.requires), packDeps(r.conflicts), packDeps(r.obsoletes),
    packDeps(r.recommends), packDeps(r.suggests), packDeps(r.supplements), packDeps(r.enhances),
    r.primaryFiles.map((f): CompactFile => (f.type === 'file' ? f.path : [f.path, f.type])),
  ]);
}

function unpackLine(text: string, repo: string, priority: number): PoolPackage {
  const a = JSON.parse(text) as unknown[];
  const s = (i: number): string => a[i] as string;
  const n = (i: number): number => a[i] as number;
  const d = (i: number): Dependency[] => unpackDeps(a[i] as CompactDep[] | 0);
  const p: PoolPackage = {
    pkgId: s(0), name: s(1), arch: s(2), epoch: n(3), version: s(4), release: s(5), summary: s(6),
    timeFile: n(7), timeBuild: n(8), sizePackage: n(9), sizeInstalled: n(10), sizeArchive: n(11),
    locationHref: s(12), sourcerpm: s(13), headerStart: n(14), headerEnd: n(15),
    description: s(18), packager: s(19), url: s(20), license: s(21), vendor: s(22), group: s(23), buildhost: s(24),
    provides: d(25), requires: d(26), conflicts: d(27), obsoletes: d(28), recommends: d(29), suggests: d(30), supplements: d(31), enhances: d(32),
    primaryFiles: (a[33] as CompactFile[]).map((f): RepoFile => (typeof f === 'string' ? { path: f, type: 'file' } : { path: f[0], type: f[1] })),
    repo, priority,
  };
  if (a[16]) p.checksumType = s(16);
  if (a[17]) p.locationBase = s(17);
  return p;
}

/** FNV-1a of the key's UTF-16 code units, masked to a bucket. */
function bucketOf(key: string, mask: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) & mask;
}

/** About four keys a bucket: a lookup parses a short line. */
function bucketCount(keys: number): number {
  let n = 1;
  while (n * 4 < keys) n *= 2;
  return n;
}

/**
 * Builds a cache from records as the metadata reader produces them: each is packed into its line
 * and indexed at once, so a record is garbage as soon as the next one is read (keeping 5,000
 * records alive through the parse costs more in garbage collection than packing them).
 */
export class PrimaryCacheBuilder {
  private readonly lines: string[] = [];
  private readonly tables = emptyIndexTables();

  add(record: PackageRecord): void {
    addToIndex(this.tables, record, this.lines.length);
    this.lines.push(packLine(record));
  }

  /** The packages added, decoded as they are looked up (what openPrimaryCache gives for the written file). */
  source(repo: { id: string; priority: number }): PackageSource {
    const { lines, tables } = this;
    return positionSource((kind, key) => tables[kind].get(key), lines.length, (i) => unpackLine(lines[i]!, repo.id, repo.priority));
  }

  /** The cache file's text. */
  render(checksum: string): string {
    const out: string[] = ['', ...this.lines];
    const buckets = {} as Header['buckets'];
    for (const kind of KINDS) {
      const table = this.tables[kind];
      const count = bucketCount(table.size);
      const objects = Array.from({ length: count }, () => Object.create(null) as Record<string, number | number[]>);
      for (const [key, positions] of table) objects[bucketOf(key, count - 1)]![key] = positions.length === 1 ? positions[0]! : positions;
      buckets[kind] = [out.length, count];
      for (const o of objects) out.push(JSON.stringify(o));
    }
    const header: Header = { format: PRIMARY_CACHE_FORMAT, checksum, count: this.lines.length, buckets };
    out[0] = JSON.stringify(header);
    return out.join('\n') + '\n';
  }
}

/**
 * The packages of a cache file's bytes, or null when they are not a complete cache of this
 * format for `checksum` (the caller rebuilds it from the metadata).
 */
export function openPrimaryCache(bytes: Buffer, checksum: string, repo: { id: string; priority: number }): PackageSource | null {
  const starts = [0];
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) starts.push(at + 1);
  const line = (i: number): string => bytes.toString('utf8', starts[i], starts[i + 1]! - 1);
  let header: Header;
  try {
    header = JSON.parse(line(0)) as Header;
  } catch {
    return null;
  }
  if (header.format !== PRIMARY_CACHE_FORMAT || header.checksum !== checksum) return null;
  const lineCount = 1 + header.count + KINDS.reduce((sum, k) => sum + header.buckets[k][1], 0);
  if (starts.length !== lineCount + 1 || starts[lineCount] !== bytes.length) return null;
  const parsedBuckets = new Map<number, Record<string, number | number[]>>();
  const positions = (kind: IndexKind, key: string): readonly number[] | undefined => {
    const [first, count] = header.buckets[kind];
    const at = first + bucketOf(key, count - 1);
    let bucket = parsedBuckets.get(at);
    if (!bucket) {
      bucket = JSON.parse(line(at)) as Record<string, number | number[]>;
      parsedBuckets.set(at, bucket);
    }
    if (!Object.hasOwn(bucket, key)) return undefined;
    const v = bucket[key]!;
    return typeof v === 'number' ? [v] : v;
  };
  return positionSource(positions, header.count, (i) => unpackLine(line(i + 1), repo.id, repo.priority));
}
