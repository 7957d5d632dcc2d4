/**
 * The distribution's package set on disk: one overlay SPECS/NAME.yaml per source package (its
 * patches under patches/NAME/ beside it), built into repositories recorded by the build manifest
 * (manifest.ts, last-built.ts). Callers say which specs directory; the CLI settles the default.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOverlay } from '../spec/overlay.js';

/** A package's overlay file in a specs directory (which may not exist). */
export function overlayPath(specsDir: string, name: string): string {
  return join(specsDir, `${name}.yaml`);
}

/** Source package names of the set: each overlay's `name` (when set), else its file name. */
export async function listSpecNames(specsDir: string): Promise<string[]> {
  if (!existsSync(specsDir)) return [];
  const names = new Set<string>();
  for (const entry of await readdir(specsDir, { withFileTypes: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) names.add(loadOverlay(join(specsDir, entry.name)).name!);
  }
  return [...names].sort();
}
