/**
 * `yumda repo publish`: plan (pure, see plan.ts) then execute phase by phase. Within a phase steps
 * run in parallel (p-limit); a phase starts only when the previous one finished, and the first
 * failure stops everything before repomd.xml is switched, so the live repository is never broken.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { YumdaError } from '../util/errors.js';
import { attachPath } from '../util/system-errors.js';
import { BOOKKEEPING_PREFIX, conflictError, type Destination } from './destination.js';
import {
  announceDeletion,
  comparePresence,
  leaseHolds,
  LEASE_MS,
  waitForDeleters,
  withdrawDeletion,
  type DeletionMarker,
} from './guard.js';
import { FileDestination } from './file-destination.js';
import { cacheControlFor, contentTypeFor } from './headers.js';
import { readLocalRepo } from './local.js';
import { openDestination } from './open-destination.js';
import {
  needsChecksumLookup,
  planPublish,
  REPOMD_PATH,
  SIGNATURE_PATH,
  summarizePlan,
  type PlanSummary,
} from './plan.js';
import { filesNamedByRepomd } from './repomd-files.js';
import { PHASES, type LocalFile, type LocalRepo, type PlanStep, type PublishPlan, type RemoteState } from './types.js';

export interface PublishOptions {
  /** Remove packages no longer in DIR (after the switch) and metadata older than the previous generation. */
  delete?: boolean;
  /** Plan only: read both sides, change nothing. */
  dryRun?: boolean;
  /** Parallel transfers (default 8). */
  concurrency?: number;
  /** S3-compatible endpoint (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / Amazon S3). */
  endpoint?: string;
  /** Multipart upload above this size (bytes, default 64 MiB) and its part size (default 16 MiB). */
  multipartThreshold?: number;
  partSize?: number;
  /** Called once planned and after every finished step; an exception thrown here aborts the publish. */
  onProgress?: (event: PublishEvent) => void;
  /** Awaited between planning and the first write (a confirmation prompt; tests use it to line up publishers). */
  beforeExecute?: (plan: PublishPlan) => Promise<void>;
  /** Awaited at points where other publishers can interleave (tests use it to force interleavings). */
  pause?: (at: PausePoint, info: { paths: string[] }) => Promise<void>;
  /** How long a deletion marker holds (default guard.LEASE_MS); tests shorten it. */
  deleteLeaseMs?: number;
  signal?: AbortSignal;
}

/**
 * before-switch: the presence check is done, repomd.xml not yet written; after-switch: repomd.xml
 * was written; before-delete-batch: repomd.xml was re-read and is still ours, the batch not yet
 * deleted; before-verify: about to wait for deleters and check presence after the switch.
 */
export type PausePoint = 'before-switch' | 'after-switch' | 'before-delete-batch' | 'before-verify';

export type PublishEvent =
  | { type: 'planned'; plan: PublishPlan; summary: PlanSummary }
  | { type: 'step'; step: PlanStep; done: number; total: number }
  | { type: 'note'; message: string };

export interface PublishResult {
  source: string;
  destination: string;
  dryRun: boolean;
  plan: PublishPlan;
  summary: PlanSummary;
  /** Steps actually carried out (all of plan.steps unless dry-run). */
  done: number;
  /** Whether the live repomd.xml now is DIR's. */
  switched: boolean;
  /** Files found missing at DEST (removed by a concurrent --delete) and uploaded again, before or after the switch. */
  restored: string[];
  /** Planned deletions left undone because another publisher switched repomd.xml meanwhile (the next --delete does them). */
  deletionsLeft: string[];
}

async function readRemoteState(dest: Destination, local: LocalRepo, concurrency: number): Promise<RemoteState> {
  // repomd.xml first, then the listing: a switch in between makes the commit fail rather than
  // pruning files of a generation this plan never saw
  const live = await dest.readSmall(REPOMD_PATH);
  let referenced: string[] = [];
  if (live) {
    try {
      referenced = filesNamedByRepomd(live.body.toString('utf8'), `${dest.url}${REPOMD_PATH}`).map((f) => f.path);
    } catch {
      referenced = []; // an unreadable live repomd.xml names nothing worth keeping
    }
  }
  const objects = (await dest.list()).filter((o) => !o.path.startsWith(BOOKKEEPING_PREFIX));
  const limit = pLimit(concurrency);
  await Promise.all(
    needsChecksumLookup(local, objects).map((o) =>
      limit(async () => {
        o.sha256 = await dest.lookupSha256(o);
      }),
    ),
  );
  return { objects, repomd: live ? { etag: live.etag, referenced } : undefined };
}

/**
 * Publishes DIR to DEST, or, when DIR has the RPMS/ + SRPMS/ layout that `yumda repo index` writes
 * (each its own repository, no DIR/repodata), each of them to DEST/RPMS and DEST/SRPMS, one after
 * the other.
 */
