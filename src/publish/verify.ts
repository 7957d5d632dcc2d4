/**
 * Reads a published repository the way a client does (through the S3 API or the file system) and
 * checks it is consistent: repomd.xml parses, every file it names exists with the stated size and
 * checksum, and every package primary.xml lists exists with its size (and sha256 when asked).
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { readPrimary } from '../repodata/reader.js';
import type { Destination } from './destination.js';
import { openDestination } from './open-destination.js';
import { REPOMD_PATH } from './plan.js';
import { filesNamedByRepomd, type NamedFile } from './repomd-files.js';

export interface VerifyOptions {
  endpoint?: string;
  /** Also download every package and check its sha256 against primary.xml (default: sizes only). */
  packageChecksums?: boolean;
  concurrency?: number;
}

export interface VerifyResult {
  destination: string;
  ok: boolean;
  /** One line per problem found. */
  problems: string[];
  metadataChecked: number;
  packagesChecked: number;
  /** repomd.xml's revision, when it has one. */
  revision: string | null;
}

async function hashObject(dest: Destination, path: string, algo: string): Promise<{ digest: string; size: number }> {
  const hash = createHash(algo);
  let size = 0;
  for await (const chunk of await dest.open(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), size };
}

export async function verifyPublished(destUrl: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const dest = openDestination(destUrl, options.endpoint ? { endpoint: options.endpoint } : {});
  const result: VerifyResult = {
    destination: dest.url,
    ok: false,
    problems: [],
    metadataChecked: 0,
    packagesChecked: 0,
    revision: null,
  };
  try {
    const live = await dest.readSmall(REPOMD_PATH);
    if (!live) {
      result.problems.push(`${REPOMD_PATH} is missing`);
      return result;
    }
    let named: NamedFile[];
    try {
      named = filesNamedByRepomd(live.body.toString('utf8'), `${dest.url}${REPOMD_PATH}`);
    } catch (e) {
      result.problems.push(`${REPOMD_PATH} cannot be read: ${(e as Error).message}`);
      return result;
    }
    const limit = pLimit(options.concurrency ?? 8);
    const objects = new Map((await dest.list()).map((o) => [o.path, o]));
    await Promise.all(
      named.map((file) =>
        limit(async () => {
          if (!objects.has(file.path)) {
            result.problems.push(`${file.path} (${file.type}) named by ${REPOMD_PATH} is missing`);
            return;
          }
          const { digest, size } = await hashObject(dest, file.path, file.checksumType);
          result.metadataChecked++;
          if (digest !== file.checksum)
            result.problems.push(
              `${file.path}: ${file.checksumType} is ${digest}, ${REPOMD_PATH} says ${file.checksum}`,
            );
          if (file.size !== null && size !== file.size)
            result.problems.push(`${file.path}: ${size} bytes, ${REPOMD_PATH} says ${file.size}`);
        }),
      ),
    );
    const primary = named.find((f) => f.type === 'primary');
    if (!primary) result.problems.push(`${REPOMD_PATH} names no primary metadata`);
    else if (result.problems.length === 0) {
      const checks: Promise<void>[] = [];
      for await (const pkg of readPrimary(await dest.open(primary.path))) {
        const path = pkg.locationHref.replace(/^\.?\//, '');
        const object = objects.get(path);
        result.packagesChecked++;
        if (!object) {
          result.problems.push(`${path} listed in primary metadata is missing`);
          continue;
        }
        if (object.size !== pkg.sizePackage)
          result.problems.push(`${path}: ${object.size} bytes, primary metadata says ${pkg.sizePackage}`);
        if (options.packageChecksums && pkg.pkgId.length === 64) {
          checks.push(
            limit(async () => {
              const { digest } = await hashObject(dest, path, 'sha256');
              if (digest !== pkg.pkgId)
                result.problems.push(`${path}: sha256 is ${digest}, primary metadata says ${pkg.pkgId}`);
            }),
          );
        }
      }
      await Promise.all(checks);
    }
    result.problems.sort();
    result.ok = result.problems.length === 0;
    return result;
  } finally {
    await dest.close();
  }
}

/**
 * Verifies DEST, or, when DEST has no repodata/repomd.xml but RPMS/ and/or SRPMS/ repositories
 * (the layout `yumda repo publish` makes of an RPMS/ + SRPMS/ tree), each of those.
 */
export async function verifyPublishedRepositories(
  destUrl: string,
  options: VerifyOptions = {},
): Promise<VerifyResult[]> {
  const top = await verifyPublished(destUrl, options);
  if (top.ok || top.problems[0] !== `${REPOMD_PATH} is missing`) return [top];
  const base = destUrl.replace(/\/+$/, '');
  const parts: VerifyResult[] = [];
  for (const name of ['RPMS', 'SRPMS']) {
    const r = await verifyPublished(`${base}/${name}`, options);
    if (r.problems[0] !== `${REPOMD_PATH} is missing`) parts.push(r);
  }
  return parts.length > 0 ? parts : [top];
}
