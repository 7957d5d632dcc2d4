/**
 * What glibc's dynamic loader will do on Lambda, computed over an FsView. Search order for a
 * DT_NEEDED name without a slash (ld.so(8)):
 *   1. DT_RPATH of the requesting object, then of the objects that loaded it up to the program
 *      — only when the requesting object has no DT_RUNPATH;
 *   2. LD_LIBRARY_PATH (the runtime's, from the base profile: system dirs BEFORE /opt/lib);
 *   3. DT_RUNPATH of the requesting object only;
 *   4. the default directories (ld.so.cache is built from them on Lambda).
 * A name already loaded (by soname or by the name it was loaded under) is reused without a search.
 * $ORIGIN (and ${ORIGIN}), $LIB and $PLATFORM are expanded.
 */
import { posix } from 'node:path';
import type { ElfInfo } from './elf.js';
import type { FsView, Located } from './view.js';

export type SearchStep = 'rpath' | 'ld_library_path' | 'runpath' | 'default' | 'path';

export interface Resolution {
  requester: string;
  name: string;
  /** null: found nowhere. */
  found: Located | null;
  step: SearchStep | 'already-loaded' | null;
  /** The directory it was found in (as searched, before symlink resolution). */
  dir: string | null;
  /** Every directory tried, in order, with the step that contributed it. */
  searched: { step: SearchStep; dir: string }[];
}

export interface LoaderContext {
  view: FsView;
  ldLibraryPath: string[];
  defaultDirs: string[];
  /** $LIB expansion: lib64 on 64-bit Amazon Linux, lib on 32-bit. */
  libDirName: (info: ElfInfo) => string;
  platform: string;
  /** ELF data of a layer file (cached by the caller); null when it is not a readable ELF object. */
  elfOf: (path: string) => ElfInfo | null;
}

export function expandTokens(dir: string, origin: string, info: ElfInfo, ctx: LoaderContext): string {
  return dir
    .replace(/\$\{ORIGIN\}|\$ORIGIN(?![A-Za-z0-9_])/g, origin)
    .replace(/\$\{LIB\}|\$LIB(?![A-Za-z0-9_])/g, ctx.libDirName(info))
    .replace(/\$\{PLATFORM\}|\$PLATFORM(?![A-Za-z0-9_])/g, ctx.platform);
}

export interface Requester {
  path: string;
  info: ElfInfo;
  /** The directory $ORIGIN stands for. */
  origin: string;
}

/** The ordered search list for `requester` loaded by `loaders` (nearest first, program last). */
export function searchList(
  requester: Requester,
  loaders: Requester[],
  ctx: LoaderContext,
): { step: SearchStep; dir: string }[] {
  const out: { step: SearchStep; dir: string }[] = [];
  if (!requester.info.hasRunpath) {
    for (const obj of [requester, ...loaders]) {
      if (obj.info.hasRunpath && obj !== requester) continue; // an object with RUNPATH contributes no RPATH
      for (const d of obj.info.rpath) out.push({ step: 'rpath', dir: expandTokens(d, obj.origin, obj.info, ctx) });
    }
  }
  for (const d of ctx.ldLibraryPath) out.push({ step: 'ld_library_path', dir: d });
  for (const d of requester.info.runpath)
    out.push({ step: 'runpath', dir: expandTokens(d, requester.origin, requester.info, ctx) });
  for (const d of ctx.defaultDirs) out.push({ step: 'default', dir: d });
  return out;
}

/** A candidate file is usable when it exists and, if it is in the layer, is an ELF of the same class and machine. */
function usable(found: Located | null, requester: ElfInfo, ctx: LoaderContext): found is Located {
  if (!found || found.kind !== 'file') return false;
  if (found.where === 'base') return true;
  const info = ctx.elfOf(found.path);
  return info !== null && info.bits === requester.bits && info.machine === requester.machine;
}

export function findLibrary(name: string, requester: Requester, loaders: Requester[], ctx: LoaderContext): Resolution {
  if (name.includes('/')) {
    const p = name.startsWith('/') ? name : posix.join(requester.origin, name);
    const found = ctx.view.locate(p);
    const ok = usable(found, requester.info, ctx);
    return {
      requester: requester.path,
      name,
      found: ok ? found : null,
      step: ok ? 'path' : null,
      dir: ok ? posix.dirname(p) : null,
      searched: [{ step: 'path', dir: posix.dirname(p) }],
    };
  }
  const searched = searchList(requester, loaders, ctx);
  for (const s of searched) {
    if (!s.dir.startsWith('/')) continue; // relative search dirs depend on the cwd: Lambda's is /var/task
    const found = ctx.view.locate(posix.join(s.dir, name));
    if (usable(found, requester.info, ctx))
      return { requester: requester.path, name, found, step: s.step, dir: s.dir, searched };
  }
  return { requester: requester.path, name, found: null, step: null, dir: null, searched };
}

/** The result of loading one program (or one standalone library) with its whole dependency tree. */
export interface LoadTree {
  root: string;
  resolutions: Resolution[];
  /** Canonical paths of layer objects loaded. */
  layerObjects: Set<string>;
}

/**
 * Loads `root` and its dependencies breadth-first, as ld.so does. `rootOrigin` is the directory
 * $ORIGIN means for the root (the program's real location).
 */
export function loadTree(root: { path: string; info: ElfInfo }, ctx: LoaderContext): LoadTree {
  const rootReq: Requester = { path: root.path, info: root.info, origin: posix.dirname(root.path) };
  const loadedByName = new Map<string, Located>();
  const resolutions: Resolution[] = [];
  const layerObjects = new Set<string>([root.path]);
  if (root.info.soname) loadedByName.set(root.info.soname, { path: root.path, where: 'layer', kind: 'file' });
  const queue: { req: Requester; loaders: Requester[] }[] = [{ req: rootReq, loaders: [] }];
  const visited = new Set<string>([root.path]);
  while (queue.length > 0) {
    const { req, loaders } = queue.shift()!;
    for (const name of req.info.needed) {
      const already = loadedByName.get(name);
      if (already) {
        resolutions.push({
          requester: req.path,
          name,
          found: already,
          step: 'already-loaded',
          dir: posix.dirname(already.path),
          searched: [],
        });
        continue;
      }
      const res = findLibrary(name, req, loaders, ctx);
      resolutions.push(res);
      if (!res.found) continue;
      loadedByName.set(name, res.found);
      if (res.found.where !== 'layer') continue;
      const info = ctx.elfOf(res.found.path);
      if (!info) continue;
      if (info.soname && !loadedByName.has(info.soname)) loadedByName.set(info.soname, res.found);
      layerObjects.add(res.found.path);
      if (visited.has(res.found.path)) continue;
      visited.add(res.found.path);
      // $ORIGIN of a library is the directory it was found in (the name as opened, not its realpath)
      const origin = res.dir ?? posix.dirname(res.found.path);
      queue.push({ req: { path: res.found.path, info, origin }, loaders: [req, ...loaders] });
    }
  }
  return { root: root.path, resolutions, layerObjects };
}
