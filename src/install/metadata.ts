/**
 * Repository metadata for the client: repomd.xml is fetched when the cached one is older than the
 * repository's metadata_expire (6 h by default, like yum; --refresh forces it), the primary/filelists
 * files it names are downloaded once per checksum and kept in the cache, and the parsed primary is
 * cached in a compact JSON form keyed by that checksum (the warm path never touches XML).
 * A checksum mismatch discards the cache entry and refetches once, then fails with exit 3.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RepoDefinition } from '../config/repos.js';
import { expandRepoVars, matchesGlob } from '../config/repos.js';
import { readRepomd, type Repomd, type RepomdData } from '../repodata/repomd.js';
import type { PackageRecord, RepoFile, RepoFileType } from '../repodata/types.js';
import type { DepFlag, Dependency } from '../rpm/types.js';
import { indexTables, tableIndex, tablesLookup, type IndexTables, type PoolIndex, type PoolPackage, type PositionLookup } from '../resolve/pool.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { downloadFile, fetchText, joinUrl } from '../util/fetch.js';
import { tempSibling } from '../util/fs.js';
import { hashFile, type HashAlgo } from '../util/hash.js';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(xdg, 'yumda');
}

export interface MetadataOptions {
  cacheDir: string;
  arch: string;
  /** Fetch repomd.xml even when the cached one is younger than metadata_expire (--refresh). */
  refresh?: boolean;
  /** Called with short progress notes (stderr in the CLI). */
  onNote?: (message: string) => void;
}

export interface LoadedRepo {
  def: RepoDefinition;
  /** The base URL that answered. */
  baseurl: string;
  repomd: Repomd;
  /** Packages usable for the target arch (machine arch and noarch), excludes applied. */
  packages: PoolPackage[];
  /** Packages of other archs: only used to explain failures. */
  otherArch: PoolPackage[];
  /** Capability/path/obsoletes index over all of this repository's packages (pools filter it to theirs). */
  index: PoolIndex;
  /** Directory of this repository's cache entry. */
  cacheDir: string;
  loadFilelists: () => Promise<Map<string, RepoFile[]>>;
}

const PARSED_FORMAT = 5;

/** yum's default metadata_expire: a repomd.xml younger than this is not fetched again. */
export const DEFAULT_METADATA_EXPIRE = 6 * 3600;

function cacheKey(def: RepoDefinition): string {
  const where = def.baseurls.join(' ') + '|' + (def.mirrorlist ?? '');
  return `${def.id.replace(/[^A-Za-z0-9_.-]/g, '_')}-${createHash('sha256').update(where).digest('hex').slice(0, 8)}`;
}

async function candidateBaseurls(def: RepoDefinition, arch: string): Promise<string[]> {
  const urls = [...def.baseurls];
  if (def.mirrorlist) {
    const text = await fetchText(def.mirrorlist);
    for (const line of text.split('\n')) {
      const url = line.trim();
      if (url && !url.startsWith('#')) urls.push(expandRepoVars(url, { basearch: arch, arch, releasever: '2' }));
    }
  }
  return urls;
}

function hashAlgo(type: string, label: string): HashAlgo {
  const t = type.toLowerCase() === 'sha' ? 'sha1' : type.toLowerCase();
  if (t === 'sha256' || t === 'sha1' || t === 'sha512' || t === 'md5') return t;
  throw new YumdaError('METADATA_CORRUPT', `${label}: unsupported checksum type "${type}"`);
}

/**
 * The local copy of one metadata file named by repomd, verified against its checksum: reused when
 * cached, else downloaded; a mismatch is retried once with a fresh repomd.xml, then exit 3.
 */
