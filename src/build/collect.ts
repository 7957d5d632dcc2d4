/**
 * Gathering the outputs of several `yumda build` runs (the jobs of a CI matrix) into one output
 * directory: each run's packages replace the files an earlier build of the same package left in
 * OUT, and its manifest entries replace OUT's (the newest build of a package wins).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { YumdaError } from '../util/errors.js';
import { manifestPathIn, readManifest, writeManifest } from '../package-set/manifest.js';

export interface CollectResult {
  /** Packages taken from the parts, with the directory each came from. */
  taken: Array<{ name: string; from: string }>;
  manifestPath: string;
}

export async function collectBuilds(parts: string[], outDir: string): Promise<CollectResult> {
  const manifestPath = manifestPathIn(outDir);
  const manifest = await readManifest(manifestPath);
  const taken: CollectResult['taken'] = [];
  for (const part of parts) {
    const partManifestPath = manifestPathIn(part);
    if (!existsSync(partManifestPath))
      throw new YumdaError(
        'NOT_A_BUILD_OUTPUT',
        `${part} has no ${partManifestPath.slice(part.length + 1)}: not the output of yumda build`,
      );
    const partManifest = await readManifest(partManifestPath);
    for (const [name, entry] of Object.entries(partManifest.packages)) {
      const current = manifest.packages[name];
      if (current && current.builtAt >= entry.builtAt) continue;
      const files = [...entry.rpms, ...entry.srpms];
      const missing = files.filter((f) => !existsSync(join(part, f)));
      // a part may carry entries it did not build (copied from an older manifest): only take real outputs
      if (missing.length > 0) continue;
      for (const old of current ? [...current.rpms, ...current.srpms] : [])
        if (!files.includes(old)) await rm(join(outDir, old), { force: true });
      for (const file of files) {
        await mkdir(dirname(join(outDir, file)), { recursive: true });
        await copyFile(join(part, file), join(outDir, file));
      }
      const log = join(part, 'logs', `${name}.log`);
      if (existsSync(log)) {
        await mkdir(join(outDir, 'logs'), { recursive: true });
        await copyFile(log, join(outDir, 'logs', `${name}.log`));
      }
      manifest.packages[name] = entry;
      taken.push({ name, from: part });
    }
  }
  await writeManifest(manifestPath, { ...manifest, updated: new Date().toISOString() });
  return { taken, manifestPath };
}
