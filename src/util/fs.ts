import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, open } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/** A sibling temporary name in the same directory (same filesystem, so rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]{8}$/;

/** True while a process with that pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary siblings (tempSibling names) in `dir` whose process is gone: what a
 * download or write killed half way left behind. Returns how many went.
 */
export function sweepStaleTemps(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let swept = 0;
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    swept++;
  }
  return swept;
}

export interface AtomicWriteOptions {
  /**
   * fsync the file before the rename and its directory after it (default), so that a power loss
   * leaves either the old or the new file, never an empty one or a lost rename. Caches may skip it:
   * a file cut short by a crash fails its own checks and is rebuilt, and fsync costs tens of ms.
   */
  durable?: boolean;
}

/** Writes a file atomically: temp file in the same dir, fsync, rename over the target. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  options: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else {
        const { bytesWritten } = await fh.writev([...data]);
        if (bytesWritten !== data.reduce((n, b) => n + b.length, 0)) throw new Error(`${tmp}: short write`);
      }
      if (options.durable ?? true) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    if (options.durable ?? true) await syncDirectory(dirname(path));
  } catch (e) {
    await rm(tmp, { force: true });
    throw namePath(e, tmp, path);
  }
}

/** fsync of a directory: makes the renames and creations in it durable. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function syncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A system error about a staging file names the target instead (the user knows that one); one
 * that names no file (write(2) failing with ENOSPC) gets the target too.
 */
function namePath(e: unknown, staging: string, target: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (
    err instanceof Error &&
    typeof err.code === 'string' &&
    typeof err.syscall === 'string' &&
    (err.path === undefined || err.path === staging)
  )
    err.path = target;
  return e;
}

/** writeFileAtomic in synchronous calls, for small files at the end of a run (no event-loop hops). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const tmp = tempSibling(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      if (options.durable ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    if (options.durable ?? true) syncDirectorySync(dirname(path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw namePath(e, tmp, path);
  }
}

/**
 * Runs fn with a fresh staging path beside target (its directory must exist); on success renames
 * the staging path to target, else removes it.
 */
export async function withStagedPath<T>(target: string, fn: (staging: string) => Promise<T>): Promise<T> {
  const staging = tempSibling(target);
  try {
    const result = await fn(staging);
    await rename(staging, target);
    return result;
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw namePath(e, staging, target);
  }
}
