/**
 * A layer directory opened for change: the one owner of an install, update or remove.
 *
 *   openLayer(dir)         lock DIR (.yumda/lock), finish or undo an interrupted transaction
 *                          (journal.ts), read the manifest once
 *   layer.install(plan)    stage (stage.ts: download, check, extract into .yumda/txn/stage),
 *                          conflicts (conflicts.ts, pure), plan every file operation against the
 *                          layer as it is (no write through a symlink: layer-path.ts), then commit
 *                          through the journal
 *   layer.remove(names)    the same commit, with delete operations only
 *   layer.close()          release the lock
 *
 * Whatever happens, including kill -9, the layer matches its manifest once the next run opened it.
 */
import { existsSync, mkdirSync, rmdirSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { depToString, nevra, type PoolPackage } from '../resolve/package.js';
import type { ResolvePlan } from '../resolve/resolve.js';
import { depMatches } from '../rpm/version.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { hashBytes } from '../util/hash.js';
import { findFileConflicts, type Owner } from './conflicts.js';
import { commitJournal, recoverLayer, txnDir, type Journal, type JournalOp, type RecoveryOutcome } from './journal.js';
import { lockLayer, type LayerLock } from './layer-lock.js';
import { LayerPaths, STATE_DIR, lstatOrNull } from './layer-path.js';
import {
  manifestToPool,
  readManifest,
  serializeManifest,
  type Manifest,
  type ManifestFile,
  type ManifestPackage,
} from './manifest.js';
import { stagePackages, type StageOptions, type StagedPackage } from './stage.js';

export interface OpenOptions {
  /** The command, for "in use by pid N (yumda install …)". */
  command: string;
  /** How long to wait for another yumda working on the same layer (default 0: fail at once). */
  lockWaitMs?: number;
  /** Create DIR when missing (install). */
  create?: boolean;
  onNote?: (message: string) => void;
}

export interface InstallResult {
  installed: ManifestPackage[];
  /** name-version-release.arch of packages replaced (upgraded or obsoleted). */
  removed: string[];
  /** Names of installed packages that a new version replaced (upgrades). */
  replacedNames: string[];
  /** Files left out because they live outside the layer prefix (per package: count and examples). */
  outsidePrefix: Array<{ package: string; count: number; examples: string[] }>;
  docsSkipped: number;
  /** Files installed without their setuid/setgid bits (Lambda cannot honour them). */
  setIdCleared: string[];
  downloadedBytes: number;
  reusedPackages: number;
}

export interface RemoveResult {
  removed: ManifestPackage[];
  brokenDependents: string[];
}

function label(p: ManifestPackage): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}`;
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** Parents of removed files, deepest first: removed after the commit when nothing is left in them. */
function emptyDirCandidates(removed: readonly ManifestPackage[], stillOwned: ReadonlySet<string>): string[] {
  const dirs = new Set<string>();
  for (const p of removed) {
    for (const f of p.files) {
      if (f.type === 'dir' && !stillOwned.has(f.path)) dirs.add(f.path);
      for (const d of ancestors(f.path)) if (!stillOwned.has(d)) dirs.add(d);
    }
  }
  return [...dirs].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
}

export class Layer {
  private closed = false;

  private constructor(
    readonly dir: string,
    private manifestValue: Manifest | null,
    private readonly lock: LayerLock,
    /** DIR did not exist before this run: removed again if nothing gets committed. */
    private readonly createdDir: boolean,
    readonly recovery: RecoveryOutcome,
  ) {}

  get manifest(): Manifest | null {
    return this.manifestValue;
  }

  /** The installed packages as the resolver sees them. */
  installedPool(): PoolPackage[] {
    return (this.manifestValue?.packages ?? []).map(manifestToPool);
  }

  static async open(dir: string, options: OpenOptions): Promise<Layer> {
    const st = lstatOrNull(dir);
    if (st && !st.isDirectory() && !(st.isSymbolicLink() && existsSync(join(dir, '.')))) {
      throw new YumdaError('LAYER_NOT_DIR', `${dir} is not a directory`, {
        exitCode: ExitCode.environment,
        hint: 'give the layer directory (what Lambda mounts at /opt) with -d DIR',
      });
    }
    if (!st && !options.create) {
      throw new YumdaError('NOT_A_LAYER', `${dir} does not exist`, {
        hint: 'install packages first: yumda install NAME -d DIR',
      });
    }
    const createdDir = !st;
    mkdirSync(dir, { recursive: true });
    const state = join(dir, STATE_DIR);
    const stateSt = lstatOrNull(state);
    if (stateSt && !stateSt.isDirectory()) {
      throw new YumdaError(
        'LAYER_UNSAFE_PATH',
        `${state} is not a directory${stateSt.isSymbolicLink() ? ' (a symlink)' : ''}: it is where yumda keeps the layer's manifest`,
        {
          hint: 'the layer was changed by hand or by something other than yumda: move it away and reinstall',
        },
      );
    }
    if (!stateSt) mkdirSync(state);
    const lock = await lockLayer(state, {
      command: options.command,
      waitMs: options.lockWaitMs ?? 0,
      onWait: (holder) => options.onNote?.(`waiting for ${holder}, which is changing ${dir}`),
    });
    try {
      const recovery = recoverLayer(dir);
      if (recovery === 'rolled-back')
        options.onNote?.(`${dir}: an interrupted change was found and undone; the layer is as it was before it`);
      if (recovery === 'completed')
        options.onNote?.(`${dir}: an interrupted change had been committed; its clean-up was finished`);
      return new Layer(dir, await readManifest(dir), lock, createdDir, recovery);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lock.release();
    if (this.createdDir && this.manifestValue === null) {
      // nothing was committed into a directory this run made: leave no trace
      try {
        rmdirSync(join(this.dir, STATE_DIR));
        rmdirSync(this.dir);
      } catch {
        // something else is there now: keep it
      }
    }
  }

  private startTxn(): string {
    const dir = txnDir(this.dir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'stage'), { recursive: true });
    return dir;
  }

  /** Installs a plan resolved against this layer's manifest. */
  async install(plan: ResolvePlan, options: StageOptions & { arch: string }): Promise<InstallResult> {
    const result: InstallResult = {
      installed: [],
      removed: [],
      replacedNames: [],
      outsidePrefix: [],
      docsSkipped: 0,
      setIdCleared: [],
      downloadedBytes: 0,
      reusedPackages: 0,
    };
    if (plan.install.length === 0) return result;
    const txn = this.startTxn();
    try {
      const staged = await stagePackages(plan, join(txn, 'stage'), options, result);
      for (const s of staged) {
        if (s.outside.length > 0)
          result.outsidePrefix.push({
            package: nevra(s.pkg),
            count: s.outside.length,
            examples: s.outside.slice(0, 3),
          });
        result.docsSkipped += s.docs;
        result.setIdCleared.push(...s.setIdCleared);
      }
      const created: Manifest = {
        format: 1,
        base: options.profile.id,
        arch: options.arch,
        ...(options.target ? { target: options.target.key } : {}),
        packages: [],
      };
      const existing = this.manifestValue;
      // a layer made before targets learns its target on its next install
      const manifest: Manifest =
        existing && !existing.target && options.target
          ? { ...existing, target: options.target.key }
          : (existing ?? created);
      const replacedNames = new Set(plan.remove.map((p) => p.name));
      const replaced = manifest.packages.filter((p) => replacedNames.has(p.name));
      const staying = manifest.packages.filter(
        (p) => !replacedNames.has(p.name) && !staged.some((s) => s.pkg.name === p.name),
      );

      const conflicts = findFileConflicts(
        staying.map((p): Owner => ({ label: `${label(p)} (installed)`, entries: p.files })),
        staged.map((s): Owner => ({ label: nevra(s.pkg), entries: s.entries })),
      );
      if (conflicts.length > 0) {
        const more =
          conflicts.length > 1 ? ` (and ${conflicts.length - 1} more conflict${conflicts.length > 2 ? 's' : ''})` : '';
        throw new YumdaError('FILE_CONFLICT', `file conflict: ${conflicts[0]!.message}${more}`, {
          hint: 'nothing was changed',
        });
      }

      const now = new Date().toISOString();
      for (const s of staged) result.installed.push(manifestEntry(s, now));
      const replacedAll = [
        ...replaced,
        ...manifest.packages.filter((p) => !replacedNames.has(p.name) && staged.some((s) => s.pkg.name === p.name)),
      ];
      for (const p of replacedAll) {
        result.removed.push(label(p));
        if (staged.some((s) => s.pkg.name === p.name)) result.replacedNames.push(p.name);
      }
      const next: Manifest = { ...manifest, packages: [...staying, ...result.installed] };
      this.commit(next, planOps(this.dir, staged, replacedAll, staying));
      return result;
    } catch (e) {
      dropUnjournaled(txn);
      throw e;
    }
  }

  /** Removes installed packages: their files that no other installed package owns. */
  remove(names: string[]): RemoveResult {
    const manifest = this.manifestValue;
    if (!manifest)
      throw new YumdaError(
        'NOT_A_LAYER',
        `${this.dir} has no yumda manifest (.yumda/installed.json): nothing was installed there by yumda`,
      );
    const removed: ManifestPackage[] = [];
    for (const name of names) {
      const p = manifest.packages.find(
        (q) => q.name === name || `${q.name}-${q.version}-${q.release}` === name || label(q) === name,
      );
      if (!p)
        throw new YumdaError('NOT_INSTALLED', `package ${name} is not installed in ${this.dir}`, {
          hint: `yumda list --installed -d ${this.dir}`,
        });
      if (!removed.includes(p)) removed.push(p);
    }
    const keep = manifest.packages.filter((p) => !removed.includes(p));
    this.startTxn();
    try {
      this.commit({ ...manifest, packages: keep }, planOps(this.dir, [], removed, keep));
    } catch (e) {
      dropUnjournaled(txnDir(this.dir));
      throw e;
    }
    // what the remaining packages needed from the removed ones
    const brokenDependents: string[] = [];
    for (const k of keep) {
      for (const req of k.requires) {
        const fromRemoved = removed.some((r) => r.provides.some((p) => depMatches(p, req)) || r.name === req.name);
        const stillProvided = keep.some((o) => o.provides.some((p) => depMatches(p, req)) || o.name === req.name);
        if (fromRemoved && !stillProvided) brokenDependents.push(`${k.name} needs ${depToString(req)}`);
      }
    }
    return { removed, brokenDependents };
  }

  /**
   * Applies the planned operations through the journal. When a step fails (a full disk, an I/O
   * error), what was done is undone at once from the journal, as a later run would after kill -9:
   * the layer is left as it was. Should undoing fail too, txn/ is kept for the next run.
   */
  private commit(next: Manifest, planned: { ops: JournalOp[]; emptyDirs: string[] }): void {
    const text = serializeManifest(next);
    const journal: Journal = {
      format: 1,
      manifestSha256: hashBytes(text),
      ops: planned.ops,
      emptyDirs: planned.emptyDirs,
    };
    try {
      commitJournal(this.dir, journal, text, new LayerPaths(this.dir));
    } catch (e) {
      let outcome: RecoveryOutcome;
      try {
        outcome = recoverLayer(this.dir);
      } catch (again) {
        throw new YumdaError(
          'TRANSACTION_INTERRUPTED',
          `${(e as Error).message}; undoing the change failed too (${(again as Error).message})`,
          {
            cause: e,
            hint: `the next yumda command on ${this.dir} finishes or undoes it (e.g. yumda list --installed -d ${this.dir})`,
          },
        );
      }
      // failed after the commit point, in the clean-up: the change is in
      if (outcome === 'completed') {
        this.manifestValue = next;
        return;
      }
      throw e;
    }
    this.manifestValue = next;
  }
}

