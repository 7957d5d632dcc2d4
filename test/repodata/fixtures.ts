/** RPM fixtures for the repodata tests: real rpmbuild output (cached), copied into fresh repository dirs. */
import { copyFile, mkdir, mkdtemp, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildFixture } from '../helpers/rpmbuild.js';

export interface RepoFixtures {
  rpms: string[];
  srpms: string[];
}

let cached: Promise<RepoFixtures> | undefined;

/** Binary and source RPMs of the specs the repodata tests use (hello, repo-app, repo-base, repo-rich, features). */
export function repoFixtures(): Promise<RepoFixtures> {
  cached ??= (async () => {
    const rpms: string[] = [];
    const srpms: string[] = [];
    for (const spec of ['hello', 'repo-app', 'repo-base', 'repo-rich', 'features']) {
      const built = await buildFixture(spec);
      rpms.push(...built.rpms);
      srpms.push(...built.srpms);
    }
    return { rpms: rpms.sort(), srpms: srpms.sort() };
  })();
  return cached;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `yumda-repodata-${prefix}-`));
}

/** Copies files into dir (keeping mtimes), optionally under a subdirectory per file. */
export async function copyInto(dir: string, files: string[], subdir = ''): Promise<string[]> {
  const out: string[] = [];
  await mkdir(join(dir, subdir), { recursive: true });
  for (const f of files) {
    const target = join(dir, subdir, basename(f));
    await copyFile(f, target);
    const st = await stat(f);
    await utimes(target, st.atime, st.mtime);
    out.push(target);
  }
  return out;
}
