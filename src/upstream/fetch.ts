/** `yumda source fetch`: resolve every request against the upstream index, then download them. */
import pLimit from 'p-limit';
import { upstreamLabel } from './config.js';
import { downloadSource, type StoredSource } from './download.js';
import type { MirrorFailure } from '../repodata/client.js';
import type { UpstreamIndex } from './metadata.js';
import { notFoundError, selectSource, type SourcePackage } from './select.js';

export interface FetchSourcesOptions {
  outDir: string;
  /** Parallel downloads (default 3). */
  concurrency?: number;
  onFailover?: (failure: MirrorFailure, next: string) => void;
  onStored?: (stored: StoredSource & { request: string }) => void;
}

/**
 * Resolves all requests first (so a typo fails before anything is downloaded, naming every
 * unknown request at once), then downloads each distinct package, mirror by mirror, verified.
 */
export async function fetchSources(
  index: UpstreamIndex,
  requests: string[],
  options: FetchSourcesOptions,
): Promise<Array<StoredSource & { request: string }>> {
  const chosen: Array<{ request: string; pkg: SourcePackage }> = [];
  const missing: string[] = [];
  for (const request of requests) {
    const pkg = selectSource(index.sources, request);
    if (pkg) chosen.push({ request, pkg });
    else missing.push(request);
  }
  if (missing.length > 0) throw notFoundError(index.sources, missing, upstreamLabel(index.upstream));

  // the mirror the metadata came from first: it is known to work
  const mirrors = [index.mirror, ...index.mirrors.filter((m) => m !== index.mirror)];
  const limit = pLimit(options.concurrency ?? 3);
  const byHref = new Map<string, Promise<StoredSource>>();
  return Promise.all(
    chosen.map(async ({ request, pkg }) => {
      let pending = byHref.get(pkg.locationHref);
      if (!pending) {
        pending = limit(() =>
          downloadSource(pkg, mirrors, {
            outDir: options.outDir,
            ...(options.onFailover ? { onFailover: options.onFailover } : {}),
          }),
        );
        byHref.set(pkg.locationHref, pending);
      }
      const stored = { ...(await pending), request };
      options.onStored?.(stored);
      return stored;
    }),
  );
}
