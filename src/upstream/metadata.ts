/**
 * Reading an upstream's metadata: mirror list → repodata/repomd.xml → primary.xml(.gz), verified
 * against repomd.xml and streamed through the project's repodata reader, keeping only the source
 * packages (arch "src") and only the fields fetching needs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPrimary } from '../repodata/reader.js';
import { YumdaError } from '../util/errors.js';
import { upstreamLabel, type Upstream } from './config.js';
import { hrefFileName, resolveMetadataLocation } from '../repodata/location.js';
import { boundedChunks, MAX_METADATA_FILE } from '../repodata/limits.js';
import { fetchRepomd, fetchVerified, repomdUrl, tryMirrors, type MirrorFailure } from '../repodata/client.js';
import { resolveMirrors } from './mirrors.js';
import { buildSourceIndex, type SourceIndex, type SourcePackage } from './select.js';

export interface UpstreamIndex {
  upstream: Upstream;
  /** Every mirror's base URL, in mirror-list order. */
  mirrors: string[];
  /** The mirror the metadata was read from. */
  mirror: string;
  /** repomd.xml revision, when the upstream sets one. */
  revision: string | null;
  sources: SourceIndex;
  /** Number of source packages (all versions). */
  count: number;
}

export interface LoadIndexOptions {
  onFailover?: (failure: MirrorFailure, next: string) => void;
}

/**
 * Reads one mirror's source packages. primary.xml is downloaded to a temporary file and verified
 * against repomd.xml before it is parsed, so a corrupted transfer is reported as such (exit 3)
 * rather than as malformed XML or a bad gzip stream.
 */
export async function readMirrorSources(
  baseUrl: string,
  attempts = 4,
): Promise<{ packages: SourcePackage[]; revision: string | null }> {
  const repomd = await fetchRepomd(baseUrl, attempts);
  const where = repomdUrl(baseUrl);
  const primary = repomd.data.find((d) => d.type === 'primary');
  if (!primary) throw new YumdaError('METADATA_CORRUPT', `${where} lists no primary metadata`);
  const primaryUrl = resolveMetadataLocation(baseUrl, primary.location, `${where}: primary location`);
  const tmp = await mkdtemp(join(tmpdir(), 'yumda-upstream-'));
  try {
    const file = join(tmp, hrefFileName(primary.location, `${where}: primary location`));
    await fetchVerified(
      primaryUrl,
      file,
      {
        checksumType: primary.checksumType,
        checksum: primary.checksum,
        size: primary.size,
        maxBytes: MAX_METADATA_FILE,
      },
      { attempts, what: `${where}: primary checksum` },
    );
    const packages: SourcePackage[] = [];
    for await (const p of readPrimary(boundedChunks(file, primary.openSize, primaryUrl))) {
      if (p.arch !== 'src') continue;
      packages.push({
        name: p.name,
        epoch: p.epoch,
        version: p.version,
        release: p.release,
        checksum: { type: p.checksumType ?? 'sha256', value: p.pkgId },
        size: p.sizePackage,
        locationHref: p.locationHref,
        ...(p.locationBase ? { locationBase: p.locationBase } : {}),
      });
    }
    return { packages, revision: repomd.revision };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Resolves the upstream's mirrors and reads the source-package index from the first one that works. */
export async function loadUpstreamIndex(upstream: Upstream, options: LoadIndexOptions = {}): Promise<UpstreamIndex> {
  const mirrors = await resolveMirrors(upstream);
  const label = upstreamLabel(upstream);
  const { value, mirror } = await tryMirrors(
    mirrors,
    `upstream ${label}`,
    (base, attempts) => readMirrorSources(base, attempts),
    options.onFailover,
  );
  if (value.packages.length === 0) {
    throw new YumdaError('UPSTREAM_NO_SOURCES', `upstream ${label} (${mirror}) has no source packages (arch src)`, {
      hint: 'point --upstream at a source repository (…/SRPMS/…), not a binary one',
    });
  }
  return {
    upstream,
    mirrors,
    mirror,
    revision: value.revision,
    sources: buildSourceIndex(value.packages),
    count: value.packages.length,
  };
}
