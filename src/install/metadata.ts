/**
 * Repository metadata for the client: repomd.xml is fetched when the cached one is older than the
 * repository's metadata_expire (6 h by default, like yum; --refresh forces it) — a local repository's
 * (file:// or a path) is read every time, so one re-indexed in place is seen at once — the primary/filelists
 * files it names are downloaded once per checksum and kept in the cache, and the parsed primary is
 * cached keyed by that checksum (primary-cache.ts: the warm path never touches XML and decodes only
 * the packages a command looks up).
 * A checksum mismatch discards the cache entry and refetches once, then fails with exit 3.
 * With repo_gpgcheck=1 a fetched repomd.xml is cached only once repomd.xml.asc verified it.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoDefinition } from '../config/repos.js';
import { expandRepoVars } from '../config/repos.js';
import { matchesGlob } from '../util/glob.js';
import type { PackageLocation } from '../repodata/client.js';
import type { Repomd, RepomdData } from '../repodata/repomd.js';
import type { RepoFile } from '../repodata/types.js';
import type { PoolPackage } from '../resolve/package.js';
import type { PackageSource } from '../resolve/source.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { environmentError } from '../util/system-errors.js';
import { writeFileAtomic, type AtomicWriteOptions } from '../util/fs.js';
import { shortHash } from '../util/hash.js';
import { boundedChunks, MAX_METADATA_FILE, MAX_REPOMD, MAX_SMALL_DOCUMENT, unwrapLimit } from '../repodata/limits.js';
import { checkedChecksum, hrefFileName, resolveMetadataLocation } from '../repodata/location.js';
import { buildPrimaryCache, openPrimaryCache } from './primary-cache.js';

/** Cache files are not fsynced: one cut short by a crash fails its format/count checks and is rebuilt. */
const CACHE_WRITE: AtomicWriteOptions = { durable: false };

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
  /** Every base URL, the one that answered first: packages fail over across them. */
  mirrors: string[];
  repomd: Repomd;
  /** The repository's packages (every arch; excludes applied), decoded as they are looked up. */
  packages: PackageSource;
  /** Directory of this repository's cache entry. */
  cacheDir: string;
  loadFilelists: () => Promise<Map<string, RepoFile[]>>;
}

/** yum's default metadata_expire: a repomd.xml younger than this is not fetched again. */
export const DEFAULT_METADATA_EXPIRE = 6 * 3600;

function cacheKey(def: RepoDefinition): string {
  const where = def.baseurls.join(' ') + '|' + (def.mirrorlist ?? '');
  return `${def.id.replace(/[^A-Za-z0-9_.-]/g, '_')}-${shortHash(where, 8)}`;
}

async function candidateBaseurls(def: RepoDefinition, arch: string): Promise<string[]> {
  const urls = [...def.baseurls];
  if (def.mirrorlist) {
    // a remote mirror list may not send the client to a local directory (the client refuses it)
    const { fetchMirrorList } = await client();
    for (const mirror of await fetchMirrorList(def.mirrorlist, (line) =>
      expandRepoVars(line, { basearch: arch, arch, releasever: '2' }),
    )) {
      if (!urls.includes(mirror)) urls.push(mirror);
    }
  }
  return urls;
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
    if (!entry)
      throw new YumdaError('METADATA_CORRUPT', `repository ${repo.def.id}: repomd.xml lists no ${type} metadata`);
    // every name below comes from the repository: checked before it touches the file system
    const { algo, hex } = checkedChecksum(
      entry.checksumType,
      entry.checksum,
      `repository ${repo.def.id}: repomd.xml ${type} checksum`,
    );
    const name = hrefFileName(entry.location, `repository ${repo.def.id}: repomd.xml ${type} location`).replace(
      /[^A-Za-z0-9_.-]/g,
      '_',
    );
    const url = resolveMetadataLocation(
      repo.baseurl,
      entry.location,
      `repository ${repo.def.id}: repomd.xml ${type} location`,
    );
    const path = join(repo.cacheDir, `${hex.slice(0, 16)}-${name}`);
    const { fetchVerified, isVerified, localPath } = await client();
    // held to repomd's size (else a ceiling) and checksum, in whatever algorithm it names
    const expected = { checksumType: entry.checksumType, checksum: hex, size: entry.size, maxBytes: MAX_METADATA_FILE };
    const local = localPath(url);
    if (!local && (await isVerified(path, expected))) return { path, entry };
    try {
      if (local) {
        // a local repository is read in place (verified, not copied)
        const info = await stat(local).catch(() => null);
        if (!info) throw new YumdaError('NOT_FOUND', `not found: ${url}`);
        if (!info.isFile()) throw new YumdaError('METADATA_CORRUPT', `${url}: not a regular file`);
        if (!(await isVerified(local, expected))) {
          throw new YumdaError(
            'CHECKSUM_MISMATCH',
            `${url}: does not match the size and ${algo} checksum repomd.xml gives`,
            { exitCode: ExitCode.integrity },
          );
        }
        return { path: local, entry };
      }
      await rm(path, { force: true });
      await fetchVerified(url, path, expected);
      return { path, entry };
    } catch (e) {
      // a repomd.xml trusted from the cache may name files the repository has since replaced
      if (e instanceof YumdaError && e.code === 'NOT_FOUND' && attempt === 1) continue;
      if (e instanceof YumdaError && (e.code === 'CHECKSUM_MISMATCH' || e.code === 'SIZE_MISMATCH')) {
        if (attempt === 1) continue;
        throw new YumdaError(
          'METADATA_CHECKSUM',
          `repository ${repo.def.id}: ${type} metadata does not match the checksum in repomd.xml, even after fetching it again (${e.message})`,
          {
            exitCode: ExitCode.integrity,
            hint: 'the repository may be being republished right now, or a proxy is altering files: retry later, or report it to the repository owner',
            cause: e,
          },
        );
      }
      throw e;
    }
  }
}

