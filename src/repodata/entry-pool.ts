/**
 * Reads packages into rendered metadata (primary/filelists/other XML of one package) on the main
 * thread plus `size - 1` worker threads: header parsing, hashing, conversion and rendering are
 * CPU work, so threads are what makes them parallel. The main thread always takes a share, so
 * a pool never does worse than reading inline (workers start, and warm up, only when the queue
 * is deeper than the main thread can keep up with). Measured in the README section.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fromWireError, YumdaError, type WireError } from '../util/errors.js';
import { readRepoEntry } from './read-entry.js';
import { renderFilelistsPackage, renderOtherPackage, renderPrimaryPackage } from './render.js';
import { DEFAULT_CHANGELOG_LIMIT, type RepoEntry } from './from-rpm.js';

export interface RenderedEntry {
  primary: string;
  filelists: string;
  other: string;
}

function renderEntry(entry: RepoEntry): RenderedEntry {
  return {
    primary: renderPrimaryPackage(entry.primary),
    filelists: renderFilelistsPackage(entry.filelists),
    other: renderOtherPackage(entry.other),
  };
}

export interface ReadRequest {
  id: number;
  path: string;
  href: string;
  changelogLimit: number;
}

export type ReadResponse = { id: number; ok: true; entry: RenderedEntry } | { id: number; ok: false; error: WireError };

export async function readAndRender(req: ReadRequest): Promise<RenderedEntry> {
  return renderEntry(await readRepoEntry(req.path, req.href, { changelogLimit: req.changelogLimit }));
}

export class EntryPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { req: ReadRequest; resolve: (e: RenderedEntry) => void; reject: (e: Error) => void }[] = [];
  private pending = new Map<
    number,
    { resolve: (e: RenderedEntry) => void; reject: (e: Error) => void; worker: Worker }
  >();
  private nextId = 0;
  private inlineBusy = false;
  private closed = false;

  constructor(
    private readonly size = availableParallelism(),
    private readonly changelogLimit = DEFAULT_CHANGELOG_LIMIT,
  ) {}

  read(path: string, href: string): Promise<RenderedEntry> {
    const req: ReadRequest = { id: this.nextId++, path, href, changelogLimit: this.changelogLimit };
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.dispatch();
    });
  }

  private spawn(): void {
    const worker = new Worker(new URL('./entry-worker.js', import.meta.url));
    worker.on('message', (res: ReadResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.entry);
      else p.reject(fromWireError(res.error));
      this.idle.push(worker);
      this.dispatch();
    });
    worker.on('error', (e) => {
      for (const [id, p] of this.pending) {
        if (p.worker === worker) {
          this.pending.delete(id);
          p.reject(e);
        }
      }
      this.workers = this.workers.filter((w) => w !== worker);
      this.idle = this.idle.filter((w) => w !== worker);
    });
    this.workers.push(worker);
    this.idle.push(worker);
  }

  private runInline(): void {
    const job = this.queue.shift()!;
    this.inlineBusy = true;
    readAndRender(job.req)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.inlineBusy = false;
        this.dispatch();
      });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      if (!this.inlineBusy) {
        this.runInline();
        continue;
      }
      if (this.idle.length === 0) {
        // a worker only when jobs are waiting beyond the one the main thread is doing
        if (this.workers.length >= this.size - 1) return;
        this.spawn();
      }
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.pending.set(job.req.id, { resolve: job.resolve, reject: job.reject, worker });
      worker.postMessage(job.req);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue) job.reject(new YumdaError('CANCELLED', 'indexing stopped'));
    this.queue = [];
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
    this.idle = [];
  }
}
