/**
 * Paths inside a layer directory that are safe to write or delete: every parent of the path is a
 * real directory of the layer (or does not exist yet), never a symlink. A package may ship a
 * symlink to anywhere (at run time it is only a name under /opt), but no later write, mkdir,
 * rename or unlink may pass through one: that is how a package would reach outside the layer.
 * The layer is locked while it changes, so what lstat sees stays true until the transaction ends.
 */
import { lstatSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { YumdaError } from '../util/errors.js';

/** yumda's own directory in a layer: no package may put anything there. */
export const STATE_DIR = '.yumda';

/** Throws unless `rel` is a plain relative path (no empty, "." or ".." component, not yumda's own). */
export function checkLayerRelative(rel: string, label: string): void {
  const parts = rel.split('/');
  if (rel === '' || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new YumdaError(
      'LAYER_UNSAFE_PATH',
      `${label}: refusing the path "${rel}": not a plain path inside the layer`,
    );
  }
  if (parts[0] === STATE_DIR) {
    throw new YumdaError(
      'LAYER_UNSAFE_PATH',
      `${label}: refusing /opt/${rel}: ${STATE_DIR} is where yumda keeps the layer's manifest`,
    );
  }
}

export class LayerPaths {
  /** Parents already seen to be real directories (layer-relative, "" is the root). */
  private readonly realDirs = new Set<string>(['']);

  constructor(readonly root: string) {}

  /**
   * The host path of `rel` after checking each existing parent is a real directory. `label` names
   * who asks (a package) in the error.
   */
  resolve(rel: string, label: string): string {
    checkLayerRelative(rel, label);
    const parts = rel.split('/');
    let parent = '';
    for (let i = 0; i < parts.length - 1; i++) {
      parent = parent === '' ? parts[i]! : `${parent}/${parts[i]}`;
      if (this.realDirs.has(parent)) continue;
      const st = lstatOrNull(join(this.root, parent));
      if (!st) break; // the rest does not exist yet: it will be created as real directories
      if (st.isSymbolicLink()) {
        throw new YumdaError(
          'LAYER_UNSAFE_PATH',
          `${label}: refusing /opt/${rel}: its parent /opt/${parent} is a symlink in the layer, and nothing is written or removed through a symlink`,
          {
            hint: 'a package that ships a directory symlink and a package that puts files under it cannot be installed together',
          },
        );
      }
      if (!st.isDirectory()) {
        throw new YumdaError(
          'FILE_CONFLICT',
          `${label}: /opt/${rel} needs /opt/${parent} to be a directory, but it is a file in the layer`,
        );
      }
      this.realDirs.add(parent);
    }
    return join(this.root, rel);
  }

  /** Forget what was learnt about `rel` and below (it was removed or replaced). */
  forget(rel: string): void {
    for (const d of this.realDirs) if (d === rel || d.startsWith(rel + '/')) this.realDirs.delete(d);
  }

  /** Remember that `rel` is now a real directory (the caller created it). */
  created(rel: string): void {
    this.realDirs.add(rel);
  }
}

export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}