/** A plain copy of a package record, e.g. for JSON output. */
export function plainRecord(p: PoolPackage): PoolPackage {
  const keys = [
    'pkgId',
    'name',
    'arch',
    'epoch',
    'version',
    'release',
    'summary',
    'description',
    'packager',
    'url',
    'timeFile',
    'timeBuild',
    'sizePackage',
    'sizeInstalled',
    'sizeArchive',
    'locationHref',
    'license',
    'vendor',
    'group',
    'buildhost',
    'sourcerpm',
    'headerStart',
    'headerEnd',
    'provides',
    'requires',
    'conflicts',
    'obsoletes',
    'recommends',
    'suggests',
    'supplements',
    'enhances',
    'primaryFiles',
    'checksumType',
    'locationBase',
    'repo',
    'priority',
    'files',
  ] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (p[k] !== undefined) out[k] = p[k];
  return out as unknown as PoolPackage;
}

/** A repository's packages without those its exclude= globs name. */
function excluding(source: PackageSource, globs: string[]): PackageSource {
  if (globs.length === 0) return source;
  const keep = (p: PoolPackage): boolean => !matchesGlob(p.name, globs);
  let all: PoolPackage[] | null = null;
  return {
    lookup: (kind, key) => source.lookup(kind, key)?.filter(keep),
    all: () => (all ??= source.all().filter(keep)),
    remember: () => source.remember?.(),
  };
}

/** What is kept about a repository between runs: its last repomd.xml, parsed, and when it was fetched. */
interface RepoState {
  format: number;
  fetchedAt: number;
  baseurl: string;
  repomdText: string;
  repomd: Repomd;
  /** Every base URL the repository had (its base URLs, then its mirror list's), for per-package fail-over. */
  mirrors?: string[];
  /** The gpgkey list repomdText's signature was verified with (repo_gpgcheck=1), else absent. */
  verifiedWith?: string;
}

const STATE_FORMAT = 1;

/** The cached repomd.xml state (a few KB, read synchronously: this is the whole of a warm run's I/O with the primary cache). */
function readState(dir: string): RepoState | null {
  try {
    const state = JSON.parse(readFileSync(join(dir, 'repomd.json'), 'utf8')) as RepoState;
    return state.format === STATE_FORMAT ? state : null;
  } catch {
    return null;
  }
}

/** repomd.xml text → parsed, reusing the cached parse when the text is unchanged (no XML parser load). */
async function parseRepomd(text: string, label: string, state: RepoState | null): Promise<Repomd> {
  if (state && state.repomdText === text) return state.repomd;
  const { readRepomd } = await import('../repodata/repomd.js');
  return readRepomd(text, label);
}

