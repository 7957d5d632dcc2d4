/**
 * An Amazon Linux 2 style SRPMS upstream on 127.0.0.1: /2/core/latest/SRPMS/mirror.list answers a
 * versioned base URL whose repodata/ (Debian's createrepo_c, gzip metadata like AL2) lists the
 * source RPMs under Packages/.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { serveDirectory, type ServedDirectory } from '../helpers/http-server.js';

const REPO_PATH = '2/core/2.0/SRPMS/e2e';

export interface SampleUpstream {
  server: ServedDirectory;
  mirrorListUrl: string;
  /** Adds (or replaces) source RPMs and re-indexes, like an upstream release. */
  publish(srpms: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startSampleUpstream(srpms: string[]): Promise<SampleUpstream> {
  const root = await mkdtemp(join(tmpdir(), 'yumda-e2e-upstream-'));
  const repo = join(root, REPO_PATH);
  await mkdir(join(repo, 'Packages'), { recursive: true });
  const server = await serveDirectory(root);
  const publish = async (files: string[]): Promise<void> => {
    for (const f of files) await copyFile(f, join(repo, 'Packages', basename(f)));
    const r = await execa('createrepo_c', ['--general-compress-type', 'gz', '--update', repo], {
      reject: false,
      all: true,
    });
    if (r.exitCode !== 0) throw new Error(`createrepo_c failed: ${r.all}`);
  };
  await publish(srpms);
  await mkdir(join(root, '2/core/latest/SRPMS'), { recursive: true });
  await writeFile(join(root, '2/core/latest/SRPMS/mirror.list'), `${server.url}/${REPO_PATH}\n`);
  return {
    server,
    mirrorListUrl: `${server.url}/2/core/latest/SRPMS/mirror.list`,
    publish,
    close: async () => {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