export async function publishRepositories(
  dir: string,
  destUrl: string,
  options: PublishOptions = {},
): Promise<PublishResult[]> {
  if (!existsSync(join(dir, REPOMD_PATH))) {
    const parts = ['RPMS', 'SRPMS'].filter((name) => existsSync(join(dir, name, REPOMD_PATH)));
    if (parts.length > 0) {
      const results: PublishResult[] = [];
      for (const name of parts)
        results.push(await publishRepository(join(dir, name), `${destUrl.replace(/\/+$/, '')}/${name}`, options));
      return results;
    }
  }
  return [await publishRepository(dir, destUrl, options)];
}

export async function publishRepository(
  dir: string,
  destUrl: string,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const dest = openDestination(destUrl, {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.multipartThreshold ? { multipartThreshold: options.multipartThreshold } : {}),
    ...(options.partSize ? { partSize: options.partSize } : {}),
  });
  try {
    if (dest instanceof FileDestination && !options.dryRun) await dest.lock();
    const local = await readLocalRepo(dir, { concurrency });
    const remote = await readRemoteState(dest, local, concurrency);
    const plan = planPublish(local, remote, { delete: options.delete ?? false });
    const summary = summarizePlan(plan);
    options.onProgress?.({ type: 'planned', plan, summary });
    const result: PublishResult = {
      source: dir,
      destination: dest.url,
      dryRun: options.dryRun ?? false,
      plan,
      summary,
      done: 0,
      switched: !plan.switchesGeneration,
      restored: [],
      deletionsLeft: [],
    };
    if (options.dryRun) return result;
    await options.beforeExecute?.(plan);
    result.done = await execute(plan, local, dest, concurrency, options, result);
    return result;
  } catch (e) {
    // a full disk at a directory destination: name it (write(2) errors name no file)
    throw dest instanceof FileDestination ? attachPath(e, dest.root) : e;
  } finally {
    await dest.close();
  }
}

async function execute(
  plan: PublishPlan,
  local: LocalRepo,
  dest: Destination,
  concurrency: number,
  options: PublishOptions,
  result: PublishResult,
): Promise<number> {
  const files = new Map(local.files.map((f) => [f.path, f]));
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const limit = pLimit(concurrency);
  const total = plan.steps.length;
  const leaseMs = options.deleteLeaseMs ?? LEASE_MS;
  const ownRepomd = await readFile(local.repomd.absPath);
  const isOursLive = async (): Promise<boolean> => {
    const live = await dest.readSmall(REPOMD_PATH);
    return live !== undefined && live.body.equals(ownRepomd);
  };
  let done = 0;
  let firstError: unknown;
  let marker: DeletionMarker | undefined;
  let stopDeleting = false;

  const upload = async (step: Extract<PlanStep, { action: 'upload' | 'commit' }>): Promise<void> => {
    const file = files.get(step.path)!;
    const outcome = await dest.put(file, {
      condition: step.condition,
      contentType: contentTypeFor(file.path),
      cacheControl: cacheControlFor(file.path, file.role),
      signal,
    });
    if (outcome === 'conflict') {
      if (step.phase === 'signature') await resolveSignatureConflict(dest, local, file, signal, options);
      else throw conflictError(dest.url, step.path);
    }
    if (step.action === 'commit') result.switched = true;
  };
  const finished = (step: PlanStep): void => {
    done++;
    options.onProgress?.({ type: 'step', step, done, total });
  };
  const runAll = async (steps: PlanStep[], run: (step: PlanStep) => Promise<void>): Promise<void> => {
    await Promise.all(
      steps.map((step) =>
        limit(async () => {
          if (firstError !== undefined || signal.aborted) return;
          try {
            await run(step);
          } catch (e) {
            if (firstError === undefined) firstError = e;
            controller.abort();
          }
        }),
      ),
    );
    if (firstError !== undefined) throw firstError;
    if (signal.aborted)
      throw new YumdaError(
        'ABORTED',
        'publish aborted; the previously published repository is unchanged unless repomd.xml was already switched',
      );
  };

  /** Deletions in batches, each only while the live repomd.xml is still ours (guard.ts, rule 2). */
  const deleteGuarded = async (steps: PlanStep[]): Promise<void> => {
    const batchSize = Math.max(16, concurrency * 4);
    for (let i = 0; i < steps.length; i += batchSize) {
      const batch = steps.slice(i, i + batchSize);
      if (stopDeleting) {
        result.deletionsLeft.push(...batch.map((s) => s.path));
        continue;
      }
      marker ??= await announceDeletion(dest, leaseMs);
      if (!leaseHolds(marker) || !(await isOursLive())) {
        stopDeleting = true;
        result.deletionsLeft.push(...batch.map((s) => s.path));
        options.onProgress?.({
          type: 'note',
          message: `${REPOMD_PATH} was replaced by another publisher (or this publish ran too long): the remaining deletions are left for the next --delete`,
        });
        continue;
      }
      await options.pause?.('before-delete-batch', { paths: batch.map((s) => s.path) });
      await runAll(batch, async (step) => {
        await dest.delete(step.path);
        finished(step);
      });
    }
  };

  try {
    for (const phase of PHASES) {
      const steps = plan.steps.filter((s) => s.phase === phase);
      if (phase === 'commit' && steps.length > 0) {
        // rule 3, before the switch: every file of the new generation is there (a concurrent
        // --delete may have removed one this plan counted as unchanged)
        await ensurePresent(dest, local, concurrency, signal, options, result, { afterSwitch: false });
        await options.pause?.('before-switch', { paths: [REPOMD_PATH] });
      }
      const uploads = steps.filter(
        (s): s is Extract<PlanStep, { action: 'upload' | 'commit' }> => s.action !== 'delete',
      );
      await runAll(uploads, async (step) => {
        await upload(step as Extract<PlanStep, { action: 'upload' | 'commit' }>);
        finished(step);
      });
      if (phase === 'commit' && steps.length > 0) await options.pause?.('after-switch', { paths: [REPOMD_PATH] });
      await deleteGuarded(steps.filter((s) => s.action === 'delete'));
    }
  } finally {
    if (marker) await withdrawDeletion(dest, marker).catch(() => undefined);
  }
  // rule 3, after the switch (or with repomd.xml already current): once no deleter is at work,
  // every file this repository needs is at DEST
  await options.pause?.('before-verify', { paths: [] });
  await waitForDeleters(dest, {
    leaseMs,
    signal,
    onWait: (markers) =>
      options.onProgress?.({
        type: 'note',
        message: `waiting for ${markers.length} concurrent --delete publish(es) to finish before checking the published files`,
      }),
    onStale: (m) =>
      options.onProgress?.({
        type: 'note',
        message: `removed a stale deletion marker ${m.path} (left by a publish that stopped)`,
      }),
  });
  if (await isOursLive()) await ensurePresent(dest, local, concurrency, signal, options, result, { afterSwitch: true });
  return done;
}

