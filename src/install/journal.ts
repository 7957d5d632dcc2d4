/**
 * The layer's write-ahead journal: how a change to a layer survives `kill -9` at any point.
 *
 * A transaction works in DIR/.yumda/txn/: packages are extracted into txn/stage/, then the full
 * list of operations is written to txn/journal.json (atomically, fsynced) before the layer is
 * touched. Commit moves each replaced or removed file into txn/backup/, each staged entry into
 * place, and finally renames the new manifest over DIR/.yumda/installed.json: that rename is the
 * commit point. The journal records the new manifest's sha256, so whoever finds a txn/ directory
 * later (the next yumda run on that layer, under its lock) knows which side of the commit point
 * the interrupted run was on:
 *   - no journal: the layer was never touched: drop txn/;
 *   - the manifest on disk is the journal's: committed: finish the clean-up (roll forward);
 *   - otherwise: undo every operation that happened, newest first (roll back).
 * Every step is idempotent, so a recovery that is itself killed is simply run again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod/v3';
import { YumdaError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fs.js';
import { hashBytes } from '../util/hash.js';
import { LayerPaths, STATE_DIR, lstatOrNull } from './layer-path.js';

export const TXN_DIR = 'txn';

/** A directory the transaction creates. */
export interface MkdirOp {
  kind: 'mkdir';
  path: string;
  mode: number;
}
/** A staged entry moved into place; what was there is kept in `backup` until the commit. */
export interface PutOp {
  kind: 'put';
  path: string;
  staged: string;
  backup: string | null;
}
/** A file or symlink removed (moved to `backup` until the commit). */
export interface DeleteOp {
  kind: 'delete';
  path: string;
  backup: string;
}
export type JournalOp = MkdirOp | PutOp | DeleteOp;

export interface Journal {
  format: 1;
  /** sha256 of the manifest this transaction commits. */
  manifestSha256: string;
  ops: JournalOp[];
  /** Directories to remove after the commit when empty (deepest first). */
  emptyDirs: string[];
}

const journalSchema = z.object({
  format: z.literal(1),
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  ops: z.array(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('mkdir'), path: z.string(), mode: z.number() }),
      z.object({ kind: z.literal('put'), path: z.string(), staged: z.string(), backup: z.string().nullable() }),
      z.object({ kind: z.literal('delete'), path: z.string(), backup: z.string() }),
    ]),
  ),
  emptyDirs: z.array(z.string()),
});

export function txnDir(layer: string): string {
  return join(layer, STATE_DIR, TXN_DIR);
}

/**
 * Names inside txn/ come from the journal, which yumda wrote: still, never leave txn/. A staged
 * entry keeps its package's file name, which may hold any character but "/" and NUL (c++, @, a
 * space): the shape is checked, not the characters. Every directory on the way below txn/ must
 * be a real one: a txn/backup or stage folder replaced by a symlink would move files from (or
 * into) wherever it points.
 */
function txnPaths(layer: string): (rel: string) => string {
  const root = txnDir(layer);
  const realDirs = new Set<string>();
  return (rel) => {
    const parts = rel.split('/');
    const shape =
      parts[0] === 'stage'
        ? parts.length >= 3 && /^\d+$/.test(parts[1]!)
        : parts[0] === 'backup' && parts.length === 2 && /^\d+$/.test(parts[1]!);
    if (!shape || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new YumdaError(
        'JOURNAL_INVALID',
        `${root}/journal.json names "${rel}", which is not inside the transaction directory`,
      );
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      if (realDirs.has(dir)) continue;
      const st = lstatOrNull(dir);
      if (!st) break;
      if (!st.isDirectory()) throw notYumdas(dir, st.isSymbolicLink());
      realDirs.add(dir);
    }
    return join(root, rel);
  };
}

function notYumdas(path: string, symlink: boolean): YumdaError {
  return new YumdaError(
    'LAYER_UNSAFE_PATH',
    `${path} is ${symlink ? 'a symlink' : 'not a directory'}: yumda did not make it, and nothing is moved through it`,
    {
      hint: `the layer's transaction directory was tampered with: remove ${path.slice(0, path.indexOf('/txn') + 4)} by hand, then check the layer (yumda check)`,
    },
  );
}

