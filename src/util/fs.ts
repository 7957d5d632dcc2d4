import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile, open } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/** A sibling temporary name in the same directory (same filesystem, so rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes a file atomically: temp file in the same dir, fsync, rename over the target. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Runs fn with a fresh staging path beside target; on success renames it to target, else removes it. */
export async function withStagedPath<T>(target: string, fn: (staging: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const staging = tempSibling(target);
  try {
    const result = await fn(staging);
    await rename(staging, target);
    return result;
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

export { writeFile };
