/**
 * The base profile of the machine a local build ran on ("build host"): for trying layers made by
 * the local builder on that machine (tests, demos), never for deploying. The local builder compiles
 * against the host's glibc (2.36 on Debian 12), not the target's (AL2: 2.26), so its binaries need
 * symbol versions the target's profile rightly lacks; and the libraries it linked that the built
 * RPMs do not provide are the host's. The profile is the target's, with the host's glibc version and,
 * for each such library, the host's copy: its provides (read from its ELF, as a capture reads them)
 * and its canonical path.
 */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { loadProfile, type BaseProfile, type Capability } from '../config/profile.js';
import { requireTargetProfile, type Target } from '../config/target.js';
import { scanPackages } from '../repodata/index.js';
import { readRpmInfo } from '../rpm/package.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { libraryCapabilities } from './capture.js';

/** soname → path, from the host loader's cache (`ldconfig -p`), the libraries of the target's machine only. */
export async function hostLibraries(target: Target): Promise<Map<string, string>> {
  const r = await execa('ldconfig', ['-p'], { reject: false });
  if (r.exitCode !== 0)
    throw new YumdaError('BUILD_HOST_PROFILE', `ldconfig -p failed: ${String(r.stderr).trim() || r.message}`, {
      exitCode: ExitCode.environment,
    });
  const out = new Map<string, string>();
  for (const line of String(r.stdout).split('\n')) {
    const m = /^\s*(\S+) \(([^)]*)\) => (\S+)/.exec(line);
    if (!m || out.has(m[1]!)) continue;
    // the flags name the ABI (libc6,x86-64 / libc6,AArch64); the ELF check below is what decides
    if (libraryCapabilities(m[3]!, target)) out.set(m[1]!, m[3]!);
  }
  return out;
}

/** The sonames the RPMs require and do not provide among themselves. */
export function unprovidedSonames(rpms: Array<{ provides: string[]; requires: string[] }>): string[] {
  const provided = new Set(rpms.flatMap((r) => r.provides));
  const sonames = new Set<string>();
  for (const rpm of rpms)
    for (const req of rpm.requires) {
      if (provided.has(req)) continue;
      const soname = /^([^()]+\.so[^()]*)\(/.exec(req)?.[1];
      if (soname) sonames.add(soname);
    }
  return [...sonames].sort();
}

/**
 * The host libraries a layer built here loads: the sonames the RPMs need and do not provide, and
 * what those libraries need in turn (libgssapi_krb5 brings libkrb5, libk5crypto, libcom_err, …),
 * less what the RPMs provide. `found` is in the order they were reached; `missing` is sorted.
 */
export function hostLibraryClosure(
  wanted: string[],
  providedBySet: (soname: string) => boolean,
  lookup: (soname: string) => { needed: string[] } | null,
): { found: string[]; missing: string[] } {
  const seen = new Set(wanted);
  const queue = [...wanted];
  const found: string[] = [];
  const missing: string[] = [];
  for (let soname = queue.shift(); soname !== undefined; soname = queue.shift()) {
    const lib = lookup(soname);
    if (!lib) {
      missing.push(soname);
      continue;
    }
    found.push(soname);
    for (const next of lib.needed)
      if (!seen.has(next) && !providedBySet(next)) {
        seen.add(next);
        queue.push(next);
      }
  }
  return { found, missing: missing.sort() };
}

async function rpmFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir))
    throw new YumdaError('BUILD_HOST_PROFILE', `${dir}: no such directory`, { exitCode: ExitCode.usage });
  return (await scanPackages(dir)).filter((f) => !f.endsWith('.src.rpm')).map((f) => join(dir, f));
}

export interface BuildHostProfile {
  profile: BaseProfile;
  /** Libraries taken from the host, and sonames the RPMs need that the host does not have either. */
  hostLibraries: string[];
  missing: string[];
}

export async function buildHostProfile(rpmDir: string, target: Target): Promise<BuildHostProfile> {
  const base = structuredClone(loadProfile(requireTargetProfile(target)));
  const rpms = await Promise.all(
    (await rpmFiles(rpmDir)).map(async (file) => {
      const info = await readRpmInfo(file);
      return { provides: info.provides.map((p) => p.name), requires: info.requires.map((r) => r.name) };
    }),
  );
  if (rpms.length === 0)
    throw new YumdaError('BUILD_HOST_PROFILE', `no binary RPMs under ${rpmDir}`, { exitCode: ExitCode.usage });
  const libs = await hostLibraries(target);
  const libc = libs.get('libc.so.6');
  const glibc = (libc && libraryCapabilities(libc, target)?.glibcVersion) ?? null;
  if (!glibc)
    throw new YumdaError('BUILD_HOST_PROFILE', "this machine's glibc version could not be read from its libc.so.6", {
      exitCode: ExitCode.environment,
    });
  const provides: Capability[] = [];
  const files: string[] = [];
  const symlinks: Record<string, string> = {};
  const taken: string[] = [];
  const setProvides = new Set(rpms.flatMap((r) => r.provides));
  const bits = target.facts.bits;
  const capabilities = new Map<string, NonNullable<ReturnType<typeof libraryCapabilities>>>();
  const { found, missing } = hostLibraryClosure(
    unprovidedSonames(rpms),
    (soname) => setProvides.has(`${soname}()${bits}`) || setProvides.has(`${soname}()`),
    (soname) => {
      const path = libs.get(soname);
      const lib = path ? libraryCapabilities(path, target) : null;
      if (lib) capabilities.set(soname, lib);
      return lib;
    },
  );
  for (const soname of found) {
    const path = libs.get(soname)!;
    for (const name of capabilities.get(soname)!.provides)
      provides.push({ name, flags: null, epoch: null, version: null, release: null });
    // the canonical path: the loader cache says /lib/x86_64-linux-gnu/… on a merged-/usr host, but
    // in the AL2 profile /lib is a link to usr/lib, which would hide a file listed under /lib
    const real = await realpath(path);
    // and the name the loader looks for (libedit.so.2), a link to it in the same directory
    const linkPath = join(await realpath(dirname(path)), soname);
    files.push(real);
    if (linkPath !== real) {
      files.push(linkPath);
      symlinks[linkPath] = real;
    }
    taken.push(real);
  }
  // the host's library directories (canonical for the same reason) are searched by its loader
  const hostDirs = [
    ...new Set(
      await Promise.all(
        [...new Set([...libs.values()].map((p) => p.replace(/\/[^/]+$/, '')))].map((d) => realpath(d).catch(() => d)),
      ),
    ),
  ].sort();
  const profile: BaseProfile = {
    ...base,
    id: `${base.id}-build-host`,
    description: `${base.id} with this build host's glibc ${glibc} and the host libraries its local builds linked (for trying layers on this machine, not for deploying)`,
    source: 'yumda base build-host',
    glibc: { version: glibc },
    ldLibraryPath: [...base.ldLibraryPath, ...hostDirs.filter((d) => !base.ldLibraryPath.includes(d))],
    provides: [...base.provides, ...provides],
    files: [...base.files, ...hostDirs.map((d) => `${d}/`), ...files],
    symlinks: { ...base.symlinks, ...symlinks },
  };
  return { profile, hostLibraries: taken, missing };
}