/**
 * Lists DEST and uploads (create-only) every file of the local repository that is missing. A file
 * present with other content fails the publish: another publisher replaced it. After the switch,
 * nothing is restored once another publisher's repomd.xml is live (that generation is theirs).
 */
async function ensurePresent(
  dest: Destination,
  local: LocalRepo,
  concurrency: number,
  signal: AbortSignal,
  options: PublishOptions,
  result: PublishResult,
  { afterSwitch }: { afterSwitch: boolean },
): Promise<void> {
  const limit = pLimit(concurrency);
  for (let round = 0; round < 3; round++) {
    // the signature belongs to the generation it signs: it goes up only after the switch
    const report = comparePresence(
      afterSwitch ? local.files : local.files.filter((f) => f.role !== 'signature'),
      await dest.list(),
    );
    const different = report.different.filter((f) => f.role !== 'signature');
    if (different.length > 0) {
      throw new YumdaError(
        'PUBLISH_CONFLICT',
        `another publisher replaced ${dest.url}${different[0]!.path}${afterSwitch ? ' after this publish switched repomd.xml' : ''}; ${afterSwitch ? 'the live repository references content it does not hold' : 'nothing was switched'}`,
        { hint: 'run the publish again: it uploads what differs' },
      );
    }
    if (report.different.some((f) => f.role === 'signature') && local.signature)
      await resolveSignatureConflict(dest, local, local.signature, signal, options);
    if (report.missing.length === 0) return;
    await Promise.all(
      report.missing.map((file) =>
        limit(async () => {
          const outcome = await dest.put(file, {
            condition: { ifNoneMatch: '*' },
            contentType: contentTypeFor(file.path),
            cacheControl: cacheControlFor(file.path, file.role),
            signal,
          });
          if (outcome === 'conflict') throw conflictError(dest.url, file.path);
          result.restored.push(file.path);
          options.onProgress?.({
            type: 'note',
            message: `restored ${file.path}: a concurrent --delete had removed it`,
          });
        }),
      ),
    );
  }
  throw new YumdaError('PUBLISH_CONFLICT', `files of ${dest.url} keep disappearing while this publish restores them`, {
    hint: 'another publisher deletes them: run the publish again once it is done',
  });
}

/**
 * Two publishers that both switched (one after the other) race for the signature. The one whose
 * repomd.xml is live must own it; a publisher whose generation was already replaced leaves it.
 */
async function resolveSignatureConflict(
  dest: Destination,
  local: LocalRepo,
  signature: LocalFile,
  signal: AbortSignal,
  options: PublishOptions,
): Promise<void> {
  const live = await dest.readSmall(REPOMD_PATH);
  if (!live || !live.body.equals(await readFile(local.repomd.absPath))) {
    options.onProgress?.({
      type: 'note',
      message: `a newer publish replaced ${REPOMD_PATH}; leaving ${SIGNATURE_PATH} to it`,
    });
    return;
  }
  const current = await dest.readSmall(SIGNATURE_PATH);
  const condition = current ? { ifMatch: current.etag } : ({ ifNoneMatch: '*' } as const);
  const outcome = await dest.put(signature, {
    condition,
    contentType: contentTypeFor(signature.path),
    cacheControl: cacheControlFor(signature.path, 'signature'),
    signal,
  });
  if (outcome === 'conflict') throw conflictError(dest.url, SIGNATURE_PATH);
}
