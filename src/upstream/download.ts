/**
 * Downloading source RPMs from an upstream: fail-over across mirrors, retries, checksum
 * verification (the checksum primary.xml gives), atomic store. A file already in place with the
 * right checksum is kept, so re-running a fetch costs nothing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checksumAlgo, hrefFileName, resolveLocation } from '../repodata/location.js';
import { MAX_PACKAGE } from '../repodata/limits.js';
import { downloadFile } from '../util/fetch.js';
import { hashFile, type HashAlgo } from '../util/hash.js';
import { tryMirrors, type MirrorFailure } from './mirrors.js';
import { nevr } from '../rpm/nevra.js';
import type { SourcePackage } from './select.js';

export function hashAlgo(checksumType: string): HashAlgo {
  return checksumAlgo(checksumType, 'upstream metadata');
}

/**
 * The URL of a package from its base URL and location href. Hrefs may climb out of the repository
 * (Amazon Linux 2 repos point at a shared blobstore with "../../…"), so they are resolved like a
 * browser would, against the base URL as a directory.
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

async function verifiedSha256(path: string, p: SourcePackage): Promise<string | null> {
  const algo = hashAlgo(p.checksum.type);
  const digest = await hashFile(path, algo);
  if (digest !== p.checksum.value.toLowerCase()) return null;
  return algo === 'sha256' ? digest : hashFile(path, 'sha256');
}

/** Downloads one source package into outDir (file name = the href's basename), trying each mirror in order. */
export async function downloadSource(p: SourcePackage, mirrors: string[], options: DownloadSourceOptions): Promise<StoredSource> {
  const dest = resolve(options.outDir, hrefFileName(p.locationHref, `${nevr(p)}: location`));
  if (existsSync(dest)) {
    const sha256 = await verifiedSha256(dest, p);
    if (sha256) return { package: p, path: dest, url: packageUrl(mirrors[0]!, p.locationHref, p.locationBase), sha256, size: p.size, reused: true };
  }
  const algo = hashAlgo(p.checksum.type);
  const { value } = await tryMirrors(
    // an xml:base (checked against the mirror it came with) points every mirror at the same place: tried once
    p.locationBase ? mirrors.slice(0, 1) : mirrors,
    `download of ${nevr(p)}`,
    async (base, attempts) => {
      const url = packageUrl(base, p.locationHref, p.locationBase);
      const got = await downloadFile(url, dest, { checksum: p.checksum.value, algo, ...(p.size > 0 ? { size: p.size } : { maxBytes: MAX_PACKAGE }), attempts });
      return { url, ...got };
    },
    options.onFailover,
  );
  return { package: p, path: dest, url: value.url, sha256: value.sha256, size: value.size, reused: false };
}
