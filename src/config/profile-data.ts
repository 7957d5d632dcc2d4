/**
 * The base profiles that need no validation: `none`, and the ones shipped in repo-metadata/base/
 * (generated, and checked against the schema by the tests). Kept apart from profile.ts so that the
 * everyday client path loads no schema library; profile.ts validates any other profile file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BaseProfile } from './profile.js';
import { projectPath } from '../util/paths.js';

/** The empty base: `--base none` installs everything. */
export const noneProfile: BaseProfile = {
  id: 'none',
  description: 'no base: every dependency is installed into the layer',
  arch: 'x86_64',
  source: 'built in',
  rpm: { version: '4.18', features: [], payloadCompressors: ['gzip', 'bzip2', 'xz', 'lzma', 'zstd'] },
  glibc: { version: '999' },
  ldLibraryPath: ['/opt/lib'],
  defaultLibDirs: ['/lib64', '/usr/lib64'],
  layerRoot: '/opt',
  packages: [],
  provides: [],
  files: [],
  symlinks: {},
};

/** Where a shipped profile's file is (an id: no '/', no .json). */
export function shippedProfilePath(id: string): string | null {
  return id.includes('/') || id.endsWith('.json') ? null : projectPath('repo-metadata', 'base', `${id}.json`);
}

const shipped = new Map<string, BaseProfile>();

/**
 * `none` or a shipped profile by id, read without validation (validating their 6,000 entries on
 * every run would cost more than the rest of a warm install's resolution); null for anything else.
 */
export function knownProfile(id: string): BaseProfile | null {
  if (id === 'none') return noneProfile;
  const cached = shipped.get(id);
  if (cached) return cached;
  const file = shippedProfilePath(id);
  if (!file || !existsSync(file)) return null;
  let profile: BaseProfile;
  try {
    profile = JSON.parse(readFileSync(file, 'utf8')) as BaseProfile;
  } catch {
    return null; // profile.ts reports it
  }
  shipped.set(id, profile);
  return profile;
}
