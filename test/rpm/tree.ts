/** Snapshot of a directory tree for comparing extractions: type, mode, link target, content hash, mtime, inode groups. */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  linkto?: string;
  sha256?: string;
  mtime: number;
  ino: number;
  nlink: number;
}

export async function snapshot(root: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(full);
      const base = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino, nlink: st.nlink };
      if (st.isSymbolicLink()) out.set(r, { type: 'symlink', ...base, linkto: await readlink(full) });
      else if (st.isDirectory()) {
        out.set(r, { type: 'dir', ...base });
        await walk(full, r);
      } else if (st.isFile())
        out.set(r, {
          type: 'file',
          ...base,
          sha256: createHash('sha256')
            .update(await readFile(full))
            .digest('hex'),
        });
      else out.set(r, { type: 'other', ...base });
    }
  }
  await walk(root, '');
  return out;
}

/** Groups of paths sharing an inode (hardlink sets), as sorted lists. */
export function hardlinkGroups(tree: Map<string, TreeEntry>): string[][] {
  const byIno = new Map<number, string[]>();
  for (const [p, e] of tree) if (e.type === 'file' && e.nlink > 1) byIno.set(e.ino, [...(byIno.get(e.ino) ?? []), p]);
  return [...byIno.values()].map((g) => g.sort()).sort();
}
