/**
 * Publishing to a local directory (file:///path): the same order as S3, each file staged beside
 * its target and renamed into place (atomic on one filesystem). One publisher at a time holds
 * DEST/.yumda-publish.lock (created exclusively, holding the pid; a lock whose process is gone is
 * taken over), and repomd.xml is only replaced if it still is the one read at the start.
 */
import { createReadStream } from 'node:fs';
import { type Stats } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { ExitCode, YumdaError } from '../util/errors.js';
import { processAlive, withStagedPath } from '../util/fs.js';
import { environmentError } from '../util/system-errors.js';
import { refuseSpecialFileSystem } from '../util/special-fs.js';
import { hashFile } from '../util/hash.js';
import type { Destination, PutOptions } from './destination.js';
import type { LocalFile, RemoteObject } from './types.js';

const LOCK_NAME = '.yumda-publish.lock';

/** A file's stand-in for an ETag: it changes whenever the file is replaced (rename gives a new mtime). */
function statTag(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

export class FileDestination implements Destination {
  readonly url: string;
  readonly root: string;
  private locked = false;

  constructor(url: string) {
    this.root = fileURLToPath(url.replace(/\/*$/, '/'));
    this.url = url.replace(/\/*$/, '/');
  }

  /** Takes the publisher lock (exclusive create; a stale lock of a dead process on this host is replaced). */
  async lock(): Promise<void> {
    refuseSpecialFileSystem(this.root, 'the destination');
    await mkdir(this.root, { recursive: true });
    const lockPath = join(this.root, LOCK_NAME);
    for (let i = 0; i < 2; i++) {
      try {
        const fh = await open(lockPath, 'wx');
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
        await fh.close();
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = JSON.parse(await readFile(lockPath, 'utf8').catch(() => '{}')) as {
          pid?: number;
          host?: string;
        };
        if (holder.host === hostname() && holder.pid !== undefined && !processAlive(holder.pid)) {
          await rm(lockPath, { force: true });
          continue;
        }
        throw new YumdaError(
          'PUBLISH_CONFLICT',
          `another publisher (pid ${holder.pid ?? '?'} on ${holder.host ?? '?'}) is publishing to ${this.url}`,
          {
            hint: `wait for it to finish; if it is gone, remove ${lockPath}`,
          },
        );
      }
    }
  }

  async list(prefix = ''): Promise<RemoteObject[]> {
    const out: RemoteObject[] = [];
    const visit = async (abs: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(abs, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const child = join(abs, entry.name);
        if (entry.isDirectory()) await visit(child);
        else if (entry.isFile()) {
          const path = relative(this.root, child).split(sep).join('/');
          const st = await stat(child);
          out.push({ path, size: st.size, etag: statTag(st), md5: undefined, sha256: undefined, modified: st.mtime });
        }
      }
    };
    // dot-entries (staging files, the lock, .yumda/) are skipped below the starting point
    await visit(prefix ? join(this.root, prefix) : this.root);
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  async lookupSha256(object: RemoteObject): Promise<string | undefined> {
    return hashFile(join(this.root, object.path));
  }

  async readSmall(path: string): Promise<{ body: Buffer; etag: string } | undefined> {
    try {
      const abs = join(this.root, path);
      const st = await stat(abs);
      return { body: await readFile(abs), etag: statTag(st) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async open(path: string): Promise<Readable> {
    const abs = join(this.root, path);
    try {
      await stat(abs);
    } catch {
      throw new YumdaError('NOT_FOUND', `not found: ${this.url}${path}`);
    }
    return createReadStream(abs, { highWaterMark: 1 << 20 });
  }

  private async currentTag(path: string): Promise<string | undefined> {
    try {
      return statTag(await stat(join(this.root, path)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(file: LocalFile, options: PutOptions): Promise<'written' | 'conflict'> {
    const target = join(this.root, file.path);
    const current = await this.currentTag(file.path);
    if ('ifMatch' in options.condition ? current !== options.condition.ifMatch : current !== undefined) {
      // the same bytes already there count as written
      if (current !== undefined && (await hashFile(target)) === file.sha256) return 'written';
      return 'conflict';
    }
    let stagingPath = '';
    try {
      await mkdir(dirname(target), { recursive: true });
      await withStagedPath(target, async (staging) => {
        stagingPath = staging;
        await copyFile(file.absPath, staging);
        if ((await hashFile(staging)) !== file.sha256) {
          throw new YumdaError('CHECKSUM_MISMATCH', `${file.absPath} changed while it was being published`, {
            exitCode: ExitCode.integrity,
          });
        }
      });
    } catch (e) {
      throw environmentError(e, { shownPath: (p) => (p === stagingPath ? target : p), fallbackPath: target }) ?? e;
    }
    return 'written';
  }

  async create(path: string, body: Buffer): Promise<'written' | 'conflict'> {
    const target = join(this.root, path);
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeFile(target, body, { flag: 'wx' });
      return 'written';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'conflict';
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    await rm(join(this.root, path), { force: true });
  }

  async close(): Promise<void> {
    if (this.locked) await rm(join(this.root, LOCK_NAME), { force: true });
    this.locked = false;
  }
}
