/**
 * The repository client both consumers use (the installer's metadata and package downloads, the
 * upstream source fetcher): mirror lists, mirror fail-over, repomd.xml, URL resolution (relative
 * hrefs, xml:base, s3:// keys: location.ts) and verified transfers for any checksum type, each held
 * to its declared size (limits.ts). The transport (file, http(s), s3, timeouts) is util/fetch.ts.
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ExitCode, YumdaError, isYumdaError } from '../util/errors.js';
import { downloadFile, fetchBuffer, fetchText, type Downloaded } from '../util/fetch.js';
import { hashFile } from '../util/hash.js';
import { MAX_PACKAGE, MAX_REPOMD, MAX_SMALL_DOCUMENT } from './limits.js';
import { checkedChecksum, mayReference, resolveLocation, transportOf } from './location.js';
import { readRepomd, type Repomd } from './repomd.js';

/** The local path of a file:// URL or a path; null for a remote URL. */
export function localPath(url: string): string | null {
  if (url.startsWith('/')) return url;
  return transportOf(url) === 'local' ? fileURLToPath(url) : null;
}

/** A base URL without trailing slashes or a trailing repodata/(repomd.xml). */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/repodata(\/repomd\.xml)?$/, '');
}

/**
 * Parses a mirror list: one base URL per line; blank lines and # comments ignored; relative lines
 * resolve against the list's URL; `expand` substitutes variables ($basearch …). A remote list may
 * name only mirrors on its own transport (never a local directory): anything else is refused.
 */
export function parseMirrorList(text: string, listUrl: string, expand: (line: string) => string = (l) => l): string[] {
  const mirrors: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const expanded = expand(line);
    let url: string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(expanded)) url = expanded;
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(listUrl)) url = new URL(expanded, listUrl).href;
    else url = expanded.startsWith('/') ? expanded : `${listUrl.replace(/[^/]*$/, '')}${expanded}`;
    if (!mayReference(listUrl, url)) {
      throw new YumdaError(
        'UNSAFE_REMOTE_NAME',
        `the mirror list ${listUrl} lists ${JSON.stringify(url.slice(0, 120))}, which a remote mirror list may not name`,
        {
          hint: 'the mirror list is corrupt or hostile; nothing was read from the mirrors it names',
        },
      );
    }
    const normalized = normalizeBaseUrl(url);
    if (!mirrors.includes(normalized)) mirrors.push(normalized);
  }
  return mirrors;
}

/** Fetches and parses a mirror list (at most 1 MiB). */
export async function fetchMirrorList(url: string, expand?: (line: string) => string): Promise<string[]> {
  return parseMirrorList(await fetchText(url, { maxBytes: MAX_SMALL_DOCUMENT }), url, expand);
}

export interface MirrorFailure {
  mirror: string;
  error: unknown;
}

