/**
 * What keeps a published repository whole when publishers run at once and some of them delete
 * (`--delete`). S3 has no transactions, so the guarantee is built from three rules:
 *
 *  1. A deleter announces itself before its first deletion: it creates a marker object
 *     `.yumda/deleting/<id>` (a lease of LEASE_MS), and removes it when done.
 *  2. A deleter deletes in batches, and before each batch re-reads repomd.xml: it goes on only
 *     while the live repomd.xml is still its own (byte for byte), so it never deletes anything the
 *     live repomd.xml references (its own generation is never a candidate). Once another
 *     publisher has switched, the rest is left for the next `--delete`.
 *  3. Every publisher checks, with one listing, that every file of its repository is at DEST
 *     (uploading what is missing) right before its conditional switch, and again after it: then it
 *     first waits until no live deletion marker is left, lists again, and restores whatever a
 *     deleter removed — as long as its repomd.xml is still the live one.
 *
 * Why that is enough: a deletion that removes a file B's new repomd.xml needs was decided by a
 * deleter A that re-read repomd.xml before B switched (rule 2). A's marker was created before that
 * re-read, so it already existed when B switched; B's post-switch wait (rule 3) therefore lasts
 * until A removed its marker — after A's last deletion — and B's listing that follows sees the
 * hole and fills it. So when every publisher exits 0, every file the live repomd.xml references,
 * and every package its primary metadata lists, is present. In the worst interleaving a client may
 * see a file missing for the duration of that wait (never longer than A's deletions); a publisher
 * that cannot restore a file exits non-zero. A marker older than its lease (a deleter killed with
 * -9) is ignored and removed; a deleter stops deleting a margin before its own lease ends, so a
 * lease is only mistaken for stale if clocks differ by more than that margin.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { BOOKKEEPING_PREFIX, type Destination } from './destination.js';
import type { LocalFile, RemoteObject } from './types.js';

export const MARKER_PREFIX = `${BOOKKEEPING_PREFIX}deleting/`;
/** How long a deletion marker holds. */
export const LEASE_MS = 10 * 60 * 1000;
/** A deleter stops this long before its lease ends (request timeouts, clock differences). */
const LEASE_MARGIN_MS = 2 * 60 * 1000;

export interface DeletionMarker {
  path: string;
  /** performance.now() just before the marker was written: the lease is counted from there. */
  startedAt: number;
  leaseMs: number;
}

export async function announceDeletion(dest: Destination, leaseMs = LEASE_MS): Promise<DeletionMarker> {
  const id = `${new Date().toISOString().replace(/[:.]/g, '')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const path = `${MARKER_PREFIX}${id}.json`;
  const startedAt = performance.now();
  const body = Buffer.from(
    JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), leaseMs }) + '\n',
  );
  // the name is unique; a conflict would mean another publisher picked the same random id
  if ((await dest.create(path, body)) === 'conflict') throw new Error(`deletion marker ${path} already exists`);
  return { path, startedAt, leaseMs };
}

/** Whether the deleter may still issue deletions under its marker. */
export function leaseHolds(marker: DeletionMarker, margin = LEASE_MARGIN_MS): boolean {
  return performance.now() - marker.startedAt < Math.max(0, marker.leaseMs - Math.min(margin, marker.leaseMs / 2));
}

export async function withdrawDeletion(dest: Destination, marker: DeletionMarker): Promise<void> {
  await dest.delete(marker.path);
}

export interface WaitOptions {
  leaseMs?: number;
  signal?: AbortSignal;
  /** Told once when there is something to wait for. */
  onWait?: (markers: RemoteObject[]) => void;
  /** Told about each marker found stale (and removed). */
  onStale?: (marker: RemoteObject) => void;
}

/** Waits until no live deletion marker is left at DEST; stale ones (older than their lease) are removed. */
export async function waitForDeleters(dest: Destination, options: WaitOptions = {}): Promise<number> {
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const firstSeen = new Map<string, number>();
  let told = false;
  let waitedMs = 0;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const markers = await dest.list(MARKER_PREFIX);
    const now = Date.now();
    const live: RemoteObject[] = [];
    for (const m of markers) {
      const key = `${m.path}\0${m.etag ?? ''}`;
      if (!firstSeen.has(key)) firstSeen.set(key, performance.now());
      // age by the store's clock when it tells it, else by how long this process has seen it
      const age = m.modified ? now - m.modified.getTime() : performance.now() - firstSeen.get(key)!;
      if (age > leaseMs) {
        options.onStale?.(m);
        await dest.delete(m.path);
      } else live.push(m);
    }
    if (live.length === 0) return waitedMs;
    if (!told) options.onWait?.(live);
    told = true;
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    await new Promise((r) => setTimeout(r, delay));
    waitedMs += delay;
  }
}

export interface PresenceReport {
  /** Local files not at DEST. */
  missing: LocalFile[];
  /** Local files at DEST with another size or MD5. */
  different: LocalFile[];
}

/** Compares the repository's files (repomd.xml aside) with a listing of DEST. */
export function comparePresence(files: readonly LocalFile[], objects: readonly RemoteObject[]): PresenceReport {
  const byPath = new Map(objects.map((o) => [o.path, o]));
  const missing: LocalFile[] = [];
  const different: LocalFile[] = [];
  for (const f of files) {
    if (f.role === 'repomd') continue;
    const o = byPath.get(f.path);
    if (!o) missing.push(f);
    else if (o.size !== f.size || (o.md5 !== undefined && o.md5 !== f.md5)) different.push(f);
  }
  return { missing, different };
}
