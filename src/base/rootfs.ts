/**
 * A captured runtime's root file system, unpacked in a host directory. Paths are the runtime's
 * (absolute, '/'-separated); symbolic links are followed INSIDE the root (an absolute target like
 * /usr/lib64 means ROOT/usr/lib64, never the host's), so nothing in an untrusted image can make the
 * capture read a host file.
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';

export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

export interface RootEntry {
  /** Absolute path in the runtime. */
  path: string;
  kind: EntryKind;
  /** Symlink target as stored. */
  target?: string;
  /** Regular files: size and whether any execute bit is set. */
  size?: number;
  executable?: boolean;
}

/** Mount points whose image content Lambda hides (kernel file systems, its own /tmp): not part of a profile. */
const RUNTIME_MOUNTS = ['/proc', '/sys', '/dev', '/tmp'];

const MAX_LINKS = 40;

export class RootFs {
  constructor(readonly dir: string) {}

  hostPath(path: string): string {
    return posix.join(this.dir, path);
  }

  private lstat(path: string): Stats | null {
    try {
      return lstatSync(this.hostPath(path));
    } catch {
      return null;
    }
  }

  isFile(path: string): boolean {
    return this.lstat(path)?.isFile() ?? false;
  }

  isDir(path: string): boolean {
    return this.lstat(path)?.isDirectory() ?? false;
  }

  /** The path with every symlink resolved inside the root; null when it does not exist (or loops). */
  resolve(path: string): string | null {
    let pending = posix
      .normalize('/' + path)
      .split('/')
      .filter(Boolean);
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const current = '/' + [...done, part].join('/');
      const st = this.lstat(current);
      if (!st) return null;
      if (st.isSymbolicLink()) {
        if (++hops > MAX_LINKS) return null;
        const target = readlinkSync(this.hostPath(current));
        if (target.startsWith('/')) done.length = 0;
        pending = [...target.split('/').filter(Boolean), ...pending];
        continue;
      }
      done.push(part);
    }
    return '/' + done.join('/');
  }

  /** Every entry under the root, depth first, names sorted, without the runtime's mount points' contents. */
  walk(): RootEntry[] {
    const out: RootEntry[] = [];
    const visit = (dir: string): void => {
      let names: string[];
      try {
        names = readdirSync(this.hostPath(dir)).sort();
      } catch {
        return;
      }
      for (const name of names) {
        const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
        if (RUNTIME_MOUNTS.includes(path)) continue;
        const st = this.lstat(path);
        if (!st) continue;
        if (st.isSymbolicLink()) out.push({ path, kind: 'symlink', target: readlinkSync(this.hostPath(path)) });
        else if (st.isDirectory()) {
          out.push({ path, kind: 'dir' });
          visit(path);
        } else if (st.isFile()) out.push({ path, kind: 'file', size: st.size, executable: (st.mode & 0o111) !== 0 });
        else out.push({ path, kind: 'other' });
      }
    };
    visit('/');
    return out;
  }
}
