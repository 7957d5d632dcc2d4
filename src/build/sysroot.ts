/** A per-build sysroot: the files of earlier waves' RPMs, extracted where they would be installed. */
import { lstat, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { extractPackage } from '../rpm/extract.js';

export async function extractIntoSysroot(rpms: string[], sysroot: string): Promise<void> {
  await mkdir(sysroot, { recursive: true });
  // one after the other: packages may share directories
  for (const rpm of rpms) await extractPackage(rpm, sysroot);
  await linkDevelopmentNames(sysroot);
}

/**
 * The link names (libfoo.so → libfoo.so.1) a dropped -devel package would have installed, for every
 * versioned shared library in a lib directory of the sysroot that has none: `-lfoo` then finds the
 * set's library before the build host's (which may be another version, or another soname).
 */
export async function linkDevelopmentNames(sysroot: string): Promise<string[]> {
  const made: string[] = [];
  for (const dir of await libraryDirs(sysroot)) {
    const names = await readdir(dir);
    const present = new Set(names);
    const byLinkName = new Map<string, string>();
    for (const name of names) {
      const m = /^(lib[^/]+\.so)\.\d[\d.]*$/.exec(name);
      if (!m || present.has(m[1]!)) continue;
      // the shortest versioned name is the soname link (libfoo.so.1 rather than libfoo.so.1.2.3)
      const current = byLinkName.get(m[1]!);
      if (!current || name.length < current.length) byLinkName.set(m[1]!, name);
    }
    for (const [linkName, target] of byLinkName) {
      await symlink(target, join(dir, linkName));
      made.push(join(dir, linkName));
    }
  }
  return made.sort();
}

async function libraryDirs(sysroot: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const path = join(dir, e.name);
      if (e.name === 'lib' || e.name === 'lib64') {
        if (!(await lstat(path)).isSymbolicLink()) out.push(path);
      } else if (depth < 2) await walk(path, depth + 1);
    }
  };
  await walk(sysroot, 0);
  return out;
}