/** Errors after which the next mirror may do better (a dead or hung host, a 5xx, a missing or corrupt file). */
function worthNextMirror(error: unknown): boolean {
  if (!isYumdaError(error)) return true;
  return (
    error.exitCode === ExitCode.unreachable ||
    error.exitCode === ExitCode.integrity ||
    error.code === 'NOT_FOUND' ||
    error.code === 'HTTP_ERROR'
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `attempt` against each mirror until one succeeds. `fetchAttempts` tells the fetcher how many
 * tries to spend on one mirror (fewer while other mirrors remain). When all fail, the error keeps
 * the most telling exit code: integrity (3) if any mirror served corrupt data, else unreachable (4)
 * if none could be reached, else the last error. A failure no other mirror can fix (a full disk,
 * refused credentials, a hostile name) stops at once.
 */
export async function tryMirrors<T>(
  mirrors: string[],
  what: string,
  attempt: (mirror: string, fetchAttempts: number) => Promise<T>,
  onFailover?: (failure: MirrorFailure, next: string) => void,
): Promise<{ value: T; mirror: string }> {
  const failures: MirrorFailure[] = [];
  for (const [i, mirror] of mirrors.entries()) {
    const last = i === mirrors.length - 1;
    try {
      return { value: await attempt(mirror, last ? 4 : 2), mirror };
    } catch (error) {
      if (!worthNextMirror(error)) throw error;
      failures.push({ mirror, error });
      if (!last) onFailover?.({ mirror, error }, mirrors[i + 1]!);
    }
  }
  if (failures.length === 1) {
    const only = failures[0]!.error;
    if (isYumdaError(only))
      throw new YumdaError(only.code, `${what}: ${only.message}`, {
        exitCode: only.exitCode,
        cause: only,
        ...(only.hint ? { hint: only.hint } : {}),
      });
    throw only;
  }
  const detail = failures.map((f) => `${f.mirror}: ${describe(f.error)}`).join('; ');
  const integrity = failures.find((f) => isYumdaError(f.error) && f.error.exitCode === ExitCode.integrity);
  if (integrity)
    throw new YumdaError((integrity.error as YumdaError).code, `${what}: no mirror served a valid copy (${detail})`, {
      exitCode: ExitCode.integrity,
    });
  const allUnreachable = failures.every((f) => isYumdaError(f.error) && f.error.exitCode === ExitCode.unreachable);
  if (allUnreachable) {
    throw new YumdaError('UNREACHABLE', `${what}: none of ${failures.length} mirrors could be reached (${detail})`, {
      exitCode: ExitCode.unreachable,
    });
  }
  const lastError = failures[failures.length - 1]!.error;
  if (isYumdaError(lastError))
    throw new YumdaError(lastError.code, `${what}: failed on every mirror (${detail})`, {
      exitCode: lastError.exitCode,
    });
  throw lastError;
}

/** The URL of a base's repomd.xml. */
export function repomdUrl(baseUrl: string): string {
  return resolveLocation(baseUrl, 'repodata/repomd.xml');
}

/** A base's repomd.xml, as bytes (at most 8 MiB: signatures are checked over exactly these). */
export function fetchRepomdBytes(baseUrl: string, attempts?: number): Promise<Buffer> {
  return fetchBuffer(repomdUrl(baseUrl), { maxBytes: MAX_REPOMD, ...(attempts !== undefined ? { attempts } : {}) });
}

/** A base's repomd.xml, parsed. */
export async function fetchRepomd(baseUrl: string, attempts?: number): Promise<Repomd> {
  return readRepomd((await fetchRepomdBytes(baseUrl, attempts)).toString('utf8'), repomdUrl(baseUrl));
}

/** What a transfer is held to: a checksum of a stated type and, when known, an exact size. */
export interface Expected {
  checksumType: string;
  checksum: string;
  /** Exact size in bytes (null or 0: unknown, `maxBytes` applies). */
  size: number | null;
  /** The ceiling when no size is known (default MAX_PACKAGE). */
  maxBytes?: number;
}

/**
 * Downloads `url` to `dest` (atomically), verified while it streams: cut off as soon as it passes
 * the size, then its checksum in the stated algorithm (md5, sha1, sha256, sha512) compared.
 */
export async function fetchVerified(
  url: string,
  dest: string,
  expected: Expected,
  options: { attempts?: number; onProgress?: (bytes: number) => void; what?: string } = {},
): Promise<Downloaded> {
  const { algo, hex } = checkedChecksum(expected.checksumType, expected.checksum, options.what ?? url);
  return downloadFile(url, dest, {
    checksum: hex,
    algo,
    ...(expected.size ? { size: expected.size } : { maxBytes: expected.maxBytes ?? MAX_PACKAGE }),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/** Does the file at `path` (a regular file) have the expected size and checksum? False when absent. */
export async function isVerified(path: string, expected: Expected, what?: string): Promise<boolean> {
  const { algo, hex } = checkedChecksum(expected.checksumType, expected.checksum, what ?? path);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile() || (expected.size && info.size !== expected.size)) return false;
  return (await hashFile(path, algo)) === hex;
}

/** A package as the client fetches it: where (href, xml:base) and what it must be. */
export interface PackageLocation extends Expected {
  locationHref: string;
  locationBase?: string;
  /** For messages: name-version-release.arch. */
  label: string;
}

/**
 * Fetches a package to `dest`, trying each mirror in turn (the one that answered for the metadata
 * first, as the caller orders them). The URL is the href resolved against the mirror after the
 * package's xml:base; an absolute xml:base names one place whatever the mirror, so it is tried once.
 */
export async function fetchPackage(
  mirrors: string[],
  pkg: PackageLocation,
  dest: string,
  options: { onProgress?: (bytes: number) => void; onFailover?: (failure: MirrorFailure, next: string) => void } = {},
): Promise<Downloaded & { url: string }> {
  const absoluteBase = pkg.locationBase !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(pkg.locationBase);
  const { value } = await tryMirrors(
    absoluteBase ? mirrors.slice(0, 1) : mirrors,
    `download of ${pkg.label}`,
    async (mirror, attempts) => {
      const url = resolveLocation(mirror, pkg.locationHref, pkg.locationBase ?? null, `${pkg.label}: location`);
      const got = await fetchVerified(url, dest, pkg, {
        attempts,
        what: `${pkg.label}: checksum`,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      return { url, ...got };
    },
    options.onFailover,
  );
  return value;
}
