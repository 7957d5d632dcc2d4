/**
 * `yumda base capture`: a base profile from a real runtime.
 *
 *   root directory     the runtime's file system unpacked somewhere (read in place)
 *   image tarball      `docker export` / `podman export` output (unpacked into a scratch dir)
 *   image reference    through the container engine: create (never started), export, remove
 *   listing            packages.txt (`rpm -qa`) + fs.txt (every path): how round one captured AL2
 *
 * Nothing is run from the captured file system and no rpm is needed: the rpm database is read by
 * src/base/rpmdb.ts, libraries by yumda's ELF reader; symlinks are followed inside the root only.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { execa } from 'execa';
import type { BaseProfile } from '../config/profile.js';
import { normaliseArch, ociPlatform, type Target } from '../config/target.js';
import { type Engine, firstLine, removeContainers } from '../container/engine.js';
import { isElfMagic, parseElf, readElfStrings, withFileSource } from '../layer/elf.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import {
  buildProfile,
  parseNevra,
  type ObservedLibrary,
  type ObservedPackage,
  type Observations,
} from './profile-build.js';
import { readRootRpmDb } from './rpmdb.js';
import { RootFs } from './rootfs.js';

export interface CaptureResult {
  profile: BaseProfile;
  /** Things worth telling the person capturing (skipped rpmdb entries, unreadable libraries…). */
  notes: string[];
}

const ELF_MACHINES: Record<number, string> = {
  3: 'i386',
  62: 'x86_64',
  40: 'arm',
  183: 'aarch64',
  243: 'riscv64',
  21: 'ppc64',
  22: 's390x',
};

function machineName(machine: number): string {
  return ELF_MACHINES[machine] ?? `ELF machine ${machine}`;
}

