/** HTTP headers of published objects: Content-Type by extension, Cache-Control by mutability. */
import type { FileRole } from './types.js';

const CONTENT_TYPES: ReadonlyArray<[RegExp, string]> = [
  [/\.rpm$/, 'application/x-rpm'],
  [/\.xml$/, 'application/xml'],
  [/\.gz$/, 'application/gzip'],
  [/\.xz$/, 'application/x-xz'],
  [/\.bz2$/, 'application/x-bzip2'],
  [/\.zst$/, 'application/zstd'],
  [/\.(sqlite)$/, 'application/vnd.sqlite3'],
  [/\.asc$/, 'application/pgp-signature'],
  [/\.(json)$/, 'application/json'],
  [/\.(txt|list)$/, 'text/plain; charset=utf-8'],
];

export function contentTypeFor(path: string): string {
  for (const [pattern, type] of CONTENT_TYPES) if (pattern.test(path)) return type;
  return 'application/octet-stream';
}

/** repomd.xml (and its signature) change at every publish: caches must revalidate quickly. */
const SHORT_CACHE = 'public, max-age=60, must-revalidate';
/** Checksum-named metadata never changes, and a package file name (NEVRA) is not reused for other content. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
const MEDIUM_CACHE = 'public, max-age=300';

/** Metadata named "<hex digest>-primary.xml.gz" (createrepo's unique file names). */
function isChecksumNamed(path: string): boolean {
  return /^[0-9a-f]{32,128}-/.test(path.slice(path.lastIndexOf('/') + 1));
}

export function cacheControlFor(path: string, role: FileRole): string {
  if (role === 'repomd' || role === 'signature') return SHORT_CACHE;
  if (role === 'metadata') return isChecksumNamed(path) ? IMMUTABLE_CACHE : SHORT_CACHE;
  return path.endsWith('.rpm') ? IMMUTABLE_CACHE : MEDIUM_CACHE;
}