/**
 * Drops a transaction directory that failed before its journal was written (the layer was not
 * touched). A journaled one that could not be undone stays for the next run's recovery.
 */
function dropUnjournaled(txn: string): void {
  if (!existsSync(join(txn, 'journal.json'))) rmSync(txn, { recursive: true, force: true });
}

export const openLayer = Layer.open.bind(Layer);

/**
 * For a command that reads a whole layer yumda manages (zip): the layer opened (locked, an
 * interrupted change recovered) so that no install changes it meanwhile. A layer yumda does not
 * manage, or one that cannot be written (mounted read-only) and has nothing to recover, is read
 * as it is: null.
 */
export async function holdLayerForReading(
  dir: string,
  options: { command: string; lockWaitMs?: number; onNote?: (message: string) => void },
): Promise<Layer | null> {
  if (!existsSync(join(dir, STATE_DIR))) return null;
  try {
    return await Layer.open(dir, {
      command: options.command,
      lockWaitMs: options.lockWaitMs ?? 60_000,
      onNote: options.onNote,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === 'EROFS' || code === 'EACCES' || code === 'EPERM') && !existsSync(txnDir(dir))) return null;
    throw e;
  }
}

/**
 * The manifest for a command that only reads (list, info, a dry run). When an interrupted change
 * is waiting, the layer is opened (locked) to finish or undo it first, so what is read matches
 * the files.
 */