async function fetchMetadataFile(
  repo: { def: RepoDefinition; baseurl: string; cacheDir: string },
  type: string,
  getRepomd: (fresh: boolean) => Promise<Repomd>,
): Promise<{ path: string; entry: RepomdData }> {
  for (let attempt = 1; ; attempt++) {
    const repomd = await getRepomd(attempt > 1);
    const entry = repomd.data.find((d) => d.type === type);
    if (!entry) throw new YumdaError('METADATA_CORRUPT', `repository ${repo.def.id}: repomd.xml lists no ${type} metadata`);
    const algo = hashAlgo(entry.checksumType, `${repo.def.id} repomd.xml`);
    const name = entry.location.split('/').pop()!.replace(/[^A-Za-z0-9_.-]/g, '_');
    const path = join(repo.cacheDir, `${entry.checksum.slice(0, 16)}-${name}`);
    const url = joinUrl(repo.baseurl, entry.location);
    if (existsSync(path) && (await hashFile(path, algo)) === entry.checksum) return { path, entry };
    await rm(path, { force: true });
    try {
      if (algo === 'sha256') {
        await downloadFile(url, path, { sha256: entry.checksum });
      } else {
        await downloadFile(url, path);
        const got = await hashFile(path, algo);
        if (got !== entry.checksum) {
          await rm(path, { force: true });
          throw new YumdaError('CHECKSUM_MISMATCH', `${url}: ${algo} mismatch (expected ${entry.checksum}, got ${got})`, { exitCode: ExitCode.integrity });
        }
      }
      return { path, entry };
    } catch (e) {
      // a repomd.xml trusted from the cache may name files the repository has since replaced
      if (e instanceof YumdaError && e.code === 'NOT_FOUND' && attempt === 1) continue;
      if (e instanceof YumdaError && (e.code === 'CHECKSUM_MISMATCH' || e.code === 'SIZE_MISMATCH')) {
        if (attempt === 1) continue;
        throw new YumdaError('METADATA_CHECKSUM', `repository ${repo.def.id}: ${type} metadata does not match the checksum in repomd.xml, even after fetching it again (${e.message})`, {
          exitCode: ExitCode.integrity,
          hint: 'the repository may be being republished right now, or a proxy is altering files: retry later, or report it to the repository owner',
          cause: e,
        });
      }
      throw e;
    }
  }
}

function toPoolPackage(record: PackageRecord, def: RepoDefinition): PoolPackage {
  return Object.assign(record, { repo: def.id, priority: def.priority });
}

/**
 * The parsed-primary cache, built for a fast warm start: a header line, then the index tables
 * (capability/path/obsoleted name → package positions), then every package's scalar fields as one
 * JSON array, then one line per package with its dependencies, files and descriptive text. A run
 * parses the first three and decodes a package's line only when something reads those fields (the
 * resolver touches a few dozen packages of thousands). Dependencies are a bare name or
 * [name, flags, epoch, version, release, pre]; files a path or [path, type].
 */
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

type Scalars = [string, string, string, number, string, string, string, number, number, number, number, number, string, string, number, number, string | 0, string | 0];

function packScalars(r: PackageRecord): Scalars {
  return [r.pkgId, r.name, r.arch, r.epoch, r.version, r.release, r.summary, r.timeFile, r.timeBuild, r.sizePackage, r.sizeInstalled, r.sizeArchive, r.locationHref, r.sourcerpm, r.headerStart, r.headerEnd, r.checksumType ?? 0, r.locationBase ?? 0];
}

function packDetails(r: PackageRecord): string {
  return JSON.stringify([
    r.description, r.packager, r.url, r.license, r.vendor, r.group, r.buildhost,
    packDeps(r.provides), packDeps(r.requires), packDeps(r.conflicts), packDeps(r.obsoletes),
    packDeps(r.recommends), packDeps(r.suggests), packDeps(r.supplements), packDeps(r.enhances),
    r.primaryFiles.map((f): CompactFile => (f.type === 'file' ? f.path : [f.path, f.type])),
  ]);
}

interface Details {
  description: string; packager: string; url: string; license: string; vendor: string; group: string; buildhost: string;
  provides: Dependency[]; requires: Dependency[]; conflicts: Dependency[]; obsoletes: Dependency[];
  recommends: Dependency[]; suggests: Dependency[]; supplements: Dependency[]; enhances: Dependency[];
  primaryFiles: RepoFile[];
}

