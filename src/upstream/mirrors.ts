/**
 * An upstream's mirrors: a mirror.list answers repository base URLs, one per line (parsed and
 * checked by the repository client, which also does the fail-over across them).
 */
import { ExitCode, YumdaError, isYumdaError } from '../util/errors.js';
import { fetchMirrorList, normalizeBaseUrl } from '../repodata/client.js';
import { expandVariables, upstreamLabel, type Upstream } from './config.js';

export type { MirrorFailure } from '../repodata/client.js';

/** The repository base URLs of an upstream, in the order to try them. */
export async function resolveMirrors(upstream: Upstream): Promise<string[]> {
  if (upstream.kind === 'baseurl') return [normalizeBaseUrl(upstream.url)];
  let mirrors: string[];
  try {
    mirrors = await fetchMirrorList(upstream.url, (line) => expandVariables(line, upstream.variables));
  } catch (e) {
    if (isYumdaError(e) && e.code === 'NOT_FOUND') {
      throw new YumdaError(
        'MIRRORLIST_NOT_FOUND',
        `mirror list not found: ${upstream.url}${upstream.id === 'url' ? '' : ` (upstream ${upstream.id})`}`,
        {
          hint: 'if this URL is a repository base URL (holding repodata/), it must not end in mirror.list',
        },
      );
    }
    // only a failure to reach it is 'unreachable' (a hostile entry, a full disk keep their own error)
    if (isYumdaError(e) && e.exitCode === ExitCode.unreachable) {
      throw new YumdaError(
        'UNREACHABLE',
        `cannot read the mirror list${upstream.id === 'url' ? '' : ` of upstream ${upstream.id}`}: ${e.message}`,
        {
          exitCode: ExitCode.unreachable,
          cause: e,
          hint: `check the network, or point --upstream / $YUMDA_UPSTREAM_URL at a reachable mirror`,
        },
      );
    }
    throw e;
  }
  if (mirrors.length === 0) {
    throw new YumdaError(
      'MIRRORLIST_EMPTY',
      `the mirror list ${upstream.url} (upstream ${upstreamLabel(upstream)}) lists no mirrors`,
      {
        exitCode: ExitCode.unreachable,
      },
    );
  }
  return mirrors;
}