/** Every base URL local (file:// or a path) and no mirror list. */
function isLocalRepository(def: RepoDefinition): boolean {
  return (
    def.mirrorlist === null &&
    def.baseurls.length > 0 &&
    def.baseurls.every((u) => u.startsWith('/') || u.startsWith('file:'))
  );
}

/** A local repository's repomd.xml from its first base URL that has one (null: let the fetcher report why none does). */
function readLocalRepomd(def: RepoDefinition): { baseurl: string; text: string } | null {
  if (!isLocalRepository(def)) return null;
  for (const baseurl of def.baseurls) {
    try {
      const dir = baseurl.startsWith('/') ? baseurl : fileURLToPath(baseurl);
      const path = join(dir, 'repodata', 'repomd.xml');
      if (statSync(path).size > MAX_REPOMD) return null;
      return { baseurl, text: readFileSync(path, 'utf8') };
    } catch {
      // try the next one
    }
  }
  return null;
}

/** The repository client (mirrors, verified fetch): loaded only when a repository has to be asked. */
const client = () => import('../repodata/client.js');

/** What the client fetches for a package: its location and what it must be (any checksum type; yumda's own repositories use sha256). */
export function packageLocation(pkg: PoolPackage): PackageLocation {
  return {
    label: `${pkg.name}-${pkg.epoch ? `${pkg.epoch}:` : ''}${pkg.version}-${pkg.release}.${pkg.arch}`,
    locationHref: pkg.locationHref,
    ...(pkg.locationBase ? { locationBase: pkg.locationBase } : {}),
    checksumType: pkg.checksumType ?? 'sha256',
    checksum: pkg.pkgId,
    size: pkg.sizePackage || null,
  };
}

/** Fetching (file/http/s3): loaded only when a repository has to be asked, never on a warm run. */
const network = () => import('../util/fetch.js');

/** What a cached repomd.xml must have been verified with to be reused without asking (repo_gpgcheck). */
function requiredVerification(def: RepoDefinition): string | undefined {
  return def.repoGpgcheck ? def.gpgkeys.join(' ') : undefined;
}

/**
 * repo_gpgcheck=1: repodata/repomd.xml.asc must be a detached signature over exactly these bytes by
 * one of the repository's gpgkey keys, else exit 3. Called on every fetched repomd.xml before it is
 * parsed or cached, so an unverified one is never stored. gpg.js and OpenPGP.js load only here.
 */
async function verifyRepomdSignature(def: RepoDefinition, repomdUrl: string, bytes: Buffer): Promise<void> {
  const [{ fetchText }, { loadKeys, verifyDetachedSignature }] = await Promise.all([network(), import('./gpg.js')]);
  const signatureUrl = `${repomdUrl}.asc`;
  let armored: string;
  try {
    armored = await fetchText(signatureUrl, { maxBytes: MAX_SMALL_DOCUMENT });
  } catch (e) {
    if (e instanceof YumdaError && e.code === 'NOT_FOUND') {
      throw new YumdaError(
        'REPOMD_UNSIGNED',
        `repository ${def.id}: no signature at ${signatureUrl}, but the repository has repo_gpgcheck=1`,
        {
          exitCode: ExitCode.integrity,
          hint: `sign the repository (yumda repo index --sign-key KEY), or set repo_gpgcheck=0 (${def.origin})`,
        },
      );
    }
    throw e;
  }
  const keys = await loadKeys(def.gpgkeys);
  try {
    await verifyDetachedSignature(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
      armored,
      keys,
      `repository ${def.id}: ${signatureUrl}`,
    );
  } catch (e) {
    if (!(e instanceof YumdaError) || e.exitCode !== ExitCode.integrity) throw e;
    throw new YumdaError('REPOMD_BAD_SIGNATURE', `${e.message} (repo_gpgcheck=1)`, {
      exitCode: ExitCode.integrity,
      hint: `repomd.xml was altered, or is signed by a key not listed in gpgkey (${def.origin}); the cached metadata was left as it was`,
      cause: e,
    });
  }
}

/** Fetches a base's repomd.xml and, for a repo_gpgcheck=1 repository, checks its signature first. */
async function fetchVerifiedRepomd(def: RepoDefinition, baseurl: string): Promise<string> {
  const { fetchRepomdBytes, repomdUrl } = await client();
  const bytes = await fetchRepomdBytes(baseurl);
  if (def.repoGpgcheck) await verifyRepomdSignature(def, repomdUrl(baseurl), bytes);
  return bytes.toString('utf8');
}