export async function readLayerManifest(
  dir: string,
  options: { onNote?: (message: string) => void } = {},
): Promise<Manifest | null> {
  if (existsSync(txnDir(dir))) {
    // wait for a yumda that is changing the layer now rather than read it half changed
    const layer = await Layer.open(dir, { command: 'recovery', lockWaitMs: 60_000, onNote: options.onNote });
    layer.close();
    return layer.manifest;
  }
  return readManifest(dir);
}

function manifestEntry(s: StagedPackage, installedAt: string): ManifestPackage {
  const files: ManifestFile[] = s.entries.map((e) => ({
    path: e.path,
    type: e.type,
    mode: e.mode,
    sha256: e.sha256,
    linkto: e.linkto,
  }));
  return {
    name: s.pkg.name,
    epoch: s.pkg.epoch,
    version: s.pkg.version,
    release: s.pkg.release,
    arch: s.pkg.arch,
    repo: s.pkg.repo,
    pkgId: s.pkg.pkgId,
    summary: s.pkg.summary,
    sourcerpm: s.pkg.sourcerpm,
    sizeInstalled: s.pkg.sizeInstalled,
    provides: s.pkg.provides,
    requires: s.pkg.requires,
    conflicts: s.pkg.conflicts,
    obsoletes: s.pkg.obsoletes,
    files,
    skippedFiles: s.skippedFiles,
    installedAt,
  };
}

