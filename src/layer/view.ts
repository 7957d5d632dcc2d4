/**
 * The filesystem a Lambda function sees, as far as `yumda check` can know it: the layer directory
 * mounted at the profile's layerRoot (/opt), over the base profile's list of files and symlinks.
 * Lookups follow symlinks in both (a layer link may point into the base and the other way round)
 * and are answered from memory: the layer is walked once up front.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { BaseProfile } from '../config/profile.js';

export type EntryKind = 'file' | 'dir' | 'symlink';

export interface LayerEntry {
  /** Absolute path as mounted, e.g. /opt/lib/libfoo.so.1 */
  path: string;
  /** Path on disk. */
  hostPath: string;
  kind: EntryKind;
  size: number;
  mode: number;
  target?: string;
}

export interface Located {
  /** The canonical path (symlinks resolved). */
  path: string;
  where: 'layer' | 'base';
  kind: 'file' | 'dir';
  /** The layer entry, when it lives in the layer. */
  entry?: LayerEntry;
}

const MAX_SYMLINK_HOPS = 40;

/** Walks a layer directory; paths are reported as mounted under `root` (e.g. /opt). Symlinks are not followed. */
export function walkLayer(dir: string, root: string): LayerEntry[] {
  const out: LayerEntry[] = [];
  const visit = (hostDir: string, mounted: string): void => {
    const names = readdirSync(hostDir).sort();
    for (const name of names) {
      const hostPath = join(hostDir, name);
      const path = posix.join(mounted, name);
      const st = lstatSync(hostPath);
      if (st.isSymbolicLink()) {
        out.push({ path, hostPath, kind: 'symlink', size: st.size, mode: st.mode, target: readlinkSync(hostPath) });
      } else if (st.isDirectory()) {
        out.push({ path, hostPath, kind: 'dir', size: 0, mode: st.mode });
        visit(hostPath, path);
      } else if (st.isFile()) {
        out.push({ path, hostPath, kind: 'file', size: st.size, mode: st.mode });
      }
      // sockets, fifos and devices cannot be stored in a layer zip; ignore them
    }
  };
  visit(dir, root);
  return out;
}

export class FsView {
  readonly root: string;
  private readonly layer = new Map<string, LayerEntry>();
  private readonly baseKinds = new Map<string, 'file' | 'dir'>();
  private readonly baseLinks = new Map<string, string>();
  private readonly cache = new Map<string, Located | null>();
  /** Layer files by basename, for "it is in the layer at ..." hints. */
  private readonly byBasename = new Map<string, LayerEntry[]>();

  constructor(entries: LayerEntry[], profile: BaseProfile) {
    this.root = profile.layerRoot.replace(/\/+$/, '') || '/opt';
    for (const e of entries) {
      this.layer.set(e.path, e);
      const base = posix.basename(e.path);
      const list = this.byBasename.get(base);
      if (list) list.push(e);
      else this.byBasename.set(base, [e]);
    }
    for (const f of profile.files) {
      const isDir = f.endsWith('/');
      const p = normalize(f);
      if (p === '/') continue;
      this.baseKinds.set(p, isDir ? 'dir' : 'file');
      // every parent of a listed path is a directory
      for (let d = posix.dirname(p); d !== '/' && !this.baseKinds.has(d); d = posix.dirname(d))
        this.baseKinds.set(d, 'dir');
    }
    for (const [from, to] of Object.entries(profile.symlinks)) this.baseLinks.set(normalize(from), to);
  }

  /** True when the path is inside the layer mount (and so answered by the layer alone). */
  inLayer(path: string): boolean {
    return path === this.root || path.startsWith(this.root + '/');
  }

  layerEntry(path: string): LayerEntry | undefined {
    return this.layer.get(path);
  }

  layerFilesNamed(name: string): LayerEntry[] {
    return this.byBasename.get(name) ?? [];
  }

  /** Resolves an absolute path through symlinks; null when it exists in neither layer nor base. */
  locate(path: string): Located | null {
    const key = normalize(path);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const result = this.walk(key);
    this.cache.set(key, result);
    return result;
  }

  exists(path: string): boolean {
    return this.locate(path) !== null;
  }

  private walk(path: string): Located | null {
    let pending = path.split('/').filter(Boolean);
    let current = '/';
    let hops = 0;
    let kind: 'file' | 'dir' = 'dir';
    let entry: LayerEntry | undefined;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        current = posix.dirname(current);
        kind = 'dir';
        continue;
      }
      if (kind !== 'dir') {
        // a "file" with children: a base listing that names a merged-/usr link (/lib64) without saying so
        const usr = posix.join('/usr', current);
        if (current.split('/').length === 2 && this.baseKinds.get(usr) === 'dir') current = usr;
        else return null;
      }
      const candidate = posix.join(current, name);
      const step = this.stat(candidate);
      if (!step) return null;
      if (step.kind === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) return null;
        const target = step.target;
        const rest = target.split('/').filter(Boolean);
        pending = [...rest, ...pending];
        current = target.startsWith('/') ? '/' : current;
        kind = 'dir';
        entry = undefined;
        continue;
      }
      current = candidate;
      kind = step.kind;
      entry = step.entry;
    }
    return { path: current, where: this.inLayer(current) ? 'layer' : 'base', kind, ...(entry ? { entry } : {}) };
  }

  private stat(path: string): { kind: EntryKind; target: string; entry?: LayerEntry } | null {
    if (this.inLayer(path)) {
      if (path === this.root) return { kind: 'dir', target: '' };
      const e = this.layer.get(path);
      if (!e) return null;
      return { kind: e.kind, target: e.target ?? '', entry: e };
    }
    const link = this.baseLinks.get(path);
    if (link !== undefined) return { kind: 'symlink', target: link };
    const k = this.baseKinds.get(path);
    if (!k) return null;
    return { kind: k, target: '' };
  }
}

export function normalize(path: string): string {
  const p = posix.normalize('/' + path);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
