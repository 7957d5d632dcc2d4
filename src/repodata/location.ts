/**
 * Where a repository's strings may lead: every URL and file name derived from remote data (a
 * mirror list line, a repomd.xml location or checksum, a package's href or xml:base) is checked
 * here before it is used. A repository may point anywhere on its own kind of transport (Amazon
 * Linux 2 repositories climb out of their directory with "../../" to a shared blob store), but a
 * remote one never reaches the local file system, and a name that becomes a cache file is a plain
 * file name, never a path.
 */
import { resolve as resolvePath } from 'node:path';
import { YumdaError } from '../util/errors.js';
import type { HashAlgo } from '../util/hash.js';

export type Transport = 'http' | 's3' | 'local';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** The transport of a URL or path; a scheme yumda cannot read is null. */
export function transportOf(url: string): Transport | null {
  if (url.startsWith('/')) return 'local';
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 's3') return 's3';
  if (scheme === 'file') return 'local';
  return null;
}

function unsafe(what: string, value: string, why: string): YumdaError {
  const shown = JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  return new YumdaError('UNSAFE_REMOTE_NAME', `${what}: refused ${shown}: ${why}`, {
    hint: 'the repository metadata is corrupt or hostile; nothing was read or written with it',
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * May a document read from `from` send the client to `to`? A local repository (the user's own
 * directory) may point anywhere; a remote one only to its own transport (http and https count as
 * one), never to a local file.
 */
export function mayReference(from: string, to: string): boolean {
  const a = transportOf(from);
  const b = transportOf(to);
  if (a === null || b === null) return false;
  return a === 'local' || a === b;
}

/**
 * The URL of `href` (a package's location or a metadata file's) relative to the repository base
 * URL `base`, resolved like a browser resolves a link against a directory, after `xmlBase` (the
 * location's xml:base) when there is one. Throws UNSAFE_REMOTE_NAME when the result would leave
 * the base's transport (see mayReference), or when the href is empty or holds control characters.
 */
export function resolveLocation(base: string, href: string, xmlBase?: string | null, what = 'location'): string {
  if (href.length === 0 || CONTROL.test(href)) throw unsafe(what, href, 'not a usable location');
  let dir = base;
  if (xmlBase) {
    if (CONTROL.test(xmlBase)) throw unsafe(what, xmlBase, 'not a usable xml:base');
    dir = join(base, xmlBase);
    if (!mayReference(base, dir))
      throw unsafe(what, xmlBase, `an xml:base in ${base} may not lead to another transport`);
  }
  const url = join(dir, href);
  if (!mayReference(base, url)) throw unsafe(what, href, `a location in ${base} may not lead to another transport`);
  return url;
}

/** `relative` resolved against `base` taken as a directory (an absolute URL stays as it is). */
function join(base: string, relative: string): string {
  if (SCHEME.test(relative) && !/^[a-z]:[\\/]/i.test(relative)) return relative;
  if (base.startsWith('/')) return relative.startsWith('/') ? resolvePath(relative) : resolvePath(base, relative);
  const dir = base.endsWith('/') ? base : `${base}/`;
  try {
    return new URL(relative, dir).href;
  } catch {
    throw unsafe('location', relative, `cannot be resolved against ${base}`);
  }
}

/**
 * A location for repository metadata (repomd.xml's <location href>): resolved like resolveLocation,
 * and it must stay inside the repository (createrepo writes "repodata/…").
 */
export function resolveMetadataLocation(base: string, href: string, what = 'repomd.xml location'): string {
  const url = resolveLocation(base, href, null, what);
  const root = join(base, '.');
  const inside = root.endsWith('/') ? root : `${root}/`;
  if (!url.startsWith(inside)) throw unsafe(what, href, `metadata must lie inside the repository ${base}`);
  return url;
}

/**
 * A name from remote data (a package file name, the last part of a metadata href) as a single
 * file name: not empty, not "." or "..", no slash or backslash, no control character, no leading
 * dot (hidden files and yumda's own temporary names start with one), at most 200 characters.
 */
export function safeFileName(name: string, what = 'file name'): string {
  if (
    name.length === 0 ||
    name.length > 200 ||
    name === '.' ||
    name === '..' ||
    name.startsWith('.') ||
    /[/\\]/.test(name) ||
    CONTROL.test(name)
  ) {
    throw unsafe(what, name, 'not a plain file name');
  }
  return name;
}

/** The last part of an href (after the last '/'), checked with safeFileName. */
export function hrefFileName(href: string, what = 'location'): string {
  return safeFileName(href.slice(href.lastIndexOf('/') + 1), what);
}

const HASH_TYPES: Record<string, HashAlgo> = {
  sha256: 'sha256',
  sha: 'sha1',
  sha1: 'sha1',
  sha512: 'sha512',
  md5: 'md5',
};
const HEX_LENGTH: Record<HashAlgo, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** The hash algorithm of a repodata checksum type ("sha" is yum's old name for sha1). */
function checksumAlgo(type: string, what = 'checksum'): HashAlgo {
  const algo = HASH_TYPES[type.toLowerCase()];
  if (!algo) throw new YumdaError('CHECKSUM_TYPE', `${what}: unsupported checksum type "${type}"`, { exitCode: 3 });
  return algo;
}

/**
 * A checksum from remote data, checked to be what its type says (hex digits of the right length)
 * and lower-cased: only then may it name a cache file.
 */
export function checkedChecksum(type: string, value: string, what = 'checksum'): { algo: HashAlgo; hex: string } {
  const algo = checksumAlgo(type, what);
  const hex = value.trim().toLowerCase();
  if (hex.length !== HEX_LENGTH[algo] || !/^[0-9a-f]+$/.test(hex)) throw unsafe(what, value, `not a ${algo} checksum`);
  return { algo, hex };
}