function unpackDetails(text: string): Details {
  const a = JSON.parse(text) as unknown[];
  return {
    description: a[0] as string, packager: a[1] as string, url: a[2] as string, license: a[3] as string, vendor: a[4] as string, group: a[5] as string, buildhost: a[6] as string,
    provides: unpackDeps(a[7] as CompactDep[] | 0), requires: unpackDeps(a[8] as CompactDep[] | 0), conflicts: unpackDeps(a[9] as CompactDep[] | 0), obsoletes: unpackDeps(a[10] as CompactDep[] | 0),
    recommends: unpackDeps(a[11] as CompactDep[] | 0), suggests: unpackDeps(a[12] as CompactDep[] | 0), supplements: unpackDeps(a[13] as CompactDep[] | 0), enhances: unpackDeps(a[14] as CompactDep[] | 0),
    primaryFiles: (a[15] as CompactFile[]).map((f) => (typeof f === 'string' ? { path: f, type: 'file' as const } : { path: f[0], type: f[1] })),
  };
}

/** A package read from the cache: scalar fields at once, the rest decoded on first access. */
class CachedPackage implements PoolPackage {
  pkgId: string; name: string; arch: string; epoch: number; version: string; release: string; summary: string;
  timeFile: number; timeBuild: number; sizePackage: number; sizeInstalled: number; sizeArchive: number;
  locationHref: string; sourcerpm: string; headerStart: number; headerEnd: number;
  checksumType?: string; locationBase?: string;
  repo: string; priority: number;
  files?: RepoFile[];
  #detailsText: () => string;
  #details: Details | null = null;

  constructor(s: Scalars, detailsText: () => string, def: RepoDefinition) {
    [this.pkgId, this.name, this.arch, this.epoch, this.version, this.release, this.summary, this.timeFile, this.timeBuild, this.sizePackage, this.sizeInstalled, this.sizeArchive, this.locationHref, this.sourcerpm, this.headerStart, this.headerEnd] = s;
    if (s[16]) this.checksumType = s[16];
    if (s[17]) this.locationBase = s[17];
    this.repo = def.id;
    this.priority = def.priority;
    this.#detailsText = detailsText;
  }

