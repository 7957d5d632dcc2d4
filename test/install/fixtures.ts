/**
 * Test repositories for the client: small source packages described as data, turned into specs,
 * built with the real rpmbuild (cached by spec hash, shared across test files), indexed by the
 * project's own indexer and served over HTTP on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { buildFixture, fixtureCacheRoot } from '../helpers/rpmbuild.js';
import { serveDirectory, type ServedDirectory } from '../helpers/http-server.js';
import { indexRepository } from '../../src/repodata/index.js';

export interface FixturePackage {
  name: string;
  /** 'noarch' (default) or 'native' (the host arch, x86_64 here). */
  arch?: 'noarch' | 'native';
  summary?: string;
  requires?: string[];
  /** Requires(post): only scriptlets need them. */
  requiresPost?: string[];
  provides?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  /** path (absolute, usually under /opt) → content. */
  files?: Record<string, string>;
  /** path → symlink target. */
  symlinks?: Record<string, string>;
  /** Extra lines for %files (e.g. "%doc /opt/share/doc/x/README"). */
  extraFiles?: string[];
  /** Shell lines appended to %install. */
  install?: string[];
}

export interface FixtureSource {
  /** Source package name (also the first binary package's name when packages[0].name equals it). */
  name: string;
  version?: string;
  release?: string;
  epoch?: number;
  packages: FixturePackage[];
  /** Shell lines for %build (run with the buildroot available as %{buildroot} in %install only). */
  build?: string[];
  /** Extra spec preamble lines (e.g. %global __requires_exclude ...). */
  preamble?: string[];
  /** rpm defines (e.g. a zstd payload). */
  defines?: Record<string, string>;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

export function specFor(src: FixtureSource): string {
  const lines: string[] = [
    ...(src.preamble ?? []),
    `Name: ${src.name}`,
    `Version: ${src.version ?? '1.0'}`,
    `Release: ${src.release ?? '1.lambda2'}`,
    ...(src.epoch !== undefined ? [`Epoch: ${src.epoch}`] : []),
    'License: MIT',
    'Prefix: /opt',
  ];
  const main = src.packages.find((p) => p.name === src.name);
  if (!main)
    lines.push(
      `Summary: source ${src.name}`,
      '',
      '%description',
      `Source package ${src.name} for yumda client tests.`,
      '',
    );
  for (const p of [...(main ? [main] : []), ...src.packages.filter((q) => q !== main)]) {
    if (p !== main) lines.push(`%package -n ${p.name}`);
    lines.push(`Summary: ${p.summary ?? `the ${p.name} package`}`);
    if ((p.arch ?? 'noarch') === 'noarch') lines.push('BuildArch: noarch');
    for (const r of p.requires ?? []) lines.push(`Requires: ${r}`);
    for (const r of p.requiresPost ?? []) lines.push(`Requires(post): ${r}`);
    for (const r of p.provides ?? []) lines.push(`Provides: ${r}`);
    for (const r of p.conflicts ?? []) lines.push(`Conflicts: ${r}`);
    for (const r of p.obsoletes ?? []) lines.push(`Obsoletes: ${r}`);
    lines.push('', `%description -n ${p.name}`, `${p.summary ?? p.name} (yumda test package).`, '');
  }
  if (src.build) lines.push('%build', ...src.build, '');
  lines.push('%install');
  for (const p of src.packages) {
    for (const [path, content] of Object.entries(p.files ?? {})) {
      const dir = path.slice(0, path.lastIndexOf('/'));
      lines.push(`mkdir -p %{buildroot}${dir}`, `echo ${b64(content)} | base64 -d > %{buildroot}${path}`);
      if (path.includes('/bin/')) lines.push(`chmod 0755 %{buildroot}${path}`);
    }
    for (const [path, target] of Object.entries(p.symlinks ?? {})) {
      lines.push(`mkdir -p %{buildroot}${path.slice(0, path.lastIndexOf('/'))}`, `ln -s ${target} %{buildroot}${path}`);
    }
    lines.push(...(p.install ?? []));
  }
  lines.push('');
  for (const p of src.packages) {
    lines.push(`%files -n ${p.name}`);
    for (const path of Object.keys(p.files ?? {})) lines.push(path);
    for (const path of Object.keys(p.symlinks ?? {})) lines.push(path);
    lines.push(...(p.extraFiles ?? []), '');
  }
  if (src.packages.some((p) => (p.requiresPost ?? []).length > 0)) {
    for (const p of src.packages.filter((q) => (q.requiresPost ?? []).length > 0))
      lines.push(`%post -n ${p.name}`, 'true', '');
  }
  return lines.join('\n') + '\n';
}

/** Builds every source (cached) and returns the binary RPM paths. */
export async function buildSources(sources: FixtureSource[]): Promise<string[]> {
  const specDir = join(fixtureCacheRoot, 'client-specs');
  await mkdir(specDir, { recursive: true });
  const rpms: string[] = [];
  // a few rpmbuilds at a time: each is a short single-threaded process
  const queue = [...sources];
  const worker = async (): Promise<void> => {
    for (let src = queue.shift(); src; src = queue.shift()) {
      const text = specFor(src);
      const path = join(specDir, `${src.name}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.spec`);
      await writeFile(path, text);
      const built = await buildFixture(path, { defines: { _binary_payload: 'w2.xzdio', ...src.defines } });
      rpms.push(...built.rpms);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return rpms.sort();
}

/** A repository directory: the RPMs copied under Packages/ and indexed by yumda's indexer. */
export async function makeRepo(rpms: string[], name = 'repo'): Promise<string> {
  const dir = join(tmpdir(), `yumda-client-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'Packages'), { recursive: true });
  for (const rpm of rpms) await cp(rpm, join(dir, 'Packages', basename(rpm)));
  await indexRepository(dir, { revision: '1' });
  return dir;
}

/**
 * Two versions of a repository served over HTTP on 127.0.0.1, a scratch directory with a shared
 * package cache, and the install arguments for a layer in it; everything goes at teardown (with
 * `extraCleanup`, e.g. a directory outside the layer that a test watches).
 */
export async function twoRepoLayerFixture(
  t: { teardown: (fn: () => unknown) => void },
  rpmsV1: string[],
  rpmsV2: string[],
  label: string,
  extraCleanup: string[] = [],
) {
  const [repo1, repo2] = await Promise.all([makeRepo(rpmsV1, `${label}-v1`), makeRepo(rpmsV2, `${label}-v2`)]);
  const [server1, server2] = await Promise.all([serveDirectory(repo1), serveDirectory(repo2)]);
  const work = await mkdtemp(join(tmpdir(), `yumda-${label}-`));
  const cache = join(work, 'cache');
  t.teardown(async () => {
    await Promise.all([server1.close(), server2.close()]);
    await Promise.all([work, repo1, repo2, ...extraCleanup].map((d) => rm(d, { recursive: true, force: true })));
  });
  const args = (dest: string, server: ServedDirectory = server1): string[] => [
    '--repo',
    server.url,
    '--cache-dir',
    cache,
    '-d',
    dest,
    '--no-check',
    '--base',
    'none',
  ];
  return { server1, server2, work, cache, args };
}
