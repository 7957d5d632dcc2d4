/**
 * The pure core of `yumda base capture`: observations of a runtime (installed packages, paths,
 * symlinks, shared libraries, glibc version, loader) plus the target's facts → a base profile.
 *
 * Two kinds of observation:
 * - from a root file system (a directory, an image tarball, an image through the engine): packages
 *   with the provides rpm recorded for them, every path and symlink, and each shared library's
 *   DT_SONAME and version definitions read from its ELF file;
 * - from a listing (packages.txt = `rpm -qa`, fs.txt = every path), what round one captured for AL2:
 *   no file contents, so sonames follow the library naming convention (the shortest numeric
 *   version of each stem in a library dir) and symbol version nodes come from the target's
 *   `listingSymbolVersions` table. This is how repo-metadata/base/al2.json was made, and capturing
 *   the same listing gives the same profile.
 */
import { baseProfileSchema, type BaseProfile, type Capability } from '../config/profile.js';
import type { Target } from '../config/target.js';

export interface ObservedPackage {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  /** What rpm recorded the package provides; absent for a listing. */
  provides?: Capability[];
}

export interface ObservedLibrary {
  /** Absolute path in the runtime. */
  path: string;
  soname: string;
  /** Version nodes the library defines (verdef, without the soname's base entry). */
  verdef: string[];
  bits: 32 | 64;
}

export interface Observations {
  /** For the profile's `source`: what was captured. */
  source: string;
  packages: ObservedPackage[];
  /** Every path, absolute; directories end in '/'. */
  files: string[];
  /** Symbolic links (path → target). For a listing, the target's merged-/usr links. */
  symlinks: Record<string, string>;
  /** Shared libraries read from ELF files; null for a listing (nothing to read). */
  libraries: ObservedLibrary[] | null;
  glibcVersion: string | null;
  /** LD_LIBRARY_PATH from the image's configuration, when it sets one. */
  ldLibraryPath: string[] | null;
  /** Whether the target's loader exists (null: unknown, a listing is trusted to have one). */
  hasLoader: boolean | null;
}

export function capability(name: string, evr?: { epoch: number | null; version: string; release: string }): Capability {
  if (!evr) return { name, flags: null, epoch: null, version: null, release: null };
  return { name, flags: 'EQ', epoch: evr.epoch ?? 0, version: evr.version, release: evr.release };
}

/** The soname of each library file directly in a library dir, by naming convention (listing captures). */
export function deriveSonames(files: string[], libDirs: string[]): string[] {
  const byStem = new Map<string, string[]>();
  for (const file of files) {
    if (file.endsWith('/')) continue;
    const slash = file.lastIndexOf('/');
    if (!libDirs.includes(file.slice(0, slash))) continue;
    const base = file.slice(slash + 1);
    const m = /^(.+\.so)((?:\.\d+)*)$/.exec(base);
    // glibc's implementation files (libc-2.26.so) are not sonames
    if (!m || /-\d+(\.\d+)+\.so$/.test(m[1]!)) continue;
    byStem.set(m[1]!, [...(byStem.get(m[1]!) ?? []), base]);
  }
  const sonames: string[] = [];
  for (const [stem, names] of byStem) {
    const versioned = names
      .filter((n) => n !== stem)
      .sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
    sonames.push(versioned[0] ?? stem);
  }
  return [...new Set(sonames)].sort();
}

function capKey(c: Capability): string {
  // rpm records `name = 1.0-1` without an epoch where yumda writes epoch 0: the same capability
  const epoch = c.epoch ?? (c.version !== null ? 0 : '');
  return `${c.name}\0${c.flags ?? ''}\0${epoch}\0${c.version ?? ''}\0${c.release ?? ''}`;
}

/** Builds (and validates) the profile. Pure: the same observations give the same bytes. */
export function buildProfile(target: Target, obs: Observations): BaseProfile {
  const f = target.facts;
  const provides: Capability[] = [];
  const seen = new Set<string>();
  const add = (c: Capability): void => {
    const k = capKey(c);
    if (seen.has(k)) return;
    seen.add(k);
    provides.push(c);
  };
  const packages = [...obs.packages]
    .map((p) => ({ ...p, epoch: p.epoch ?? target.knownEpochs[p.name] ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const p of packages) {
    // what rpm recorded first (a root capture), then the name provides rpm always has (a listing)
    for (const c of p.provides ?? []) add(c);
    add(capability(p.name, p));
    if (p.arch !== 'noarch') add(capability(`${p.name}(${f.isa})`, p));
  }
  const bitsOf = (bits: 32 | 64): string => (bits === 64 ? f.bits : '');
  if (obs.libraries === null) {
    const sonames = deriveSonames(obs.files, f.libDirs);
    for (const so of sonames) add(capability(`${so}()${f.bits}`));
    for (const [so, nodes] of Object.entries(f.listingSymbolVersions)) {
      if (!sonames.includes(so)) continue;
      for (const node of nodes) add(capability(`${so}(${node})${f.bits}`));
    }
  } else {
    const libs = [...obs.libraries].sort((a, b) => a.soname.localeCompare(b.soname) || a.path.localeCompare(b.path));
    for (const lib of libs) add(capability(`${lib.soname}()${bitsOf(lib.bits)}`));
    for (const lib of libs) for (const node of lib.verdef) add(capability(`${lib.soname}(${node})${bitsOf(lib.bits)}`));
  }
  if (obs.hasLoader !== false) add(capability('rtld(GNU_HASH)'));
  // executables are file provides under every spelling the merged-/usr links give them
  const aliases = Object.entries(obs.symlinks)
    .filter(([link, to]) => /^\/[^/]+$/.test(link) && /^\/?usr\/[^/]+$/.test(to))
    .map(([link, to]) => ['/' + to.replace(/^\/+/, ''), link] as const);
  for (const file of obs.files) {
    if (!/^\/usr\/s?bin\/[^/]+$/.test(file)) continue;
    add(capability(file));
    for (const [to, link] of aliases) if (file.startsWith(to + '/')) add(capability(link + file.slice(to.length)));
  }
  const profile: BaseProfile = {
    id: f.profile,
    description: f.description,
    arch: target.arch,
    source: obs.source,
    rpm: {
      version: target.rpm.version,
      features: Object.entries(target.rpm.features)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([feature, evr]) => {
          const [version, release] = evr.split('-') as [string, string];
          return { name: `rpmlib(${feature})`, flags: 'EQ' as const, epoch: 0, version, release };
        }),
      payloadCompressors: target.rpm.payloadCompressors,
    },
    glibc: { version: obs.glibcVersion ?? target.glibc },
    ldLibraryPath: obs.ldLibraryPath ?? f.ldLibraryPath,
    defaultLibDirs: f.defaultLibDirs,
    layerRoot: '/opt',
    packages: packages.map((p) => ({
      name: p.name,
      epoch: p.epoch,
      version: p.version,
      release: p.release,
      arch: p.arch,
    })),
    provides,
    files: obs.files,
    symlinks: obs.symlinks,
  };
  return baseProfileSchema().parse(profile);
}

/** Splits `name-version-release.arch` (names may contain dashes; version and release may not). */
export function parseNevra(line: string): { name: string; version: string; release: string; arch: string } {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)$/.exec(line.trim());
  if (!m) throw new Error(`cannot parse package "${line}" (expected name-version-release.arch)`);
  return { name: m[1]!, version: m[2]!, release: m[3]!, arch: m[4]! };
}