  get #d(): Details {
    return (this.#details ??= unpackDetails(this.#detailsText()));
  }
  get description(): string { return this.#d.description; }
  get packager(): string { return this.#d.packager; }
  get url(): string { return this.#d.url; }
  get license(): string { return this.#d.license; }
  get vendor(): string { return this.#d.vendor; }
  get group(): string { return this.#d.group; }
  get buildhost(): string { return this.#d.buildhost; }
  get provides(): Dependency[] { return this.#d.provides; }
  get requires(): Dependency[] { return this.#d.requires; }
  get conflicts(): Dependency[] { return this.#d.conflicts; }
  get obsoletes(): Dependency[] { return this.#d.obsoletes; }
  get recommends(): Dependency[] { return this.#d.recommends; }
  get suggests(): Dependency[] { return this.#d.suggests; }
  get supplements(): Dependency[] { return this.#d.supplements; }
  get enhances(): Dependency[] { return this.#d.enhances; }
  get primaryFiles(): RepoFile[] { return this.#d.primaryFiles; }
}

/** A plain copy of a package record (getters of cached packages resolved), e.g. for JSON output. */
export function plainRecord(p: PoolPackage): PoolPackage {
  const keys = ['pkgId', 'name', 'arch', 'epoch', 'version', 'release', 'summary', 'description', 'packager', 'url', 'timeFile', 'timeBuild', 'sizePackage', 'sizeInstalled', 'sizeArchive', 'locationHref', 'license', 'vendor', 'group', 'buildhost', 'sourcerpm', 'headerStart', 'headerEnd', 'provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances', 'primaryFiles', 'checksumType', 'locationBase', 'repo', 'priority', 'files'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (p[k] !== undefined) out[k] = p[k];
  return out as unknown as PoolPackage;
}

interface ParsedPrimary {
  packages: PoolPackage[];
  index: PoolIndex;
}

/**
 * Index tables as stored: per kind, the keys sorted (code-unit order) and their positions (a bare
 * number when only one), searched by bisection so that loading builds no map.
 */
type StoredTable = [string[], Array<number | number[]>];
type StoredTables = Record<keyof IndexTables, StoredTable>;

function storeTables(tables: IndexTables): StoredTables {
  const store = (t: Map<string, number[]>): StoredTable => {
    const keys = [...t.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [keys, keys.map((k) => (t.get(k)!.length === 1 ? t.get(k)![0]! : t.get(k)!))];
  };
  return { provides: store(tables.provides), files: store(tables.files), obsoletes: store(tables.obsoletes) };
}

function storedLookup(stored: StoredTables): PositionLookup {
  return (kind, key) => {
    const [keys, values] = stored[kind];
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid]!;
      if (k === key) {
        const v = values[mid]!;
        return typeof v === 'number' ? [v] : v;
      }
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
}

async function readParsedCache(path: string, checksum: string, def: RepoDefinition): Promise<ParsedPrimary | null> {
  if (!existsSync(path)) return null;
  try {
    const bytes = await readFile(path);
    // only the first three lines are decoded now; a package's details line when it is read
    const lineStarts = [0];
    for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lineStarts.push(at + 1);
    const line = (i: number): string => bytes.toString('utf8', lineStarts[i], lineStarts[i + 1]! - 1);
    const head = JSON.parse(line(0)) as { format: number; checksum: string; count: number };
    if (head.format !== PARSED_FORMAT || head.checksum !== checksum || lineStarts.length < head.count + 4) return null;
    const tables = storedLookup(JSON.parse(line(1)) as StoredTables);
    const scalars = JSON.parse(line(2)) as Scalars[];
    const packages: PoolPackage[] = scalars.map((s, i) => new CachedPackage(s, () => line(i + 3), def));
    return { packages, index: tableIndex(tables, packages) };
  } catch {
    return null; // a damaged cache entry is rebuilt from the metadata
  }
}

async function writeParsedCache(path: string, checksum: string, records: PackageRecord[], tables: IndexTables): Promise<void> {
  const text = [
    JSON.stringify({ format: PARSED_FORMAT, checksum, count: records.length }),
    JSON.stringify(storeTables(tables)),
    JSON.stringify(records.map(packScalars)),
    ...records.map(packDetails),
  ].join('\n');
  await writeCacheFile(path, text + '\n');
}

/**
 * Cache files are replaced atomically (temp + rename) but not fsynced: a file cut short by a crash
 * fails its format/count checks and is rebuilt, and fsync costs tens of ms on the cold path.
 */
async function writeCacheFile(path: string, data: string): Promise<void> {
  const tmp = tempSibling(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** What is kept about a repository between runs: its last repomd.xml, parsed, and when it was fetched. */
interface RepoState {
  format: number;
  fetchedAt: number;
  baseurl: string;
  repomdText: string;
  repomd: Repomd;
}

const STATE_FORMAT = 1;

async function readState(dir: string): Promise<RepoState | null> {
  try {
    const state = JSON.parse(await readFile(join(dir, 'repomd.json'), 'utf8')) as RepoState;
    return state.format === STATE_FORMAT ? state : null;
  } catch {
    return null;
  }
}

/** repomd.xml text → parsed, reusing the cached parse when the text is unchanged (no XML parser load). */
function parseRepomd(text: string, label: string, state: RepoState | null): Repomd {
  return state && state.repomdText === text ? state.repomd : readRepomd(text, label);
}

/** Reads (or reuses) one repository's metadata. */
export async function loadRepo(def: RepoDefinition, options: MetadataOptions): Promise<LoadedRepo> {
  const dir = join(options.cacheDir, 'repos', cacheKey(def));
  await mkdir(dir, { recursive: true });
  const state = await readState(dir);
  const expireMs = (def.metadataExpire ?? DEFAULT_METADATA_EXPIRE) * 1000;
  const fresh = !options.refresh && state !== null && expireMs > 0 && Date.now() - state.fetchedAt < expireMs && Date.now() >= state.fetchedAt;

  let baseurl = '';
  let repomdText = '';
  if (fresh) {
    // metadata_expire: a repomd.xml fetched recently enough is trusted without asking the repository
    baseurl = state.baseurl;
    repomdText = state.repomdText;
  } else {
    const baseurls = await candidateBaseurls(def, options.arch);
    if (baseurls.length === 0) throw new YumdaError('NO_BASEURL', `repository ${def.id}: its mirrorlist ${def.mirrorlist} lists no base URL`, { exitCode: ExitCode.unreachable });
    let lastError: unknown;
    for (const url of baseurls) {
      try {
        repomdText = await fetchText(joinUrl(url, 'repodata/repomd.xml'));
        baseurl = url;
        break;
      } catch (e) {
        lastError = e;
      }
    }
    if (!baseurl) {
      const err = lastError as YumdaError | undefined;
      if (err instanceof YumdaError && err.code === 'NOT_FOUND') {
        throw new YumdaError('REPO_NOT_FOUND', `repository ${def.id}: no repodata/repomd.xml at ${baseurls.join(', ')}`, {
          exitCode: ExitCode.unreachable,
          hint: `check the base URL (${def.origin}); a yum repository has repodata/repomd.xml under it`,
        });
      }
      throw new YumdaError('REPO_UNREACHABLE', `repository ${def.id} is unreachable: ${(lastError as Error)?.message ?? 'no base URL answered'}`, {
        exitCode: ExitCode.unreachable,
        hint: `check the network and the base URL (${def.origin})`,
        cause: lastError,
      });
    }
  }
  let repomd = parseRepomd(repomdText, `${def.id}: ${joinUrl(baseurl, 'repodata/repomd.xml')}`, state);
  const saveState = async (text: string, parsed: Repomd): Promise<void> => {
    const next: RepoState = { format: STATE_FORMAT, fetchedAt: Date.now(), baseurl, repomdText: text, repomd: parsed };
    await writeCacheFile(join(dir, 'repomd.json'), JSON.stringify(next));
  };
  if (!fresh) await saveState(repomdText, repomd);
  const getRepomd = async (refetch: boolean): Promise<Repomd> => {
    if (refetch) {
      const text = await fetchText(joinUrl(baseurl, 'repodata/repomd.xml'));
      repomd = readRepomd(text, `${def.id} repomd.xml`);
      await saveState(text, repomd);
    }
    return repomd;
  };
  const repoRef = { def, baseurl, cacheDir: dir };

  const primaryEntry = repomd.data.find((d) => d.type === 'primary');
  if (!primaryEntry) throw new YumdaError('METADATA_CORRUPT', `repository ${def.id}: repomd.xml lists no primary metadata`);
  const parsedPath = (checksum: string): string => join(dir, `primary-${checksum.slice(0, 32)}.json`);
  let parsed = await readParsedCache(parsedPath(primaryEntry.checksum), primaryEntry.checksum, def);
  if (!parsed) {
    options.onNote?.(`${def.id}: reading package metadata`);
    const { path, entry } = await fetchMetadataFile(repoRef, 'primary', getRepomd);
    const { readPrimary } = await import('../repodata/reader.js');
    const records: PackageRecord[] = [];
    for await (const record of readPrimary(path)) {
      if (record.arch === 'src' || record.arch === 'nosrc') continue;
      records.push(record);
    }
    const tables = indexTables(records);
    await writeParsedCache(parsedPath(entry.checksum), entry.checksum, records, tables);
    await pruneCache(dir, entry.checksum);
    const packages = records.map((r) => toPoolPackage(r, def));
    parsed = { packages, index: tableIndex(tablesLookup(tables), packages) };
  }
  const packages: PoolPackage[] = [];
  const otherArch: PoolPackage[] = [];
  for (const pkg of parsed.packages) {
    if (def.exclude.length > 0 && matchesGlob(pkg.name, def.exclude)) continue;
    if (pkg.arch === options.arch || pkg.arch === 'noarch') packages.push(pkg);
    else otherArch.push(pkg);
  }
  let filelists: Map<string, RepoFile[]> | null = null;
  return {
    def,
    baseurl,
    repomd,
    packages,
    otherArch,
    index: parsed.index,
    cacheDir: dir,
    loadFilelists: async () => {
      if (filelists) return filelists;
      options.onNote?.(`${def.id}: reading file lists`);
      const { path } = await fetchMetadataFile(repoRef, 'filelists', getRepomd);
      const { readFilelists } = await import('../repodata/reader.js');
      const map = new Map<string, RepoFile[]>();
      for await (const f of readFilelists(path)) map.set(f.pkgId, f.files);
      filelists = map;
      return map;
    },
  };
}

/** Removes cached metadata of older repomd revisions (anything not named for a current checksum). */
async function pruneCache(dir: string, keepChecksum: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith('primary-') && name.endsWith('.json') && !name.includes(keepChecksum.slice(0, 32))) await rm(join(dir, name), { force: true });
  }
}
