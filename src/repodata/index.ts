/**
 * `yumda repo index`: scan a directory for RPMs and write its yum metadata (createrepo done for
 * this project). Streaming: packages are read in parallel but written in sorted path order as they
 * come, so memory holds a bounded window of package records whatever the package count. The new
 * generation is staged under repodata/, and repomd.xml (with its signature) is replaced last and
 * atomically; a failure leaves the previous metadata untouched. --update reuses the records of
 * packages whose path, size and mtime are unchanged, by merging the previous metadata stream with
 * the sorted file list, without opening those packages.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { YumdaError } from '../util/errors.js';
import { tempSibling, writeFileAtomicSync } from '../util/fs.js';
import type { EntryPool, RenderedEntry } from './entry-pool.js';
import { blockPkgId, packageBlocks, primaryBlockFacts, type PrimaryBlockFacts } from './blocks.js';
import { filelistsFooter, filelistsHeader, otherFooter, otherHeader, primaryFooter, primaryHeader } from './render.js';
import { renderRepomd, type RepomdData } from './repomd.js';
import type { SigningKey } from './sign.js';
import { GzipMetadataWriter } from './writer.js';

export interface IndexOptions {
  /** Reuse records of unchanged packages (same path, size, mtime) from the existing metadata. */
  update?: boolean;
  /**
   * Packages read at once (default: one less than the CPUs, at least 1): the gzip compression of
   * the three files, garbage collection and I/O run on other threads and need a core too; on two
   * cores a second reading thread made a 500-package index slower (its start-up is not repaid).
   */
  workers?: number;
  /** Armored OpenPGP secret key file: also write repodata/repomd.xml.asc. */
  signKey?: string;
  /** Passphrase of the signing key (default: $YUMDA_SIGN_PASSPHRASE). */
  signPassphrase?: string;
  /** Changelog entries kept per package in other.xml (default 10, -1 for all). */
  changelogLimit?: number;
  /** repomd <revision> (default: the current time in seconds). */
  revision?: string;
  /** gzip level of the metadata files (default 6). */
  compressionLevel?: number;
  /** Called after each package is written. */
  onProgress?: (progress: IndexProgress) => void;
}

export interface IndexProgress {
  repository: string;
  done: number;
  total: number;
  reused: number;
}

export interface RepositoryIndexResult {
  /** The repository root (absolute). */
  dir: string;
  kind: 'binary' | 'source';
  packages: number;
  /** Packages whose headers were read. */
  read: number;
  /** Packages whose records came from the previous metadata (--update). */
  reused: number;
  revision: string;
  repomd: string;
  data: RepomdData[];
  /** Fingerprint of the signing key, when signed. */
  signedBy: string | null;
  /** Metadata files of older generations removed. */
  pruned: string[];
}

export interface IndexResult {
  repositories: RepositoryIndexResult[];
}

const METADATA_TYPES = ['primary', 'filelists', 'other'] as const;
type MetadataType = (typeof METADATA_TYPES)[number];