/**
 * Every file operation of a commit, planned against the layer as it is now (the lock keeps it so):
 * deletes of what replaced/removed packages leave behind, the directories to create (parents
 * first), then the staged entries moved in (the first package to ship a shared path puts it).
 * Nothing is planned through a symlink; a staged entry cannot replace a directory.
 */
function planOps(
  layer: string,
  staged: readonly StagedPackage[],
  leaving: readonly ManifestPackage[],
  staying: readonly ManifestPackage[],
): { ops: JournalOp[]; emptyDirs: string[] } {
  const paths = new LayerPaths(layer);
  const ops: JournalOp[] = [];
  let backups = 0;
  const nextBackup = (): string => `backup/${backups++}`;

  const incoming = new Set<string>();
  for (const s of staged) for (const e of s.entries) incoming.add(e.path);
  const stayingPaths = new Set<string>();
  for (const p of staying) for (const f of p.files) stayingPaths.add(f.path);

  const deleted = new Set<string>();
  for (const p of leaving) {
    for (const f of p.files) {
      if (f.type === 'dir' || incoming.has(f.path) || stayingPaths.has(f.path) || deleted.has(f.path)) continue;
      let target: string;
      try {
        target = paths.resolve(f.path, label(p));
      } catch {
        // the layer changed under the manifest (a parent became a symlink): never delete through it
        continue;
      }
      if (!lstatOrNull(target)) continue;
      deleted.add(f.path);
      ops.push({ kind: 'delete', path: f.path, backup: nextBackup() });
    }
  }

  const dirModes = new Map<string, number>();
  for (const s of staged) {
    for (const e of s.entries) {
      for (const d of ancestors(e.path)) if (!dirModes.has(d)) dirModes.set(d, 0o755);
      if (e.type === 'dir') dirModes.set(e.path, e.mode & 0o7777);
    }
  }
  const dirs = [...dirModes.keys()].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  // the layer as it will be once the commit reaches a path: below a directory the commit creates
  // (in place of a file or symlink it deletes, as in an upgrade) nothing exists yet; looking there
  // now would look through the old symlink
  const created = new Set<string>();
  const existing = (rel: string, who: string): Stats | null => {
    const host = paths.resolve(rel, who);
    return ancestors(rel).some((d) => created.has(d)) ? null : lstatOrNull(host);
  };
  for (const d of dirs) {
    const st = existing(d, 'transaction');
    if (!st || deleted.has(d)) {
      ops.push({ kind: 'mkdir', path: d, mode: dirModes.get(d)! });
      created.add(d);
      paths.created(d);
      continue;
    }
    if (st.isSymbolicLink()) {
      throw new YumdaError(
        'LAYER_UNSAFE_PATH',
        `refusing /opt/${d}: a package needs it as a directory, but it is a symlink in the layer, and nothing is written through a symlink`,
      );
    }
    if (!st.isDirectory())
      throw new YumdaError('FILE_CONFLICT', `/opt/${d} is a directory in a new package but a file in the layer`);
  }

  const put = new Set<string>();
  for (const [index, s] of staged.entries()) {
    for (const e of s.entries) {
      if (e.type === 'dir' || put.has(e.path)) continue;
      put.add(e.path);
      const st = existing(e.path, nevra(s.pkg));
      if (st?.isDirectory() && !deleted.has(e.path)) {
        throw new YumdaError(
          'FILE_CONFLICT',
          `/opt/${e.path} from ${nevra(s.pkg)} would replace a directory in the layer`,
        );
      }
      ops.push({
        kind: 'put',
        path: e.path,
        staged: `stage/${index}/${e.path}`,
        backup: st && !deleted.has(e.path) ? nextBackup() : null,
      });
    }
  }

  const stillOwned = new Set<string>([...stayingPaths, ...incoming, ...dirModes.keys()]);
  for (const p of staying) for (const f of p.files) for (const d of ancestors(f.path)) stillOwned.add(d);
  return { ops, emptyDirs: emptyDirCandidates(leaving, stillOwned) };
}