/**
 * Reads (or reuses) one repository's metadata. A local file system failure (a full or read-only
 * cache) is reported as such, naming the path.
 */
export async function loadRepo(def: RepoDefinition, options: MetadataOptions): Promise<LoadedRepo> {
  const dir = join(options.cacheDir, 'repos', cacheKey(def));
  try {
    return await loadRepoInto(dir, def, options);
  } catch (e) {
    if (e instanceof YumdaError) throw e;
    throw environmentError(e, { fallbackPath: dir }) ?? e;
  }
}

async function loadRepoInto(dir: string, def: RepoDefinition, options: MetadataOptions): Promise<LoadedRepo> {
  mkdirSync(dir, { recursive: true });
  const state = readState(dir);
  const expireMs = (def.metadataExpire ?? DEFAULT_METADATA_EXPIRE) * 1000;
  // a repo_gpgcheck repository's cached repomd.xml was verified when it was stored, with the same
  // keys, so it is reused without checking the signature again (one stored unverified is not reused)
  // a local repository is read in place: nothing to expire, its repomd.xml is read every time
  // (it is cheap), so one rebuilt and re-indexed in place is seen at once
  const fresh =
    !options.refresh &&
    !isLocalRepository(def) &&
    state !== null &&
    expireMs > 0 &&
    Date.now() - state.fetchedAt < expireMs &&
    Date.now() >= state.fetchedAt &&
    state.verifiedWith === requiredVerification(def);

  let baseurl = '';
  let repomdText = '';
  /** Every base URL known (the one that answers is put first below). */
  let mirrors: string[] = state?.mirrors ?? def.baseurls;
  const inPlace = !fresh && !def.repoGpgcheck ? readLocalRepomd(def) : null;
  if (fresh) {
    // metadata_expire: a repomd.xml fetched recently enough is trusted without asking the repository
    baseurl = state.baseurl;
    repomdText = state.repomdText;
  } else if (inPlace) {
    // a local repository's repomd.xml, read directly (no network module on a warm run)
    ({ baseurl, text: repomdText } = inPlace);
  } else {
    const baseurls = await candidateBaseurls(def, options.arch);
    mirrors = baseurls;
    if (baseurls.length === 0)
      throw new YumdaError('NO_BASEURL', `repository ${def.id}: its mirrorlist ${def.mirrorlist} lists no base URL`, {
        exitCode: ExitCode.unreachable,
      });
    let lastError: unknown;
    for (const url of baseurls) {
      try {
        repomdText = await fetchVerifiedRepomd(def, url);
        baseurl = url;
        break;
      } catch (e) {
        // a missing or bad signature stops here (exit 3) rather than trying the next mirror
        if (e instanceof YumdaError && e.exitCode === ExitCode.integrity) throw e;
        lastError = e;
      }
    }
    if (!baseurl) {
      const err = lastError as YumdaError | undefined;
      // only a failure to reach the repository is "unreachable": anything else (too large, access
      // denied, a full disk) keeps its own code and exit code
      if (err instanceof YumdaError && err.code !== 'NOT_FOUND' && err.exitCode !== ExitCode.unreachable) {
        throw new YumdaError(err.code, `repository ${def.id}: ${err.message}`, {
          exitCode: err.exitCode,
          cause: err,
          ...(err.hint ? { hint: err.hint } : {}),
        });
      }
      if (err instanceof YumdaError && err.code === 'NOT_FOUND') {
        throw new YumdaError(
          'REPO_NOT_FOUND',
          `repository ${def.id}: no repodata/repomd.xml at ${baseurls.join(', ')}`,
          {
            exitCode: ExitCode.unreachable,
            hint: `check the base URL (${def.origin}); a yum repository has repodata/repomd.xml under it`,
          },
        );
      }
      throw new YumdaError(
        'REPO_UNREACHABLE',
        `repository ${def.id} is unreachable: ${(lastError as Error)?.message ?? 'no base URL answered'}`,
        {
          exitCode: ExitCode.unreachable,
          hint:
            err instanceof YumdaError && err.hint
              ? `${err.hint} (${def.origin})`
              : `check the network and the base URL (${def.origin})`,
          cause: lastError,
        },
      );
    }
  }
  const repomdUrl = `${baseurl.replace(/\/+$/, '')}/repodata/repomd.xml`;
  let repomd = await parseRepomd(repomdText, `${def.id}: ${repomdUrl}`, state);
  const saveState = async (text: string, parsed: Repomd): Promise<void> => {
    // only ever called with a repomd.xml fetchVerifiedRepomd returned, so verified if it had to be
    const next: RepoState = {
      format: STATE_FORMAT,
      fetchedAt: Date.now(),
      baseurl,
      mirrors,
      repomdText: text,
      repomd: parsed,
      verifiedWith: requiredVerification(def),
    };
    await writeFileAtomic(join(dir, 'repomd.json'), JSON.stringify(next), CACHE_WRITE);
  };
  // (a remote repomd.xml is stored again even when unchanged: that restarts its metadata_expire)
  const unchangedInPlace = inPlace !== null && state?.repomdText === repomdText && state.baseurl === baseurl;
  if (!fresh && !unchangedInPlace) await saveState(repomdText, repomd);
  const getRepomd = async (refetch: boolean): Promise<Repomd> => {
    if (refetch) {
      const text = await fetchVerifiedRepomd(def, baseurl);
      repomd = await parseRepomd(text, `${def.id} repomd.xml`, null);
      await saveState(text, repomd);
    }
    return repomd;
  };
  const repoRef = { def, baseurl, cacheDir: dir };

  const primaryEntry = repomd.data.find((d) => d.type === 'primary');
  if (!primaryEntry)
    throw new YumdaError('METADATA_CORRUPT', `repository ${def.id}: repomd.xml lists no primary metadata`);
  // the parsed cache is named for primary's checksum: a checked one (hex of the right length)
  const primarySum = (e: RepomdData): string =>
    checkedChecksum(e.checksumType, e.checksum, `repository ${def.id}: repomd.xml primary checksum`).hex;
  const parsedPath = (checksum: string): string => join(dir, `primary-${checksum.slice(0, 32)}.pool`);
  let source = openPrimaryCache(parsedPath(primarySum(primaryEntry)), primaryEntry.checksum, def);
  if (!source) {
    options.onNote?.(`${def.id}: reading package metadata`);
    const { path, entry } = await fetchMetadataFile(repoRef, 'primary', getRepomd);
    const label = `repository ${def.id}: ${entry.location}`;
    await buildPrimaryCache({
      xmlPath: path,
      openSize: entry.openSize,
      label,
      cachePath: parsedPath(primarySum(entry)),
      checksum: entry.checksum,
    });
    await pruneCache(dir, primarySum(entry));
    source = openPrimaryCache(parsedPath(primarySum(entry)), entry.checksum, def);
    if (!source)
      throw new YumdaError(
        'CACHE_UNREADABLE',
        `repository ${def.id}: the metadata cache just written to ${parsedPath(primarySum(entry))} cannot be read back`,
      );
  }
  let filelists: Map<string, RepoFile[]> | null = null;
  return {
    def,
    baseurl,
    mirrors: [baseurl, ...mirrors.filter((m) => m !== baseurl)],
    repomd,
    packages: excluding(source, def.exclude),
    cacheDir: dir,
    loadFilelists: async () => {
      if (filelists) return filelists;
      options.onNote?.(`${def.id}: reading file lists`);
      const fetched = await fetchMetadataFile(repoRef, 'filelists', getRepomd);
      const { readFilelists } = await import('../repodata/reader.js');
      const map = new Map<string, RepoFile[]>();
      const { path, entry } = fetched;
      await unwrapLimit(
        (async () => {
          for await (const f of readFilelists(
            boundedChunks(path, entry.openSize, `repository ${def.id}: ${entry.location}`),
          ))
            map.set(f.pkgId, f.files);
        })(),
      );
      filelists = map;
      return map;
    },
  };
}

/**
 * Removes cached metadata of older repomd revisions: any primary-* index or memo not named for the
 * current checksum (including the primary-CHECKSUM.json files of versions before the .pool name).
 */
async function pruneCache(dir: string, keepChecksum: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (/^primary-[0-9a-f]+\.(pool|json|decoded\.json)$/.test(name) && !name.includes(keepChecksum.slice(0, 32)))
      await rm(join(dir, name), { force: true });
  }
}
