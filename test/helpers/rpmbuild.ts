/**
 * Builds test RPMs with the real rpmbuild (Debian's `rpm` package) from specs under
 * test/fixtures/specs/, once per spec content: results are cached in a directory keyed by the hash
 * of the spec, its extra files and the defines, so parallel test files share the work.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';

export interface BuiltRpms {
  /** Binary RPMs, absolute paths, sorted. */
  rpms: string[];
  /** Source RPMs, absolute paths. */
  srpms: string[];
  dir: string;
}

export interface BuildOptions {
  /** rpm macros to define, e.g. { _binary_payload: 'w19.zstdio' }. */
  defines?: Record<string, string>;
  /** Build only the source RPM (rpmbuild -bs). */
  sourceOnly?: boolean;
  /** Extra files copied into SOURCES/ (paths relative to test/fixtures/). */
  sources?: string[];
  /** rpmbuild --target (e.g. aarch64: binary RPMs for another arch, built on this one). */
  target?: string;
}

export const fixtureCacheRoot = join(tmpdir(), 'yumda-test-fixtures');

async function listRpms(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.rpm')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      await mkdir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (i > 3000) throw new Error(`timed out waiting for fixture lock ${lockDir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/** Builds (or reuses) the RPMs of test/fixtures/specs/NAME.spec, or of an absolute spec path. */
export async function buildFixture(spec: string, options: BuildOptions = {}): Promise<BuiltRpms> {
  const specPath = spec.startsWith('/')
    ? spec
    : projectPath('test/fixtures/specs', spec.endsWith('.spec') ? spec : `${spec}.spec`);
  const specText = await readFile(specPath, 'utf8');
  const hash = createHash('sha256').update(specText).update(JSON.stringify(options));
  for (const s of options.sources ?? []) hash.update(await readFile(projectPath('test/fixtures', s)));
  const key = hash.digest('hex').slice(0, 16);
  const dir = join(fixtureCacheRoot, key);
  await mkdir(fixtureCacheRoot, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(join(dir, 'done'))) {
      return { rpms: await listRpms(join(dir, 'RPMS')), srpms: await listRpms(join(dir, 'SRPMS')), dir };
    }
    const work = `${dir}.work`;
    await rm(work, { recursive: true, force: true });
    await mkdir(join(work, 'SOURCES'), { recursive: true });
    for (const s of options.sources ?? [])
      await cp(projectPath('test/fixtures', s), join(work, 'SOURCES', s.split('/').pop()!), { recursive: true });
    const args = [
      '--define',
      `_topdir ${work}`,
      '--define',
      'debug_package %{nil}',
      '--define',
      '_build_id_links none',
      '--define',
      '__brp_strip %{nil}',
      '--define',
      '_buildhost yumda-test',
    ];
    for (const [k, v] of Object.entries(options.defines ?? {})) args.push('--define', `${k} ${v}`);
    if (options.target) args.push('--target', options.target);
    args.push(options.sourceOnly ? '-bs' : '-ba', '--nodeps', specPath);
    const result = await execa('rpmbuild', args, { reject: false, all: true, env: { LC_ALL: 'C' } });
    if (result.exitCode !== 0) throw new Error(`rpmbuild failed for ${specPath}:\n${result.all}`);
    await writeFile(join(work, 'done'), '');
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    return { rpms: await listRpms(join(dir, 'RPMS')), srpms: await listRpms(join(dir, 'SRPMS')), dir };
  });
}
