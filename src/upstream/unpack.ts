/**
 * `yumda source unpack`: a source RPM's spec file and sources (tarballs, patches) into a
 * directory, through the project's RPM extractor (header and payload digests verified).
 * Extraction goes to a staging directory first, so a bad SRPM leaves DIR untouched.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractPackage } from '../rpm/extract.js';
import { readRpmInfo } from '../rpm/package.js';
import { YumdaError } from '../util/errors.js';
import { tempSibling } from '../util/fs.js';

export interface UnpackedSource {
  dir: string;
  /** Absolute path of the spec file. */
  spec: string;
  /** Absolute paths of the other files (sources and patches), sorted. */
  sources: string[];
  name: string;
  epoch: number | null;
  version: string;
  release: string;
}

export async function unpackSource(srpm: string, dir: string): Promise<UnpackedSource> {
  const info = await readRpmInfo(srpm);
  if (!info.isSource) {
    throw new YumdaError('NOT_A_SOURCE_RPM', `${srpm} is a binary RPM (${info.name}.${info.arch}), not a source RPM`, {
      hint: 'use `yumda rpm extract` for binary packages',
    });
  }
  const specs = info.files.filter((f) => f.flags.includes('specfile') || f.path.endsWith('.spec'));
  if (specs.length !== 1) {
    throw new YumdaError(
      'SRPM_NO_SPEC',
      `${srpm}: expected one spec file, found ${specs.length === 0 ? 'none' : specs.map((f) => f.path).join(', ')}`,
    );
  }
  await mkdir(dir, { recursive: true });
  const staging = tempSibling(dir);
  try {
    await extractPackage(srpm, staging);
    // SRPM payloads are flat; move each entry into place (replacing files of an earlier unpack)
    for (const entry of await readdir(staging)) {
      await rm(join(dir, entry), { recursive: true, force: true });
      await rename(join(staging, entry), join(dir, entry));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const specName = specs[0]!.path.replace(/^.*\//, '');
  const sources = info.files
    .filter((f) => f !== specs[0] && !f.flags.includes('ghost'))
    .map((f) => join(dir, f.path.replace(/^\.?\/+/, '')))
    .sort();
  return {
    dir,
    spec: join(dir, specName),
    sources,
    name: info.name,
    epoch: info.epoch,
    version: info.version,
    release: info.release,
  };
}
