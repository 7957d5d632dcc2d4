/**
 * The base profile for layers built by the local builder on this Debian host. The local builder
 * compiles against the host's glibc (2.36 here), not AL2's 2.26, so its binaries need symbol versions
 * the AL2 profile rightly lacks. This profile is the AL2 one with the host's glibc version and, for
 * every shared library the built RPMs need that the repository does not provide, the host's copy:
 * its provides (from rpm's own elfdeps) and its file, so the installer skips it and `yumda check`
 * resolves it the way the host's loader will when the layer runs here at /opt.
 */
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { libraryCapabilities } from '../../src/base/capture.js';
import { loadProfile, type BaseProfile, type Capability } from '../../src/config/profile.js';
import { resolveTarget } from '../../src/config/target.js';
import { readRpmInfo } from '../../src/rpm/package.js';

/** The host's glibc version, read from its libc.so.6 the way `yumda base capture` reads a runtime's. */
export async function hostGlibcVersion(): Promise<string> {
  const libc = (await hostLibraries()).get('libc.so.6');
  const captured = libc ? libraryCapabilities(libc, resolveTarget('al2'))?.glibcVersion : null;
  if (captured) return captured;
  const r = await execa('getconf', ['GNU_LIBC_VERSION']);
  return String(r.stdout).trim().split(/\s+/)[1]!;
}

/** soname → host path, from the loader cache. */
async function hostLibraries(): Promise<Map<string, string>> {
  const r = await execa('ldconfig', ['-p']);
  const out = new Map<string, string>();
  for (const line of String(r.stdout).split('\n')) {
    const m = /^\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

function capability(name: string): Capability {
  return { name, flags: null, epoch: null, version: null, release: null };
}

export async function writeHostBaseProfile(rpms: string[], dest: string): Promise<BaseProfile> {
  const al2 = structuredClone(loadProfile('al2'));
  const provided = new Set<string>();
  const required = new Set<string>();
  for (const rpm of rpms) {
    const info = await readRpmInfo(rpm);
    for (const p of info.provides) provided.add(p.name);
    for (const r of info.requires) required.add(r.name);
  }
  const libs = await hostLibraries();
  const extraProvides: Capability[] = [];
  const extraFiles: string[] = [];
  const sonames = new Set(
    [...required]
      .filter((r) => !provided.has(r))
      .map((r) => /^([^()]+\.so[^()]*)\(/.exec(r)?.[1])
      .filter((s): s is string => !!s),
  );
  for (const soname of sonames) {
    const path = libs.get(soname);
    if (!path) continue;
    // the library's provides as a base capture records them (soname and version definitions from its ELF)
    const lib = libraryCapabilities(path, resolveTarget('al2'));
    if (!lib) continue;
    for (const name of lib.provides) extraProvides.push(capability(name));
    // the file where it really is: the loader cache says /lib/x86_64-linux-gnu/… on a merged-/usr
    // host, but in the AL2 profile /lib is a link to usr/lib, which would hide a file listed under /lib
    extraFiles.push(await realpath(path));
  }
  // the host's library directories, canonical for the same reason (/lib → /usr/lib on Debian 12)
  const hostDirs = [
    ...new Set(
      await Promise.all(['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'].map((d) => realpath(d).catch(() => d))),
    ),
  ];
  const profile: BaseProfile = {
    ...al2,
    id: 'al2-host-glibc',
    description: `AL2 base with this host's glibc ${await hostGlibcVersion()} and host libraries (local builder)`,
    source: 'test/e2e/host-base.ts',
    glibc: { version: await hostGlibcVersion() },
    ldLibraryPath: [...al2.ldLibraryPath, ...hostDirs],
    provides: [...al2.provides, ...extraProvides],
    files: [...al2.files, ...hostDirs.map((d) => `${d}/`), ...extraFiles],
  };
  await writeFile(dest, JSON.stringify(profile));
  return profile;
}

export async function readProfileFile(path: string): Promise<BaseProfile> {
  return JSON.parse(await readFile(path, 'utf8')) as BaseProfile;
}
