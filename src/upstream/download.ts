/**
 * Downloading source RPMs from an upstream through the repository client: fail-over across
 * mirrors, retries, verification against the checksum primary.xml gives (any type), atomic store.
 * A file already in place with the right checksum is kept, so re-running a fetch costs nothing.
 */
import { resolve } from 'node:path';
import { fetchPackage, isVerified, type MirrorFailure, type PackageLocation } from '../repodata/client.js';
import { hrefFileName, resolveLocation } from '../repodata/location.js';
import { hashFile } from '../util/hash.js';
import { nevr } from '../rpm/nevra.js';
import type { SourcePackage } from './select.js';

/**
 * The URL of a package from its base URL and location href (after its xml:base, if any). Hrefs may
 * climb out of the repository (Amazon Linux 2 repos point at a shared blobstore with "../../…"),
 * so they are resolved like a browser would, against the base URL as a directory.
 */
export function packageUrl(baseUrl: string, href: string, xmlBase?: string): string {
  return resolveLocation(baseUrl, href, xmlBase ?? null);
}

export interface StoredSource {
  package: SourcePackage;
  /** Absolute path of the stored .src.rpm. */
  path: string;
  /** Where it came from (or would have, when reused). */
  url: string;
  sha256: string;
  size: number;
  /** True when a file with the right checksum was already there and nothing was downloaded. */
  reused: boolean;
}

export interface DownloadSourceOptions {
  outDir: string;
  onFailover?: (failure: MirrorFailure, next: string) => void;
}

function location(p: SourcePackage): PackageLocation {
  return {
    label: nevr(p),
    locationHref: p.locationHref,
    ...(p.locationBase ? { locationBase: p.locationBase } : {}),
    checksumType: p.checksum.type,
    checksum: p.checksum.value,
    size: p.size,
  };
}

/** Downloads one source package into outDir (file name = the href's basename), trying each mirror in order. */
export async function downloadSource(
  p: SourcePackage,
  mirrors: string[],
  options: DownloadSourceOptions,
): Promise<StoredSource> {
  const dest = resolve(options.outDir, hrefFileName(p.locationHref, `${nevr(p)}: location`));
  const where = location(p);
  if (await isVerified(dest, where)) {
    const sha256 =
      where.checksumType.toLowerCase() === 'sha256' ? where.checksum.toLowerCase() : await hashFile(dest, 'sha256');
    return {
      package: p,
      path: dest,
      url: packageUrl(mirrors[0]!, p.locationHref, p.locationBase),
      sha256,
      size: p.size,
      reused: true,
    };
  }
  const got = await fetchPackage(mirrors, where, dest, options.onFailover ? { onFailover: options.onFailover } : {});
  return { package: p, path: dest, url: got.url, sha256: got.sha256, size: got.size, reused: false };
}
