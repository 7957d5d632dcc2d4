/** Reads the repository directory to publish: every file with its size, sha256 and MD5 (one pass). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import pLimit from 'p-limit';
import { ExitCode, YumdaError } from '../util/errors.js';
import { hashFile, type HashAlgo } from '../util/hash.js';
import { filesNamedByRepomd } from './repomd-files.js';
import { REPOMD_PATH, SIGNATURE_PATH } from './plan.js';
import type { LocalFile, LocalRepo } from './types.js';

/** sha256 and md5 of a file in one streaming read. */
async function hashFileSha256Md5(path: string): Promise<{ sha256: string; md5: string; size: number }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex'), size };
}

/** Files under dir (relative, forward slashes), skipping dot-files and dot-directories (staging, locks). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (abs: string): Promise<void> => {
    for (const entry of await readdir(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = join(abs, entry.name);
      if (entry.isDirectory()) await visit(child);
      else if (entry.isFile()) out.push(relative(dir, child).split(sep).join('/'));
      else if (entry.isSymbolicLink() && (await stat(child)).isFile())
        out.push(relative(dir, child).split(sep).join('/'));
    }
  };
  await visit(dir);
  return out.sort();
}

export async function readLocalRepo(dir: string, options: { concurrency?: number } = {}): Promise<LocalRepo> {
  let repomdXml: string;
  try {
    repomdXml = await readFile(join(dir, REPOMD_PATH), 'utf8');
  } catch {
    throw new YumdaError('NOT_A_REPOSITORY', `${dir} is not a yum repository (no ${REPOMD_PATH})`, {
      exitCode: ExitCode.usage,
      hint: `run: yumda repo index ${dir}`,
    });
  }
  const named = filesNamedByRepomd(repomdXml, join(dir, REPOMD_PATH));
  const referenced = named.map((e) => e.path);
  const referencedSet = new Set(referenced);
  const paths = (await walk(dir)).filter((p) => {
    if (!p.startsWith('repodata/')) return true;
    // stray files in repodata/ that repomd.xml does not name are leftovers; they are not published
    return p === REPOMD_PATH || p === SIGNATURE_PATH || referencedSet.has(p);
  });
  for (const href of referenced) {
    if (!paths.includes(href)) {
      throw new YumdaError('REPO_INCOMPLETE', `${join(dir, REPOMD_PATH)} names ${href}, which is missing`, {
        hint: `run: yumda repo index ${dir}`,
      });
    }
  }
  const limit = pLimit(options.concurrency ?? 8);
  const files = await Promise.all(
    paths.map((path) =>
      limit(async (): Promise<LocalFile> => {
        const absPath = join(dir, path);
        const { sha256, md5, size } = await hashFileSha256Md5(absPath);
        const role =
          path === REPOMD_PATH
            ? 'repomd'
            : path === SIGNATURE_PATH
              ? 'signature'
              : path.startsWith('repodata/')
                ? 'metadata'
                : 'package';
        return { path, absPath, size, sha256, md5, role };
      }),
    ),
  );
  // never publish metadata that does not match its repomd.xml
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const entry of named) {
    const file = byPath.get(entry.path)!;
    const actual =
      entry.checksumType === 'sha256' ? file.sha256 : await hashFile(file.absPath, entry.checksumType as HashAlgo);
    if (actual !== entry.checksum || (entry.size !== null && entry.size !== file.size)) {
      throw new YumdaError('REPO_INCONSISTENT', `${file.absPath} does not match the checksum or size in repomd.xml`, {
        exitCode: ExitCode.integrity,
        hint: `run: yumda repo index ${dir}`,
      });
    }
  }
  return {
    dir,
    files,
    repomd: byPath.get(REPOMD_PATH)!,
    signature: byPath.get(SIGNATURE_PATH),
    referenced,
  };
}
