/**
 * One writer per layer: DIR/.yumda/lock, created with O_EXCL, holds "pid host start-time command".
 * A lock whose process is gone (kill -9, a crash) is stale and taken over; a lock held by a live
 * process makes the caller wait up to `waitMs`, then fail with "in use by pid N".
 *
 * Taking over a stale lock is itself guarded by an O_EXCL file (lock.takeover), so two processes
 * that find the same stale lock at the same moment cannot both take it. A takeover file left by a
 * process killed in those few microseconds is stale after TAKEOVER_STALE_MS.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ExitCode, YumdaError } from '../util/errors.js';

const TAKEOVER_STALE_MS = 10_000;
const POLL_MS = 100;

export interface LockOwner {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  start: string;
  command: string;
  since: string;
}

export interface LayerLock {
  readonly path: string;
  release(): void;
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function ownerOf(command: string): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    start: processStart(process.pid) ?? '',
    command,
    since: new Date().toISOString(),
  };
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string') {
      return {
        pid: o.pid,
        host: o.host,
        start: String(o.start ?? ''),
        command: String(o.command ?? ''),
        since: String(o.since ?? ''),
      };
    }
  } catch {
    // a lock cut short while being written: treated as unknown
  }
  return null;
}

/** True when the owner is certainly gone: same host, and no process with that pid and start time. */
export function ownerIsGone(owner: LockOwner | null, lockMtimeMs: number, now = Date.now()): boolean {
  if (!owner) return now - lockMtimeMs > TAKEOVER_STALE_MS;
  if (owner.host !== hostname()) return false;
  const start = processStart(owner.pid);
  if (start === null) return true;
  return owner.start !== '' && start !== owner.start;
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): { owner: LockOwner | null; mtimeMs: number } | null {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    return { owner: parseOwner(readFileSync(path, 'utf8')), mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Removes a stale lock, once, under the takeover guard. Returns true when the caller may retry at once. */
function takeOverStale(path: string, seen: string): boolean {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, String(process.pid))) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(guard);
    } catch {
      // gone already
    }
    return false;
  }
  try {
    let current: string;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      return true;
    }
    // still the same stale lock (nobody took it over between our read and the guard)
    if (current === seen) unlinkSync(path);
    return true;
  } finally {
    unlinkSync(guard);
  }
}

function describeOwner(owner: LockOwner | null): string {
  if (!owner) return 'another process';
  const what = owner.command ? ` (yumda ${owner.command}, since ${owner.since})` : '';
  return owner.host === hostname() ? `pid ${owner.pid}${what}` : `pid ${owner.pid} on host ${owner.host}${what}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Locks DIR/.yumda (which must exist). Waits up to waitMs for a live holder; onWait is told once
 * who holds it.
 */
export async function lockLayer(
  yumdaDir: string,
  options: { command: string; waitMs: number; onWait?: (holder: string) => void },
): Promise<LayerLock> {
  const path = join(yumdaDir, 'lock');
  const content = JSON.stringify(ownerOf(options.command)) + '\n';
  const deadline = Date.now() + options.waitMs;
  let told = false;
  for (;;) {
    if (createExclusive(path, content)) {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, 'utf8') === content) unlinkSync(path);
        } catch {
          // already gone (the layer directory was removed): nothing to release
        }
      };
      return { path, release };
    }
    const lock = readLock(path);
    if (!lock) continue;
    if (ownerIsGone(lock.owner, lock.mtimeMs)) {
      let seen = '';
      try {
        seen = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      if (takeOverStale(path, seen)) continue;
    }
    if (Date.now() >= deadline) {
      throw new YumdaError(
        'LAYER_LOCKED',
        `${yumdaDir.replace(/\/\.yumda$/, '')} is in use by ${describeOwner(lock.owner)}`,
        {
          exitCode: ExitCode.failure,
          hint:
            options.waitMs > 0
              ? `waited ${Math.round(options.waitMs / 1000)} s; wait longer with --lock-wait SECONDS, or remove ${path} if no yumda runs there`
              : `try again when it ends (--lock-wait SECONDS waits), or remove ${path} if no yumda runs there`,
        },
      );
    }
    if (!told) {
      options.onWait?.(describeOwner(lock.owner));
      told = true;
    }
    await sleep(POLL_MS);
  }
}
