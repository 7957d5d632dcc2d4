/**
 * Mirror lists and fail-over: a mirror.list answers repository base URLs, one per line; every
 * operation is tried on each mirror in order until one succeeds.
 */
import { ExitCode, YumdaError, isYumdaError } from '../util/errors.js';
import { fetchText } from '../util/fetch.js';
import { mayReference } from '../repodata/location.js';
import { MAX_SMALL_DOCUMENT } from '../repodata/limits.js';
import { expandVariables, normalizeBaseUrl, upstreamLabel, type Upstream } from './config.js';

/** Parses a mirror.list body: one URL per line; blank lines and # comments ignored; relative lines resolve against the list's URL. */
export function parseMirrorList(text: string, listUrl: string, variables: Record<string, string> = {}): string[] {
  const mirrors: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const expanded = expandVariables(line, variables);
    let url: string;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(expanded)) url = expanded;
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(listUrl)) url = new URL(expanded, listUrl).href;
    else url = expanded.startsWith('/') ? expanded : `${listUrl.replace(/[^/]*$/, '')}${expanded}`;
    // a remote list may not send the client to a local directory (or an unknown scheme)
    if (!mayReference(listUrl, url)) {
      throw new YumdaError('UNSAFE_REMOTE_NAME', `the mirror list ${listUrl} lists ${JSON.stringify(url.slice(0, 120))}, which a remote mirror list may not name`, {
        hint: 'the mirror list is corrupt or hostile; nothing was read from the mirrors it names',
      });
    }
    const normalized = normalizeBaseUrl(url);
    if (!mirrors.includes(normalized)) mirrors.push(normalized);
  }
  return mirrors;
}

/** The repository base URLs of an upstream, in the order to try them. */
export async function resolveMirrors(upstream: Upstream): Promise<string[]> {
  if (upstream.kind === 'baseurl') return [normalizeBaseUrl(upstream.url)];
  let text: string;
  try {
    text = await fetchText(upstream.url, { maxBytes: MAX_SMALL_DOCUMENT });
  } catch (e) {
    if (isYumdaError(e) && e.code === 'NOT_FOUND') {
      throw new YumdaError('MIRRORLIST_NOT_FOUND', `mirror list not found: ${upstream.url}${upstream.id === 'url' ? '' : ` (upstream ${upstream.id})`}`, {
        hint: 'if this URL is a repository base URL (holding repodata/), it must not end in mirror.list',
      });
    }
    if (isYumdaError(e)) {
      throw new YumdaError('UNREACHABLE', `cannot read the mirror list${upstream.id === 'url' ? '' : ` of upstream ${upstream.id}`}: ${e.message}`, {
        exitCode: ExitCode.unreachable,
        cause: e,
        hint: `check the network, or point --upstream / $YUMDA_UPSTREAM_URL at a reachable mirror`,
      });
    }
    throw e;
  }
  const mirrors = parseMirrorList(text, upstream.url, upstream.variables);
  if (mirrors.length === 0) {
    throw new YumdaError('MIRRORLIST_EMPTY', `the mirror list ${upstream.url} (upstream ${upstreamLabel(upstream)}) lists no mirrors`, {
      exitCode: ExitCode.unreachable,
    });
  }
  return mirrors;
}

export interface MirrorFailure {
  mirror: string;
  error: unknown;
}

/** Errors after which the next mirror may do better (a dead host, a 5xx, a missing or corrupt file). */
function worthNextMirror(error: unknown): boolean {
  if (!isYumdaError(error)) return true;
  return error.exitCode === ExitCode.unreachable || error.exitCode === ExitCode.integrity || error.code === 'NOT_FOUND' || error.code === 'HTTP_ERROR';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `attempt` against each mirror until one succeeds. `attempts` tells the fetcher how many
 * tries to spend on one mirror (fewer while other mirrors remain). When all fail, the error keeps
 * the most telling exit code: integrity (3) if any mirror served corrupt data, else unreachable (4)
 * if none could be reached, else the last error.
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
    if (isYumdaError(only)) throw new YumdaError(only.code, `${what}: ${only.message}`, { exitCode: only.exitCode, cause: only, ...(only.hint ? { hint: only.hint } : {}) });
    throw only;
  }
  const detail = failures.map((f) => `${f.mirror}: ${describe(f.error)}`).join('; ');
  const integrity = failures.find((f) => isYumdaError(f.error) && f.error.exitCode === ExitCode.integrity);
  if (integrity) throw new YumdaError((integrity.error as YumdaError).code, `${what}: no mirror served a valid copy (${detail})`, { exitCode: ExitCode.integrity });
  const allUnreachable = failures.every((f) => isYumdaError(f.error) && f.error.exitCode === ExitCode.unreachable);
  if (allUnreachable) {
    throw new YumdaError('UNREACHABLE', `${what}: none of ${failures.length} mirrors could be reached (${detail})`, { exitCode: ExitCode.unreachable });
  }
  const lastError = failures[failures.length - 1]!.error;
  if (isYumdaError(lastError)) throw new YumdaError(lastError.code, `${what}: failed on every mirror (${detail})`, { exitCode: lastError.exitCode });
  throw lastError;
}
