/**
 * Upstream source tarballs from Debian's archive: `apt-get source --download-only` with deb-src in a
 * private apt configuration (its own sources.list, lists and cache under `dir`), so the host's apt
 * setup is neither needed nor touched. Debian's `NAME_VERSION.orig.tar.*` is the upstream release (or
 * a snapshot of upstream's repository) under Debian's name.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface DebianOrig {
  /** Debian source package name. */
  name: string;
  /** The upstream version (Debian's version without epoch and revision). */
  version: string;
  /** Path of the orig tarball. */
  orig: string;
}

export type DebianSources = { ok: true; origs: Map<string, DebianOrig> } | { ok: false; reason: string };

function firstError(output: string, fallback: string): string {
  return output.split('\n').find((l) => /^(E|W):/.test(l)) ?? fallback;
}

/** Downloads the source packages `names` into `dir/src`; says why when Debian's archive cannot provide them. */
export async function debianSources(names: string[], dir: string): Promise<DebianSources> {
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'src'])
    await mkdir(join(dir, d), { recursive: true });
  const codename = (await readFile('/etc/os-release', 'utf8')).match(/^VERSION_CODENAME=(\S+)/m)?.[1] ?? 'bookworm';
  await writeFile(join(dir, 'etc/sources.list'), `deb-src http://deb.debian.org/debian ${codename} main\n`);
  const options = [
    '-o',
    `Dir::Etc::SourceList=${join(dir, 'etc/sources.list')}`,
    '-o',
    `Dir::Etc::SourceParts=${join(dir, 'etc/sources.list.d')}`,
    '-o',
    `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o',
    `Dir::Cache=${join(dir, 'cache')}`,
    '-o',
    'APT::Sandbox::User=root',
    '-o',
    'Acquire::Retries=1',
    '-o',
    'Acquire::http::Timeout=20',
  ];
  const update = await execa('apt-get', [...options, 'update'], { reject: false, all: true, timeout: 120_000 });
  if (update.exitCode !== 0 || /^(E|W): Failed to fetch/m.test(String(update.all))) {
    return {
      ok: false,
      reason: `Debian's archive is unreachable (apt-get update: ${firstError(String(update.all), `exit ${update.exitCode}`)})`,
    };
  }
  const src = join(dir, 'src');
  const source = await execa('apt-get', [...options, 'source', '--download-only', ...names], {
    cwd: src,
    reject: false,
    all: true,
    timeout: 300_000,
  });
  const files = await readdir(src);
  const origs = new Map<string, DebianOrig>();
  for (const name of names) {
    const re = new RegExp(`^${name.replace(/[.+]/g, '\\$&')}_(?:\\d+:)?([^_]+)\\.orig\\.tar\\.(gz|bz2|xz)$`);
    const file = files.map((f) => re.exec(f)).find((m) => m);
    if (!file)
      return {
        ok: false,
        reason: `Debian's archive did not provide ${name}'s source (${firstError(String(source.all), `exit ${source.exitCode}`)})`,
      };
    origs.set(name, { name, version: file[1]!, orig: join(src, file[0]) });
  }
  return { ok: true, origs };
}