/** glibc's own banner ("GNU C Library … release version 2.26") in libc.so.6. */
export function glibcVersionFromStrings(strings: string[]): string | null {
  for (const s of strings) {
    const m = /GNU C Library\b.*\bversion (\d+\.\d+(?:\.\d+)?)/.exec(s);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * The capabilities one shared library file provides (its soname and version definitions), as a
 * capture records them; null when the file is not a shared library of the target's machine.
 */
export function libraryCapabilities(
  file: string,
  target: Target,
): { soname: string; provides: string[]; needed: string[]; glibcVersion: string | null } | null {
  return withFileSource(file, (src) => {
    if (src.size < 64 || !isElfMagic(src.read(0, 4))) return null;
    const info = parseElf(src);
    if (info.type !== 'dyn' || !info.soname || info.machine !== target.facts.elfMachine) return null;
    const bits = info.bits === 64 ? target.facts.bits : '';
    const glibcVersion =
      info.soname === 'libc.so.6' ? glibcVersionFromStrings(readElfStrings(src, info, { minLength: 16 })) : null;
    return {
      soname: info.soname,
      provides: [`${info.soname}()${bits}`, ...info.verdef.map((v) => `${info.soname}(${v})${bits}`)],
      needed: info.needed,
      glibcVersion,
    };
  });
}

interface RootOptions {
  /** LD_LIBRARY_PATH from the image configuration, when known. */
  ldLibraryPath?: string[] | null;
  source?: string;
}

/** Captures from a root directory. */
export async function captureFromRoot(dir: string, target: Target, options: RootOptions = {}): Promise<CaptureResult> {
  const root = new RootFs(dir);
  if (!root.isDir('/'))
    throw new YumdaError('CAPTURE_NO_ROOT', `${dir} is not a directory`, { exitCode: ExitCode.usage });
  const notes: string[] = [];
  const entries = root.walk();
  const files = entries.map((e) => (e.kind === 'dir' ? `${e.path}/` : e.path));
  const symlinks: Record<string, string> = {};
  for (const e of entries) {
    // targets stored absolute (resolved against the link's directory, not followed): every reader of a profile agrees on them
    if (e.kind === 'symlink')
      symlinks[e.path] = e.target!.startsWith('/')
        ? posix.normalize(e.target!)
        : posix.join(posix.dirname(e.path), e.target!);
  }

  const db = await readRootRpmDb(root);
  let packages: ObservedPackage[] = [];
  if (!db)
    notes.push(
      'no rpm database found (looked in /var/lib/rpm and /usr/lib/sysimage/rpm): the profile lists no packages',
    );
  else {
    if (db.skipped > 0) notes.push(`${db.path}: ${db.skipped} entries could not be decoded and were skipped`);
    packages = db.packages.map((p) => ({
      name: p.name,
      epoch: p.epoch,
      version: p.version,
      release: p.release,
      arch: p.arch,
      provides: p.provides.map((d) => ({
        name: d.name,
        flags: d.flags,
        epoch: d.epoch,
        version: d.version,
        release: d.release,
      })),
    }));
    const foreign = packages.filter(
      (p) => p.arch !== 'noarch' && !/^i[3-6]86$/.test(p.arch) && normaliseArch(p.arch) !== target.arch,
    );
    if (foreign.length > 0 && foreign.length * 2 > packages.filter((p) => p.arch !== 'noarch').length) {
      throw new YumdaError(
        'CAPTURE_WRONG_ARCH',
        `${options.source ?? dir} holds ${foreign[0]!.arch} packages (${foreign[0]!.name}) but the target is ${target.key}`,
        {
          exitCode: ExitCode.usage,
          hint: `capture with --target ${target.id}/${normaliseArch(foreign[0]!.arch)}`,
        },
      );
    }
  }

  // shared libraries: the library dirs and the runtime's LD_LIBRARY_PATH (not the layer mount, not the function)
  const ldPath = options.ldLibraryPath ?? target.facts.ldLibraryPath;
  const searchDirs = [...target.facts.libDirs, ...target.facts.defaultLibDirs, ...ldPath].filter(
    (d) => !(d === '/opt' || d.startsWith('/opt/') || d === '/var/task' || d.startsWith('/var/task/')),
  );
  const libraries: ObservedLibrary[] = [];
  const seenReal = new Set<string>();
  let glibcVersion: string | null = null;
  const wrongMachine: string[] = [];
  for (const d of [...new Set(searchDirs)]) {
    const real = root.resolve(d);
    if (!real || !root.isDir(real)) continue;
    for (const e of entries) {
      if (e.kind !== 'file' || posix.dirname(e.path) !== real || seenReal.has(e.path)) continue;
      if (!/\.so(\.|$)/.test(posix.basename(e.path))) continue;
      seenReal.add(e.path);
      try {
        withFileSource(root.hostPath(e.path), (src) => {
          if (src.size < 64 || !isElfMagic(src.read(0, 4))) return;
          const info = parseElf(src);
          if (info.type !== 'dyn') return;
          if (info.machine !== target.facts.elfMachine) {
            wrongMachine.push(`${e.path} (${machineName(info.machine)})`);
            return;
          }
          if (info.soname)
            libraries.push({
              path: `${d}/${posix.basename(e.path)}`,
              soname: info.soname,
              verdef: info.verdef,
              bits: info.bits,
            });
          if (info.soname === 'libc.so.6' && !glibcVersion)
            glibcVersion = glibcVersionFromStrings(readElfStrings(src, info, { minLength: 16 }));
        });
      } catch (err) {
        notes.push(`${e.path}: not read (${(err as Error).message})`);
      }
    }
  }
  if (wrongMachine.length > 0 && libraries.length === 0) {
    throw new YumdaError(
      'CAPTURE_WRONG_ARCH',
      `${options.source ?? dir} has ${wrongMachine[0]} libraries but the target is ${target.key} (${machineName(target.facts.elfMachine)})`,
      {
        exitCode: ExitCode.usage,
      },
    );
  }
  for (const w of wrongMachine.slice(0, 5)) notes.push(`${w}: not a ${target.arch} library, left out`);
  if (!glibcVersion) {
    const glibc = packages.find((p) => p.name === 'glibc');
    if (glibc) glibcVersion = glibc.version;
  }
  if (!glibcVersion)
    notes.push(`glibc version not found in the root (no readable libc.so.6): using the target's ${target.glibc}`);
  const loader = root.resolve(target.facts.loader);
  const hasLoader = loader !== null && root.isFile(loader);
  if (!hasLoader) notes.push(`${target.facts.loader} (the ${target.arch} loader) is not in the root`);

  const obs: Observations = {
    source: options.source ?? `captured by yumda base capture from a root directory`,
    packages,
    files,
    symlinks,
    libraries,
    glibcVersion,
    ldLibraryPath: options.ldLibraryPath ?? null,
    hasLoader,
  };
  return { profile: buildProfile(target, obs), notes };
}

/**
 * Observations from a listing: DIR/packages.txt (`rpm -qa` output) and DIR/fs.txt (paths relative
 * to /, directories ending in '/'). Synchronous: scripts/gen-base-profile.ts uses it too.
 */
export function listingObservations(dir: string, target: Target, source?: string): Observations {
  const read = (name: string): string[] => {
    try {
      return readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    } catch (e) {
      throw new YumdaError(
        'CAPTURE_NO_LISTING',
        `cannot read ${join(dir, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        { exitCode: ExitCode.usage },
      );
    }
  };
  const packages: ObservedPackage[] = read('packages.txt').map((line) => {
    try {
      return { ...parseNevra(line), epoch: null };
    } catch (e) {
      throw new YumdaError('CAPTURE_BAD_LISTING', `${join(dir, 'packages.txt')}: ${(e as Error).message}`);
    }
  });
  return {
    source: source ?? `captured by yumda base capture from a listing (${posix.basename(dir)}/{packages.txt,fs.txt})`,
    packages,
    files: read('fs.txt').map((l) => '/' + l.replace(/^\/+/, '')),
    symlinks: target.usrmergeSymlinks,
    libraries: null,
    glibcVersion: null,
    ldLibraryPath: null,
    hasLoader: null,
  };
}

/** Captures from a listing (see listingObservations). */
export async function captureFromListing(
  dir: string,
  target: Target,
  options: { source?: string } = {},
): Promise<CaptureResult> {
  return {
    profile: buildProfile(target, listingObservations(dir, target, options.source)),
    notes: [
      'a listing has no file contents: sonames follow the naming convention and symbol versions come from the target data',
    ],
  };
}

/** Unpacks an image tarball (docker/podman export, or a root tarball) into a scratch directory, then captures. */
export async function captureFromTarball(
  file: string,
  target: Target,
  options: RootOptions = {},
): Promise<CaptureResult> {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-capture-'));
  try {
    // GNU tar strips leading '/' and refuses members with '..'; device nodes and the runtime's mounts are skipped
    const r = await execa(
      'tar',
      [
        '-x',
        '-f',
        file,
        '-C',
        dir,
        '--no-same-owner',
        '--no-same-permissions',
        '--delay-directory-restore',
        '--warning=no-timestamp',
        '--exclude=./dev/*',
        '--exclude=dev/*',
        '--exclude=./proc/*',
        '--exclude=proc/*',
        '--exclude=./sys/*',
        '--exclude=sys/*',
      ],
      { reject: false },
    );
    if (r.exitCode !== 0) {
      throw new YumdaError('CAPTURE_BAD_TARBALL', `cannot unpack ${file}: ${firstLine(r.stderr) || r.message}`, {
        exitCode: ExitCode.failure,
      });
    }
    return await captureFromRoot(dir, target, {
      ...options,
      source: options.source ?? `captured by yumda base capture from an image tarball (${posix.basename(file)})`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ImageConfig {
  env: string[];
  arch: string | null;
}

async function imageConfig(engine: Engine, image: string): Promise<ImageConfig> {
  const r = await execa(
    engine.command,
    ['image', 'inspect', '--format', '{{json .Config.Env}}|{{.Architecture}}', image],
    { reject: false },
  );
  if (r.exitCode !== 0) return { env: [], arch: null };
  const [envJson, arch] = String(r.stdout).trim().split('|');
  let env: string[] = [];
  try {
    const parsed = JSON.parse(envJson ?? 'null') as unknown;
    if (Array.isArray(parsed)) env = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    // an image without Env prints "null" or nothing
  }
  return { env, arch: arch ? arch.trim() : null };
}

/** LD_LIBRARY_PATH from an image's environment. */
export function ldLibraryPathFromEnv(env: string[]): string[] | null {
  const line = env.find((e) => e.startsWith('LD_LIBRARY_PATH='));
  if (!line) return null;
  const dirs = line.slice('LD_LIBRARY_PATH='.length).split(':').filter(Boolean);
  return dirs.length > 0 ? dirs : null;
}

/** The engine commands of an image capture (a container created, never started). */
function imageCaptureArgv(
  engine: Engine,
  image: string,
  target: Target,
  name: string,
  tarball: string,
): { create: string[]; export: string[]; remove: string[] } {
  return {
    create: [engine.command, 'create', '--platform', ociPlatform(target.arch), '--name', name, image, '/bin/true'],
    export: [engine.command, 'export', '--output', tarball, name],
    remove: [engine.command, 'rm', '--force', name],
  };
}

/** Captures an image through the engine (pulled if the engine can and must). */
export async function captureFromImage(engine: Engine, image: string, target: Target): Promise<CaptureResult> {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-capture-image-'));
  const name = `yumda-capture-${process.pid}-${Date.now().toString(36)}`;
  const tarball = join(dir, 'rootfs.tar');
  const argv = imageCaptureArgv(engine, image, target, name, tarball);
  try {
    const created = await execa(argv.create[0]!, argv.create.slice(1), { reject: false });
    if (created.exitCode !== 0) {
      throw new YumdaError(
        'CAPTURE_IMAGE_FAILED',
        `${engine.name} could not create a container from ${image}: ${firstLine(created.stderr) || created.message}`,
        {
          exitCode: ExitCode.unreachable,
        },
      );
    }
    const config = await imageConfig(engine, image);
    if (config.arch && normaliseArch(config.arch) !== target.arch) {
      throw new YumdaError(
        'CAPTURE_WRONG_ARCH',
        `${image} is a ${normaliseArch(config.arch)} image but the target is ${target.key}`,
        {
          exitCode: ExitCode.usage,
          hint: `capture with --target ${target.id}/${normaliseArch(config.arch)}`,
        },
      );
    }
    const exported = await execa(argv.export[0]!, argv.export.slice(1), { reject: false });
    if (exported.exitCode !== 0) {
      throw new YumdaError(
        'CAPTURE_IMAGE_FAILED',
        `${engine.name} export of ${image} failed: ${firstLine(exported.stderr) || exported.message}`,
      );
    }
    await removeContainers(engine, [name]);
    return await captureFromTarball(tarball, target, {
      ldLibraryPath: ldLibraryPathFromEnv(config.env),
      source: `captured by yumda base capture from the image ${image} (${target.arch}) through ${engine.name}`,
    });
  } finally {
    await removeContainers(engine, [name]);
    await rm(dir, { recursive: true, force: true });
  }
}
