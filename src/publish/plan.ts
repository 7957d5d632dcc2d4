/**
 * The publish planner: a pure function from (what is in DIR, what is at DEST) to ordered steps.
 * The order keeps the repository consistent for a reader at every instant:
 *   1. packages (new or changed)        — nothing references them yet
 *   2. repodata files repomd.xml names  — checksum-named, so they never replace a live file
 *   3. repomd.xml, conditionally        — the atomic switch to the new generation
 *   4. repomd.xml.asc                   — only once the switch succeeded (a loser must not sign)
 *   5. deletions                        — only after the switch, and never the previous generation
 */
import type {
  LocalFile,
  LocalRepo,
  PlanStep,
  PublishPlan,
  RemoteObject,
  RemoteState,
  WriteCondition,
} from './types.js';

export const REPOMD_PATH = 'repodata/repomd.xml';
export const SIGNATURE_PATH = 'repodata/repomd.xml.asc';

export interface PlanOptions {
  /** Remove packages that are no longer in DIR and metadata older than the previous generation. */
  delete?: boolean;
}

/** Same content: same size and the same sha256 (when the store knows it) or MD5 (single-part ETag). */
export function sameContent(local: LocalFile, remote: RemoteObject | undefined): boolean {
  if (!remote || remote.size !== local.size) return false;
  if (remote.sha256) return remote.sha256 === local.sha256;
  if (remote.md5) return remote.md5 === local.md5;
  return false;
}

/** The remote objects whose checksum must be looked up before planning (size matches, no checksum known). */
export function needsChecksumLookup(local: LocalRepo, remote: readonly RemoteObject[]): RemoteObject[] {
  const bySize = new Map(local.files.map((f) => [f.path, f.size]));
  return remote.filter((r) => !r.sha256 && !r.md5 && bySize.get(r.path) === r.size);
}

function writeCondition(remote: RemoteObject | undefined): WriteCondition {
  return remote?.etag ? { ifMatch: remote.etag } : { ifNoneMatch: '*' };
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export function planPublish(local: LocalRepo, remote: RemoteState, options: PlanOptions = {}): PublishPlan {
  const remoteByPath = new Map(remote.objects.map((o) => [o.path, o]));
  const unchanged: string[] = [];
  const uploads: PlanStep[] = [];

  const consider = (file: LocalFile, phase: 'packages' | 'metadata' | 'signature'): void => {
    const existing = remoteByPath.get(file.path);
    if (sameContent(file, existing)) {
      unchanged.push(file.path);
      return;
    }
    uploads.push({
      phase,
      action: 'upload',
      path: file.path,
      size: file.size,
      reason: existing ? 'changed' : 'new',
      condition: writeCondition(existing),
    });
  };
  for (const file of [...local.files].sort(byPath)) {
    if (file.role === 'package') consider(file, 'packages');
    else if (file.role === 'metadata') consider(file, 'metadata');
  }

  const steps: PlanStep[] = [...uploads];
  const liveRepomd = remoteByPath.get(REPOMD_PATH);
  const switchesGeneration = !sameContent(local.repomd, liveRepomd);
  if (switchesGeneration) {
    // the condition is the repomd.xml this plan was made against (read before listing): if another
    // publisher switched since, the commit fails instead of discarding their generation
    const condition: WriteCondition = remote.repomd ? { ifMatch: remote.repomd.etag } : { ifNoneMatch: '*' };
    steps.push({
      phase: 'commit',
      action: 'commit',
      path: REPOMD_PATH,
      size: local.repomd.size,
      reason: liveRepomd ? 'changed' : 'new',
      condition,
    });
  } else {
    unchanged.push(REPOMD_PATH);
  }

  const liveSignature = remoteByPath.get(SIGNATURE_PATH);
  if (local.signature) {
    if (switchesGeneration || !sameContent(local.signature, liveSignature)) {
      steps.push({
        phase: 'signature',
        action: 'upload',
        path: SIGNATURE_PATH,
        size: local.signature.size,
        reason: liveSignature ? 'changed' : 'new',
        condition: writeCondition(liveSignature),
      });
    } else {
      unchanged.push(SIGNATURE_PATH);
    }
  } else if (liveSignature && switchesGeneration) {
    // an old signature would not match the new repomd.xml
    steps.push({ phase: 'signature', action: 'delete', path: SIGNATURE_PATH, reason: 'stale-signature' });
  }

  const newGeneration = new Set(local.referenced);
  const previousGeneration = new Set(switchesGeneration ? (remote.repomd?.referenced ?? []) : []);
  const keptPreviousGeneration = [...previousGeneration]
    .filter((p) => !newGeneration.has(p) && remoteByPath.has(p))
    .sort();
  if (options.delete) {
    const localPaths = new Set(local.files.map((f) => f.path));
    for (const object of [...remote.objects].sort(byPath)) {
      const path = object.path;
      if (path === REPOMD_PATH || path === SIGNATURE_PATH || localPaths.has(path)) continue;
      if (path.startsWith('repodata/')) {
        if (newGeneration.has(path) || previousGeneration.has(path)) continue;
        // when repomd.xml does not change, the live generation is the new one; its predecessor
        // was kept by the publish that switched to it, and goes now
        steps.push({ phase: 'cleanup', action: 'delete', path, reason: 'old-metadata' });
      } else {
        steps.push({ phase: 'cleanup', action: 'delete', path, reason: 'removed-package' });
      }
    }
  }
  return { steps, unchanged: unchanged.sort(), keptPreviousGeneration, switchesGeneration };
}

export interface PlanSummary {
  uploads: number;
  uploadBytes: number;
  deletes: number;
  unchanged: number;
  switchesGeneration: boolean;
}

export function summarizePlan(plan: PublishPlan): PlanSummary {
  let uploads = 0;
  let uploadBytes = 0;
  let deletes = 0;
  for (const s of plan.steps) {
    if (s.action === 'delete') deletes++;
    else {
      uploads++;
      uploadBytes += s.size;
    }
  }
  return {
    uploads,
    uploadBytes,
    deletes,
    unchanged: plan.unchanged.length,
    switchesGeneration: plan.switchesGeneration,
  };
}
