/**
 * Where each package's upstream source RPM comes from: a directory of .src.rpm files (--srpm-dir,
 * e.g. what `yumda source fetch -o DIR` stored), or the upstream repository (downloaded through the
 * upstream module into OUT/sources/). The newest EVR of each name wins.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readRpmInfo } from '../rpm/package.js';
import { nevr } from '../rpm/nevra.js';
import { compareEvr } from '../rpm/version.js';
import { resolveUpstream } from '../upstream/config.js';
import { fetchSources } from '../upstream/fetch.js';
import { loadUpstreamIndex } from '../upstream/metadata.js';
import { YumdaError } from '../util/errors.js';
import { hashFile } from '../util/hash.js';

export interface SourceRpm {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  /** NAME-[EPOCH:]VERSION-RELEASE */
  nevr: string;
  path: string;
  sha256: string;
}

/** The newest source RPM of every name found in dir (recursively). */
async function scanSrpmDir(dir: string): Promise<Map<string, SourceRpm>> {
  if (!existsSync(dir))
    throw new YumdaError('SRPM_DIR_MISSING', `no such directory: ${dir}`, {
      hint: 'fetch sources first: yumda source fetch NAME… -o DIR',
    });
  const found = new Map<string, SourceRpm>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.src.rpm')) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await readRpmInfo(path);
    if (!info.isSource) continue;
    const candidate = { name: info.name, epoch: info.epoch, version: info.version, release: info.release };
    const current = found.get(info.name);
    if (
      current &&
      compareEvr(
        { epoch: current.epoch ?? 0, version: current.version, release: current.release },
        { epoch: candidate.epoch ?? 0, version: candidate.version, release: candidate.release },
      ) >= 0
    )
      continue;
    found.set(info.name, { ...candidate, nevr: nevr(candidate), path, sha256: '' });
  }
  for (const src of found.values()) src.sha256 = await hashFile(src.path);
  return found;
}

export interface SourceLookupOptions {
  srpmDir?: string;
  /** Upstream id or URL (see `yumda source fetch --upstream`). */
  upstream?: string;
  /** Where upstream downloads are kept (OUT/sources). */
  downloadDir: string;
  onNote?: (message: string) => void;
}

/** The source RPM of every requested name; a name nobody has is an error that lists them all. */
export async function findSources(names: string[], options: SourceLookupOptions): Promise<Map<string, SourceRpm>> {
  let dir = options.srpmDir;
  if (!dir) {
    const upstream = resolveUpstream(options.upstream);
    options.onNote?.(`reading upstream ${upstream.id === 'url' ? upstream.url : upstream.id}`);
    const index = await loadUpstreamIndex(upstream);
    await fetchSources(index, names, { outDir: options.downloadDir });
    dir = options.downloadDir;
  }
  const all = await scanSrpmDir(dir);
  const missing = names.filter((n) => !all.has(n));
  if (missing.length > 0) {
    throw new YumdaError('SOURCE_MISSING', `no source RPM for ${missing.join(', ')} in ${dir}`, {
      hint: options.srpmDir
        ? `fetch them: yumda source fetch ${missing.join(' ')} -o ${dir}`
        : 'check the package names against `yumda source list`',
    });
  }
  return new Map(names.map((n) => [n, all.get(n)!]));
}