function manifestSha(layer: string): string | null {
  try {
    return hashBytes(readFileSync(join(layer, STATE_DIR, 'installed.json')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Moves `from` to `to` when `from` exists; true when it moved. */
function moveIfPresent(from: string, to: string): boolean {
  if (!lstatOrNull(from)) return false;
  renameSync(from, to);
  return true;
}

/**
 * Crash points for the tests (kill -9 at a chosen step): YUMDA_TEST_CRASH=ops:N dies after N
 * operations, =committed after the commit point, before the clean-up, =recovery:N after N steps
 * of a roll-back; =fail:N fails after N operations as a full disk would (ENOSPC).
 */
function crashPoint(): { afterOps: number; afterCommit: boolean; failAfterOps: number; recoverySteps: number } | null {
  const spec = process.env['YUMDA_TEST_CRASH'];
  if (!spec) return null;
  const n = (name: string): number => {
    const m = new RegExp(`^${name}:(\\d+)$`).exec(spec);
    return m ? Number(m[1]) : Infinity;
  };
  return {
    afterOps: n('ops'),
    afterCommit: spec === 'committed',
    failAfterOps: n('fail'),
    recoverySteps: n('recovery'),
  };
}

function crash(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function simulatedDiskFull(path: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, rename '${path}'`), {
    code: 'ENOSPC',
    errno: -28,
    syscall: 'rename',
    path,
  });
}

/** Applies the journal's operations to the layer, then commits the manifest. */
export function commitJournal(layer: string, journal: Journal, manifestText: string, paths: LayerPaths): void {
  const crashAt = crashPoint();
  const inTxn = txnPaths(layer);
  writeFileAtomicSync(join(txnDir(layer), 'journal.json'), JSON.stringify(journal) + '\n');
  mkdirSync(join(txnDir(layer), 'backup'), { recursive: true });
  let done = 0;
  for (const op of journal.ops) {
    if (crashAt && done === crashAt.afterOps) crash();
    const target = paths.resolve(op.path, 'transaction');
    if (crashAt && done === crashAt.failAfterOps) throw simulatedDiskFull(target);
    done++;
    if (op.kind === 'mkdir') {
      mkdirSync(target, 0o700);
      paths.created(op.path);
    } else if (op.kind === 'put') {
      if (op.backup) moveIfPresent(target, inTxn(op.backup));
      renameSync(inTxn(op.staged), target);
    } else {
      moveIfPresent(target, inTxn(op.backup));
    }
  }
  // mkdir's mode is cut by the umask, and a read-only mode would have stopped the moves into it:
  // the package's modes are set last
  for (const op of journal.ops) if (op.kind === 'mkdir') chmodSync(join(layer, op.path), op.mode);
  // the commit point
  writeFileAtomicSync(join(layer, STATE_DIR, 'installed.json'), manifestText);
  if (crashAt?.afterCommit) crash();
  finishCommitted(layer, journal, paths);
}

function finishCommitted(layer: string, journal: Journal, paths: LayerPaths): void {
  for (const dir of journal.emptyDirs) {
    try {
      rmdirSync(paths.resolve(dir, 'transaction'));
      paths.forget(dir);
    } catch {
      // not empty, gone, or no longer safe to touch: keep it
    }
  }
  rmSync(txnDir(layer), { recursive: true, force: true });
}

function rollBack(layer: string, journal: Journal, paths: LayerPaths): void {
  const crashAt = crashPoint();
  const inTxn = txnPaths(layer);
  let steps = 0;
  for (const op of [...journal.ops].reverse()) {
    if (crashAt && steps++ === crashAt.recoverySteps) crash();
    const target = paths.resolve(op.path, 'recovery');
    if (op.kind === 'mkdir') {
      try {
        rmdirSync(target);
        paths.forget(op.path);
      } catch {
        // not created, or holds something that is not ours: keep it
      }
    } else if (op.kind === 'put') {
      // each step is the exact inverse of the commit's, so a roll-back killed half way leaves a
      // state the next roll-back reads right: the new entry goes back to stage/ (never just
      // deleted: a restored backup in its place would then look like it, and be deleted)
      const staged = inTxn(op.staged);
      if (!lstatOrNull(staged) && lstatOrNull(target)) {
        mkdirSync(dirname(staged), { recursive: true });
        renameSync(target, staged);
      }
      if (op.backup) moveIfPresent(inTxn(op.backup), target);
    } else {
      moveIfPresent(inTxn(op.backup), target);
    }
  }
  rmSync(txnDir(layer), { recursive: true, force: true });
}

export type RecoveryOutcome = 'none' | 'discarded' | 'rolled-back' | 'completed';

/**
 * Finds an interrupted transaction in the layer and completes or undoes it. The caller holds the
 * layer lock.
 */
export function recoverLayer(layer: string): RecoveryOutcome {
  const dir = txnDir(layer);
  const st = lstatOrNull(dir);
  if (!st) return 'none';
  if (!st.isDirectory()) throw notYumdas(dir, st.isSymbolicLink());
  const journalPath = join(dir, 'journal.json');
  if (!existsSync(journalPath)) {
    rmSync(dir, { recursive: true, force: true });
    return 'discarded';
  }
  let journal: Journal;
  try {
    journal = journalSchema.parse(JSON.parse(readFileSync(journalPath, 'utf8')));
  } catch (e) {
    throw new YumdaError(
      'JOURNAL_INVALID',
      `${journalPath} cannot be read (${(e as Error).message.split('\n')[0]}): the layer's last change cannot be completed or undone`,
      {
        hint: 'reinstall into a fresh directory; the layer may not match its manifest',
      },
    );
  }
  const paths = new LayerPaths(layer);
  if (manifestSha(layer) === journal.manifestSha256) {
    finishCommitted(layer, journal, paths);
    return 'completed';
  }
  rollBack(layer, journal, paths);
  return 'rolled-back';
}
