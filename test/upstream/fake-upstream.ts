/**
 * A fake Amazon Linux 2 SRPMS upstream for the source tests, served over HTTP on 127.0.0.1 in the
 * real layout: 2/core/latest/SRPMS/mirror.list answers a versioned base URL (no trailing slash),
 * whose repodata/ (Debian's createrepo_c, gzip like AL2) has hrefs that climb to a shared
 * /blobstore/<sha256>/NAME.src.rpm, as AL2's do. Optionally indexed by yumda's own indexer instead.
 */
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { buildFixture } from '../helpers/rpmbuild.js';
import { serveDirectory, type ServedDirectory } from '../helpers/http-server.js';
import { projectPath } from '../../src/util/paths.js';
import { indexRepository } from '../../src/repodata/index.js';
import { hashFile } from '../../src/util/hash.js';

export interface FakeSrpm {
  name: string;
  epoch?: number;
  version: string;
  release: string;
}

/** What the fake upstream serves by default: two versions of two names, with an epoch that beats a higher version. */
export const DEFAULT_SRPMS: FakeSrpm[] = [
  { name: 'upsrc', version: '1.9', release: '1' },
  { name: 'upsrc', version: '1.10', release: '1' },
  { name: 'upsrc-extra', version: '2.0', release: '1' },
  { name: 'upsrc-extra', epoch: 1, version: '0.5', release: '3' },
];

export const FIXTURE_SPEC = projectPath('test/upstream/fixtures/upstream-src.spec');
const SOURCES = [
  '../upstream/fixtures/upsrc.c',
  '../upstream/fixtures/upsrc.conf',
  '../upstream/fixtures/upsrc-fix.patch',
];

/** Builds (cached) the .src.rpm of one fake package with rpmbuild -bs. */
export async function buildSrpm(p: FakeSrpm): Promise<string> {
  const defines: Record<string, string> = { upname: p.name, upver: p.version, uprel: p.release, dist: '.amzn2' };
  if (p.epoch !== undefined) defines.upepoch = String(p.epoch);
  const built = await buildFixture(FIXTURE_SPEC, { sourceOnly: true, defines, sources: SOURCES });
  if (built.srpms.length !== 1) throw new Error(`expected one SRPM for ${p.name}, got ${built.srpms.join(', ')}`);
  return built.srpms[0]!;
}

export interface FakeUpstream {
  server: ServedDirectory;
  root: string;
  /** http://…/2/core/latest/SRPMS/mirror.list */
  mirrorListUrl: string;
  /** The versioned repository base URL the mirror list answers. */
  baseUrl: string;
  /** URL path of a package file, e.g. "/blobstore/<sha256>/upsrc-1.10-1.amzn2.src.rpm". */
  packagePath(fileName: string): string;
  /** Local path of the SRPM the server holds, by file name. */
  localPackage(fileName: string): string;
  /** Rewrites the mirror list (e.g. to put a dead mirror first). */
  setMirrors(lines: string[]): Promise<void>;
  close(): Promise<void>;
}

const REPO_DIR = '2/core/2.0/SRPMS/5a1c0de5b4a1e2d3';

export interface FakeUpstreamOptions {
  /**
   * Who writes repodata/. createrepo_c (default): the real AL2 layout, packages in a shared
   * /blobstore/<sha256>/ reached by hrefs climbing out of the repository ("../../../../../blobstore/…").
   * yumda: the project's own indexer, packages under Packages/.
   */
  indexer?: 'createrepo_c' | 'yumda';
}

export async function startFakeUpstream(
  srpms: FakeSrpm[] = DEFAULT_SRPMS,
  options: FakeUpstreamOptions = {},
): Promise<FakeUpstream> {
  const root = await mkdtemp(join(tmpdir(), 'yumda-upstream-'));
  const repo = join(root, REPO_DIR);
  const urlPaths = new Map<string, string>();
  if (options.indexer === 'yumda') {
    await mkdir(join(repo, 'Packages'), { recursive: true });
    for (const p of srpms) {
      const file = await buildSrpm(p);
      await copyFile(file, join(repo, 'Packages', basename(file)));
      urlPaths.set(basename(file), `/${REPO_DIR}/Packages/${basename(file)}`);
    }
    await indexRepository(repo);
  } else {
    // index with the files under repo/<sha256>/, then move them to the shared blobstore the hrefs point at
    const blobs: string[] = [];
    for (const p of srpms) {
      const file = await buildSrpm(p);
      const sha = await hashFile(file);
      await mkdir(join(repo, sha), { recursive: true });
      await copyFile(file, join(repo, sha, basename(file)));
      urlPaths.set(basename(file), `/blobstore/${sha}/${basename(file)}`);
      blobs.push(sha);
    }
    await execa('createrepo_c', [
      '--quiet',
      '--no-database',
      '--general-compress-type=gz',
      '--location-prefix=../../../../../blobstore/',
      repo,
    ]);
    await mkdir(join(root, 'blobstore'), { recursive: true });
    for (const sha of blobs) await rename(join(repo, sha), join(root, 'blobstore', sha));
  }
  const server = await serveDirectory(root);
  // like the real mirror list: a versioned repository URL without a trailing slash
  const baseUrl = `${server.url}/${REPO_DIR}`;
  const listDir = join(root, '2/core/latest/SRPMS');
  await mkdir(listDir, { recursive: true });
  const setMirrors = (lines: string[]): Promise<void> =>
    writeFile(join(listDir, 'mirror.list'), lines.join('\n') + '\n');
  await setMirrors([baseUrl]);
  const urlPath = (fileName: string): string => {
    const path = urlPaths.get(fileName);
    if (!path) throw new Error(`the fake upstream has no ${fileName}`);
    return path;
  };
  return {
    server,
    root,
    mirrorListUrl: `${server.url}/2/core/latest/SRPMS/mirror.list`,
    baseUrl,
    packagePath: urlPath,
    localPackage: (fileName) => join(root, urlPath(fileName)),
    setMirrors,
    async close() {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