/** Paths (relative, forward slashes) of every *.rpm under dir, sorted; repodata/ and dot-directories are skipped. */
export async function scanPackages(dir: string): Promise<string[]> {
  const out: string[] = [];
  // paths are built by concatenation: path.join/relative cost more than the directory reads here
  const base = dir.endsWith('/') ? dir : dir + '/';
  const walk = async (prefix: string): Promise<void> => {
    const current = base + prefix;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (e) {
      const shown = prefix === '' ? dir : current.slice(0, -1);
      throw new YumdaError(
        'REPO_UNREADABLE',
        `cannot read directory ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const rel = prefix + entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const st = await stat(base + rel).catch(() => undefined);
        isDir = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      if (isDir) {
        if (prefix === '' && entry.name === 'repodata') continue;
        await walk(rel + '/');
      } else if (isFile && entry.name.endsWith('.rpm')) {
        out.push(rel);
      }
    }
  };
  await walk('');
  return out.sort();
}

/**
 * The repositories under dir: dir/RPMS and dir/SRPMS each on its own when dir has that layout
 * (source packages never share a repository with binaries), else dir itself.
 */
async function repositoriesIn(dir: string): Promise<string[]> {
  const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  if (!(await isDir(dir))) throw new YumdaError('REPO_NOT_FOUND', `not a directory: ${dir}`);
  const layout = [join(dir, 'RPMS'), join(dir, 'SRPMS')];
  const present = [];
  for (const d of layout) if (await isDir(d)) present.push(d);
  return present.length > 0 ? present : [dir];
}

/** The signing module is loaded only to sign. */
async function loadKey(path: string, passphrase: string | undefined): Promise<SigningKey> {
  return (await import('./sign.js')).loadSigningKey(path, passphrase);
}

/** Indexes DIR (or DIR/RPMS and DIR/SRPMS). */
export async function indexRepository(dir: string, options: IndexOptions = {}): Promise<IndexResult> {
  const signing = options.signKey ? await loadKey(options.signKey, options.signPassphrase) : undefined;
  const repositories: RepositoryIndexResult[] = [];
  for (const repo of await repositoriesIn(dir)) repositories.push(await indexOneRepository(repo, options, signing));
  return { repositories };
}

/**
 * The previous generation's metadata as three aligned streams of raw package blocks, merged with
 * the sorted file list by location: unchanged packages are copied without parsing or re-rendering.
 * Anything unexpected (misaligned files, an unreadable or odd block) stops reuse from there on;
 * the remaining packages are then simply read.
 */
class PreviousMetadata {
  private head: { facts: PrimaryBlockFacts; entry: RenderedEntry } | undefined;
  private broken = false;
  private readonly queues: [string[], string[], string[]] = [[], [], []];
  /** Position of the next block in each queue. */
  private readonly next = [0, 0, 0];

  private constructor(
    private readonly streams: [AsyncIterator<string[]>, AsyncIterator<string[]>, AsyncIterator<string[]>],
  ) {}

  static async open(root: string, repomd: PreviousRepomd): Promise<PreviousMetadata | undefined> {
    const href = (type: MetadataType): string | undefined => repomd.locations.get(type);
    const [p, f, o] = [href('primary'), href('filelists'), href('other')];
    if (!p || !f || !o || ![p, f, o].every((h) => existsSync(join(root, h)))) return undefined;
    const it = (path: string): AsyncIterator<string[]> => packageBlocks(join(root, path))[Symbol.asyncIterator]();
    const prev = new PreviousMetadata([it(p), it(f), it(o)]);
    await prev.advance();
    return prev;
  }

  private stop(): void {
    this.broken = true;
    this.head = undefined;
  }

  /** Refills the queues that ran dry; false at the end of any stream. */
  private async fill(): Promise<boolean> {
    // the three files are read and inflated side by side: one after the other, the first fill
    // waited for three thread-pool round trips in a row
    const refills = [0, 1, 2].filter((i) => this.next[i]! >= this.queues[i]!.length).map((i) => this.refill(i));
    return (await Promise.all(refills)).every(Boolean);
  }

  private async refill(i: number): Promise<boolean> {
    while (this.next[i]! >= this.queues[i]!.length) {
      const next = await this.streams[i]!.next();
      if (next.done) return false;
      this.queues[i] = next.value;
      this.next[i] = 0;
    }
    return true;
  }

  /** Moves to the next package; synchronous unless a stream must be read further. */
  private advance(): Promise<void> | undefined {
    if (this.queues.some((q, i) => this.next[i]! >= q.length)) return this.refillAndAdvance();
    this.shiftHead();
    return undefined;
  }

  private async refillAndAdvance(): Promise<void> {
    try {
      if (!(await this.fill())) {
        this.head = undefined;
        return;
      }
    } catch {
      return this.stop();
    }
    this.shiftHead();
  }

  private shiftHead(): void {
    const p = this.queues[0][this.next[0]!++]!;
    const f = this.queues[1][this.next[1]!++]!;
    const o = this.queues[2][this.next[2]!++]!;
    const facts = primaryBlockFacts(p);
    if (!facts || blockPkgId(f) !== facts.pkgId || blockPkgId(o) !== facts.pkgId) return this.stop();
    this.head = { facts, entry: { primary: p, filelists: f, other: o } };
  }

  /** The previous metadata of `href` when the file is unchanged (same size and mtime); a promise only when it had to read. */
  take(href: string, size: number, mtime: number): RenderedEntry | undefined | Promise<RenderedEntry | undefined> {
    while (!this.broken && this.head && this.head.facts.href < href) {
      const pending = this.advance();
      if (pending) return pending.then(() => this.take(href, size, mtime));
    }
    const h = this.head;
    if (this.broken || !h || h.facts.href !== href) return undefined;
    const pending = this.advance();
    const result = h.facts.sizePackage === size && h.facts.timeFile === mtime ? h.entry : undefined;
    return pending ? pending.then(() => result) : result;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.streams.map((s) => s.return?.()));
  }
}

/**
 * What the index needs from the previous repomd.xml: the location of each data type, and every
 * location (kept by pruning). A light scan rather than readRepomd, whose XML parser costs more to
 * load than the rest of an --update; if the scan finds nothing, there is simply nothing to reuse.
 */
interface PreviousRepomd {
  locations: Map<string, string>;
  allLocations: string[];
  /** When repomd.xml was written (ms). */
  mtimeMs: number;
}

function readPreviousRepomd(root: string): PreviousRepomd | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    const path = join(root, 'repodata', 'repomd.xml');
    mtimeMs = statSync(path).mtimeMs;
    // a few KiB: read at once rather than in four thread-pool round trips
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const locations = new Map<string, string>();
  for (const m of text.matchAll(/<data\s+type="([^"]+)"\s*>([\s\S]*?)<\/data>/g)) {
    const href = /<location\s+href="([^"]+)"/.exec(m[2]!)?.[1];
    if (href) locations.set(m[1]!, href);
  }
  const allLocations = [...text.matchAll(/<location\s+href="([^"]+)"/g)].map((m) => m[1]!);
  return { locations, allLocations, mtimeMs };
}

interface PackageStats {
  size: Float64Array;
  /** Modification times in whole seconds, as primary.xml's <time file>. */
  mtime: Float64Array;
  /** The latest modification or status change (ms): a package copied in with its old mtime kept still has a new ctime. */
  newestChange: number;
}

function statPackages(base: string, hrefs: string[]): PackageStats {
  const size = new Float64Array(hrefs.length);
  const mtime = new Float64Array(hrefs.length);
  let newestChange = 0;
  for (const [i, href] of hrefs.entries()) {
    const st = statSync(base + href);
    size[i] = st.size;
    mtime[i] = Math.floor(st.mtimeMs / 1000);
    newestChange = Math.max(newestChange, st.mtimeMs, st.ctimeMs);
  }
  return { size, mtime, newestChange };
}

function stagingName(repodata: string, type: string): string {
  return tempSibling(join(repodata, `${type}.xml.gz`));
}

/** One staged writer per metadata type; none left behind when one cannot be created. */
async function openWriters(repodata: string, level: number): Promise<Record<MetadataType, GzipMetadataWriter>> {
  const opened: GzipMetadataWriter[] = [];
  try {
    for (const type of METADATA_TYPES) opened.push(new GzipMetadataWriter(stagingName(repodata, type), level));
  } catch (e) {
    await Promise.allSettled(opened.map((w) => w.abort()));
    throw e;
  }
  const [primary, filelists, other] = opened as [GzipMetadataWriter, GzipMetadataWriter, GzipMetadataWriter];
  return { primary, filelists, other };
}

/** Indexes one repository root. */
async function indexOneRepository(
  root: string,
  options: IndexOptions = {},
  signingKey?: SigningKey,
): Promise<RepositoryIndexResult> {
  const signing = signingKey ?? (options.signKey ? await loadKey(options.signKey, options.signPassphrase) : undefined);
  const hrefs = await scanPackages(root);
  const sources = hrefs.filter((h) => h.endsWith('.src.rpm'));
  if (sources.length > 0 && sources.length < hrefs.length) {
    throw new YumdaError('REPO_MIXED', `${root} holds both source and binary RPMs (e.g. ${sources[0]})`, {
      hint: 'put binary packages under RPMS/ and source packages under SRPMS/ and index the parent directory: each becomes its own repository',
    });
  }
  const kind = sources.length > 0 ? 'source' : 'binary';
  const repodata = join(root, 'repodata');
  mkdirSync(repodata, { recursive: true });
  const workers = Math.max(1, options.workers ?? availableParallelism() - 1);
  const base = root.endsWith('/') ? root : root + '/';
  // the package reader (and the RPM code behind it) is loaded when a package must be read: an
  // --update where nothing changed never needs it
  let pool: Promise<EntryPool> | undefined;
  const loadReader = (): Promise<EntryPool> => {
    pool ??= import('./entry-pool.js').then((m) => new m.EntryPool(workers, options.changelogLimit));
    pool.catch(() => undefined); // a load started early may never be awaited below
    return pool;
  };
  const readPackage = (href: string): Promise<RenderedEntry> => loadReader().then((p) => p.read(base + href, href));
  const previousRepomd = readPreviousRepomd(root);
  const opening = options.update && previousRepomd ? PreviousMetadata.open(root, previousRepomd) : undefined;
  let stats: PackageStats | undefined;
  let previous: PreviousMetadata | undefined;
  try {
    // the packages are stat'ed while the previous metadata is read and inflated on the thread pool
    stats = opening ? statPackages(base, hrefs) : undefined;
    // a package changed since the previous index will be read: its reader loads meanwhile too
    if (stats && previousRepomd && stats.newestChange > previousRepomd.mtimeMs) void loadReader();
    previous = await opening;
  } catch (e) {
    await opening?.then(
      (p) => p?.close(),
      () => undefined,
    );
    throw e;
  }
  const writers = await openWriters(repodata, options.compressionLevel ?? 6).catch(async (e: unknown) => {
    await previous?.close();
    throw e;
  });
  const windowSize = workers * 16;
  let read = 0;
  let reused = 0;
  let done = 0;
  try {
    await writers.primary.write(primaryHeader(hrefs.length));
    await writers.filelists.write(filelistsHeader(hrefs.length));
    await writers.other.write(otherHeader(hrefs.length));
    /** Writes one package; returns a promise only when the writers need the caller to wait. */
    const emit = (entry: RenderedEntry): Promise<unknown> | undefined => {
      const flushing = [
        writers.primary.write(entry.primary),
        writers.filelists.write(entry.filelists),
        writers.other.write(entry.other),
      ];
      done++;
      options.onProgress?.({ repository: root, done, total: hrefs.length, reused });
      return flushing.some((f) => f !== undefined) ? Promise.all(flushing) : undefined;
    };
    /** Writes the first entry of the window; synchronous when it is ready and the writers need no wait. */
    const emitHead = (): Promise<unknown> | undefined => {
      const head = window.shift()!;
      return head instanceof Promise ? head.then((e) => emit(e)) : emit(head);
    };
    // entries in file order: rendered text (reused) or a pending read
    const window: (RenderedEntry | Promise<RenderedEntry>)[] = [];
    try {
      for (const [i, href] of hrefs.entries()) {
        let entry: RenderedEntry | undefined;
        if (previous && stats) {
          const taken = previous.take(href, stats.size[i]!, stats.mtime[i]!);
          entry = taken instanceof Promise ? await taken : taken;
        }
        let pending: RenderedEntry | Promise<RenderedEntry>;
        if (entry) {
          reused++;
          pending = entry;
        } else {
          read++;
          pending = readPackage(href);
          (pending as Promise<RenderedEntry>).catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
        }
        window.push(pending);
        // emit what is ready at the front; wait only when the window is full
        while (window.length > 0 && (window.length >= windowSize || !(window[0] instanceof Promise))) {
          const waiting = emitHead();
          if (waiting) await waiting;
        }
      }
      while (window.length > 0) await emitHead();
    } finally {
      await pool?.then(
        (p) => p.close(),
        () => undefined,
      );
      await previous?.close();
    }
    await writers.primary.write(primaryFooter);
    await writers.filelists.write(filelistsFooter);
    await writers.other.write(otherFooter);
  } catch (e) {
    await Promise.allSettled(Object.values(writers).map((w) => w.abort()));
    throw e;
  }

  const now = Math.floor(Date.now() / 1000);
  const revision = options.revision ?? String(now);
  const data: RepomdData[] = [];
  const finalNames: string[] = [];
  try {
    // the three files are finished (flushed to disk) together, then named by their checksums
    const written = await Promise.all(METADATA_TYPES.map((type) => writers[type].finish()));
    const names = METADATA_TYPES.map((type, i) => `${written[i]!.checksum}-${type}.xml.gz`);
    written.forEach((w, i) => renameSync(w.path, join(repodata, names[i]!)));
    for (const [i, type] of METADATA_TYPES.entries()) {
      const w = written[i]!;
      const name = names[i]!;
      finalNames.push(name);
      data.push({
        type,
        location: `repodata/${name}`,
        checksumType: 'sha256',
        checksum: w.checksum,
        openChecksumType: 'sha256',
        openChecksum: w.openChecksum,
        size: w.size,
        openSize: w.openSize,
        timestamp: now,
      });
    }
  } catch (e) {
    await Promise.allSettled(Object.values(writers).map((w) => rm(w.path, { force: true })));
    throw e;
  }
  const repomdText = renderRepomd({ revision, data });
  const signature = signing ? await (await import('./sign.js')).signDetached(repomdText, signing) : undefined;
  // the few small files that end a run are written and renamed synchronously: the thread pool
  // round trips of their asynchronous forms (a dozen in a row) took longer than the calls
  writeFileAtomicSync(join(repodata, 'repomd.xml'), repomdText);
  if (signature) writeFileAtomicSync(join(repodata, 'repomd.xml.asc'), signature);
  else removeIfPresent(join(repodata, 'repomd.xml.asc'));

  const pruned = pruneOldGenerations(
    repodata,
    new Set([...finalNames, ...(previousRepomd?.allLocations ?? []).map((l) => l.replace(/^repodata\//, ''))]),
  );
  return {
    dir: root,
    kind,
    packages: hrefs.length,
    read,
    reused,
    revision,
    repomd: join(repodata, 'repomd.xml'),
    data,
    signedBy: signing?.fingerprint ?? null,
    pruned,
  };
}

/** Removes checksum-named metadata files that neither the new nor the previous repomd.xml names. */
function pruneOldGenerations(repodata: string, keep: Set<string>): string[] {
  const removed = readdirSync(repodata).filter(
    (name) => /^[0-9a-f]{32,128}-[A-Za-z0-9_.-]+$/.test(name) && !keep.has(name),
  );
  for (const name of removed) removeIfPresent(join(repodata, name));
  return removed.sort();
}

/** Removes a file unless it is already gone. */
function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
