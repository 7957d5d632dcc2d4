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
import { conflictError, type Destination } from './destination.js';
import { FileDestination } from './file-destination.js';
import { cacheControlFor, contentTypeFor } from './headers.js';
import { readLocalRepo } from './local.js';
import { openDestination } from './open-destination.js';
import { needsChecksumLookup, planPublish, REPOMD_PATH, SIGNATURE_PATH, summarizePlan, type PlanSummary } from './plan.js';
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
  signal?: AbortSignal;
}

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
  const objects = await dest.list();
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
export async function publishRepositories(dir: string, destUrl: string, options: PublishOptions = {}): Promise<PublishResult[]> {
  if (!existsSync(join(dir, REPOMD_PATH))) {
    const parts = ['RPMS', 'SRPMS'].filter((name) => existsSync(join(dir, name, REPOMD_PATH)));
    if (parts.length > 0) {
      const results: PublishResult[] = [];
      for (const name of parts) results.push(await publishRepository(join(dir, name), `${destUrl.replace(/\/+$/, '')}/${name}`, options));
      return results;
    }
  }
  return [await publishRepository(dir, destUrl, options)];
}

export async function publishRepository(dir: string, destUrl: string, options: PublishOptions = {}): Promise<PublishResult> {
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
    const result: PublishResult = { source: dir, destination: dest.url, dryRun: options.dryRun ?? false, plan, summary, done: 0, switched: !plan.switchesGeneration };
    if (options.dryRun) return result;
    await options.beforeExecute?.(plan);
    result.done = await execute(plan, local, dest, concurrency, options, () => {
      result.switched = true;
    });
    return result;
  } finally {
    await dest.close();
  }
}

async function execute(plan: PublishPlan, local: LocalRepo, dest: Destination, concurrency: number, options: PublishOptions, onSwitched: () => void): Promise<number> {
  const files = new Map(local.files.map((f) => [f.path, f]));
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const limit = pLimit(concurrency);
  const total = plan.steps.length;
  let done = 0;
  let firstError: unknown;

  const runStep = async (step: PlanStep): Promise<void> => {
    if (step.action === 'delete') {
      await dest.delete(step.path);
    } else {
      const file = files.get(step.path)!;
      const outcome = await dest.put(file, { condition: step.condition, contentType: contentTypeFor(file.path), cacheControl: cacheControlFor(file.path, file.role), signal });
      if (outcome === 'conflict') {
        if (step.phase === 'signature') await resolveSignatureConflict(dest, local, file, signal, options);
        else throw conflictError(dest.url, step.path);
      }
      if (step.action === 'commit') onSwitched();
    }
    done++;
    options.onProgress?.({ type: 'step', step, done, total });
  };

  for (const phase of PHASES) {
    const steps = plan.steps.filter((s) => s.phase === phase);
    await Promise.all(
      steps.map((step) =>
        limit(async () => {
          if (firstError !== undefined || signal.aborted) return;
          try {
            await runStep(step);
          } catch (e) {
            if (firstError === undefined) firstError = e;
            controller.abort();
          }
        }),
      ),
    );
    if (firstError !== undefined) throw firstError;
    if (signal.aborted) throw new YumdaError('ABORTED', 'publish aborted; the previously published repository is unchanged unless repomd.xml was already switched');
  }
  return done;
}

/**
 * Two publishers that both switched (one after the other) race for the signature. The one whose
 * repomd.xml is live must own it; a publisher whose generation was already replaced leaves it.
 */
async function resolveSignatureConflict(dest: Destination, local: LocalRepo, signature: LocalFile, signal: AbortSignal, options: PublishOptions): Promise<void> {
  const live = await dest.readSmall(REPOMD_PATH);
  if (!live || !live.body.equals(await readFile(local.repomd.absPath))) {
    options.onProgress?.({ type: 'note', message: `a newer publish replaced ${REPOMD_PATH}; leaving ${SIGNATURE_PATH} to it` });
    return;
  }
  const current = await dest.readSmall(SIGNATURE_PATH);
  const condition = current ? { ifMatch: current.etag } : ({ ifNoneMatch: '*' } as const);
  const outcome = await dest.put(signature, { condition, contentType: contentTypeFor(signature.path), cacheControl: cacheControlFor(signature.path, 'signature'), signal });
  if (outcome === 'conflict') throw conflictError(dest.url, SIGNATURE_PATH);
}
