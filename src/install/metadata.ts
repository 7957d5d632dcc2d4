/**
 * Repository metadata for the client: repomd.xml is read on every run (one small request), the
 * primary/filelists files it names are downloaded once per checksum and kept in the cache, and the
 * parsed primary is cached as JSON keyed by that checksum (the warm path never touches XML).
 * A checksum mismatch discards the cache entry and refetches once, then fails with exit 3.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RepoDefinition } from '../config/repos.js';
import { expandRepoVars, matchesGlob } from '../config/repos.js';
import { readFilelists, readPrimary } from '../repodata/reader.js';
import { readRepomd, type Repomd, type RepomdData } from '../repodata/repomd.js';
import type { PackageRecord, RepoFile } from '../repodata/types.js';
import type { PoolPackage } from '../resolve/pool.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { downloadFile, fetchText, joinUrl } from '../util/fetch.js';
import { writeFileAtomic } from '../util/fs.js';
import { hashFile, type HashAlgo } from '../util/hash.js';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(xdg, 'yumda');
}

export interface MetadataOptions {
  cacheDir: string;
  arch: string;
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
  /** Directory of this repository's cache entry. */
  cacheDir: string;
  loadFilelists: () => Promise<Map<string, RepoFile[]>>;
}

const PARSED_FORMAT = 1;

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

/** Reads (or reuses) one repository's metadata. */
export async function loadRepo(def: RepoDefinition, options: MetadataOptions): Promise<LoadedRepo> {
  const dir = join(options.cacheDir, 'repos', cacheKey(def));
  await mkdir(dir, { recursive: true });
  const baseurls = await candidateBaseurls(def, options.arch);
  if (baseurls.length === 0) throw new YumdaError('NO_BASEURL', `repository ${def.id}: its mirrorlist ${def.mirrorlist} lists no base URL`, { exitCode: ExitCode.unreachable });

  let baseurl = '';
  let repomdText = '';
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
  let repomd = readRepomd(repomdText, `${def.id}: ${joinUrl(baseurl, 'repodata/repomd.xml')}`);
  const getRepomd = async (fresh: boolean): Promise<Repomd> => {
    if (fresh) repomd = readRepomd(await fetchText(joinUrl(baseurl, 'repodata/repomd.xml')), `${def.id} repomd.xml`);
    return repomd;
  };
  const repoRef = { def, baseurl, cacheDir: dir };

  const primaryEntry = repomd.data.find((d) => d.type === 'primary');
  if (!primaryEntry) throw new YumdaError('METADATA_CORRUPT', `repository ${def.id}: repomd.xml lists no primary metadata`);
  const parsedPath = join(dir, `primary-${primaryEntry.checksum.slice(0, 32)}.json`);
  let records: PackageRecord[] | null = null;
  if (existsSync(parsedPath)) {
    try {
      const cached = JSON.parse(await readFile(parsedPath, 'utf8')) as { format: number; checksum: string; packages: PackageRecord[] };
      if (cached.format === PARSED_FORMAT && cached.checksum === primaryEntry.checksum) records = cached.packages;
    } catch {
      records = null; // a damaged cache entry is rebuilt from the metadata
    }
  }
  if (!records) {
    options.onNote?.(`${def.id}: reading package metadata`);
    const { path, entry } = await fetchMetadataFile(repoRef, 'primary', getRepomd);
    records = [];
    for await (const record of readPrimary(path)) {
      if (record.arch === 'src' || record.arch === 'nosrc') continue;
      records.push(record);
    }
    await writeFileAtomic(join(dir, `primary-${entry.checksum.slice(0, 32)}.json`), JSON.stringify({ format: PARSED_FORMAT, checksum: entry.checksum, packages: records }));
    await pruneCache(dir, entry.checksum);
  }
  const packages: PoolPackage[] = [];
  const otherArch: PoolPackage[] = [];
  for (const record of records) {
    const pkg = toPoolPackage(record, def);
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
    cacheDir: dir,
    loadFilelists: async () => {
      if (filelists) return filelists;
      options.onNote?.(`${def.id}: reading file lists`);
      const { path } = await fetchMetadataFile(repoRef, 'filelists', getRepomd);
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
