/**
 * rpmbuild on the host, with the target's macros and an isolated _topdir per build: for tests and
 * for people without Docker.
 *
 * What differs from the docker builder, and why: the build image links /opt/lib → /usr/lib64 (and
 * include, bin) so that BuildRequires installed by yum are found through /opt paths. A host cannot
 * have those links (and must not install into its own /opt), so instead the RPMs of earlier waves are
 * extracted into a per-build sysroot and the toolchain is pointed at it through the environment,
 * which rpm's %configure and plain Makefiles both respect: CPATH (headers), LIBRARY_PATH (-l at link
 * time), LD_LIBRARY_PATH (running freshly built tools; also ld's -rpath-link search), PKG_CONFIG_PATH,
 * and PATH. pkg-config files in the sysroot name /opt paths; they are rewritten to point into the
 * sysroot. BuildRequires outside the package set come from the host (Debian's -dev packages): rpmbuild
 * runs with --nodeps because the host's rpm database is empty, and yumda checks in-set BuildRequires
 * itself when it plans.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildMacroFiles } from '../../config/macros.js';
import { ExitCode, YumdaError } from '../../util/errors.js';
import { extractIntoSysroot } from '../sysroot.js';
import type { Builder, BuildJob } from './types.js';

export interface LocalArgvOptions {
  topDir: string;
  specFile: string;
  macroFiles: string[];
}

/**
 * The shell rpmbuild runs %prep/%build/%install with. rpm's default is /bin/sh, which is bash on
 * Amazon Linux 2 (where AL2's specs are written and tested) but dash on Debian: specs use pushd/popd
 * and brace expansion (git: `mv contrib/{contacts,subtree}/…`), which dash does not have.
 */
const LOCAL_BUILD_SHELL = '/bin/bash';

export function localRpmbuildArgv(options: LocalArgvOptions): string[] {
  return [
    'rpmbuild',
    '-ba',
    '--nocheck',
    '--nodeps',
    '--define',
    `_topdir ${options.topDir}`,
    '--define',
    `_buildshell ${LOCAL_BUILD_SHELL}`,
    ...options.macroFiles.flatMap((file) => ['--load', file]),
    options.specFile,
  ];
}

/** The environment that makes a sysroot's /opt tree visible to the compiler, linker, pkg-config and shell. */
export function sysrootEnv(
  sysroot: string,
  prefix: string,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const root = join(sysroot, prefix);
  const prepend = (name: string, value: string): string => (base[name] ? `${value}:${base[name]}` : value);
  return {
    CPATH: prepend('CPATH', join(root, 'include')),
    LIBRARY_PATH: prepend('LIBRARY_PATH', join(root, 'lib')),
    LD_LIBRARY_PATH: prepend('LD_LIBRARY_PATH', join(root, 'lib')),
    PKG_CONFIG_PATH: prepend('PKG_CONFIG_PATH', `${join(root, 'lib/pkgconfig')}:${join(root, 'share/pkgconfig')}`),
    PATH: prepend('PATH', join(root, 'bin')),
  };
}

/** Points a pkg-config file's /opt variables into the sysroot (prefix=/opt → prefix=SYSROOT/opt). */
export function rewritePkgConfig(text: string, sysroot: string, prefix: string): string {
  const pattern = new RegExp(`^([A-Za-z_][A-Za-z0-9_]*=)${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$)`, 'gm');
  return text.replace(pattern, `$1${join(sysroot, prefix)}`);
}

async function rewritePkgConfigDir(dir: string, sysroot: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.endsWith('.pc'))) {
    const file = join(dir, name);
    await writeFile(file, rewritePkgConfig(await readFile(file, 'utf8'), sysroot, prefix));
  }
}

async function rpmbuildVersion(): Promise<string | null> {
  const r = await execa('rpmbuild', ['--version'], { reject: false });
  if (r.failed) return null;
  return String(r.stdout)
    .trim()
    .replace(/^RPM version\s*/i, '');
}

export class LocalBuilder implements Builder {
  readonly kind = 'local' as const;
  readonly macroFiles: string[];
  readonly prefix: string;

  constructor(options: { macroFiles?: string[]; prefix?: string } = {}) {
    this.macroFiles = options.macroFiles ?? buildMacroFiles();
    this.prefix = options.prefix ?? '/opt';
  }

  async identity(): Promise<string> {
    return `local:rpmbuild-${(await rpmbuildVersion()) ?? 'missing'}`;
  }

  async ensureAvailable(): Promise<void> {
    if ((await rpmbuildVersion()) === null) {
      throw new YumdaError('RPMBUILD_MISSING', 'the local builder needs rpmbuild, which is not installed', {
        exitCode: ExitCode.failure,
        hint: 'install it (Debian/Ubuntu: apt-get install rpm; Fedora/Amazon Linux: dnf install rpm-build), or use --builder docker',
      });
    }
  }

  async build(job: BuildJob): Promise<void> {
    const sysroot = join(job.workDir, 'sysroot');
    const topDir = join(job.workDir, 'topdir');
    if (job.dependencyRpms.length > 0) {
      await extractIntoSysroot(job.dependencyRpms, sysroot);
      await rewritePkgConfigDir(join(sysroot, this.prefix, 'lib/pkgconfig'), sysroot, this.prefix);
      await rewritePkgConfigDir(join(sysroot, this.prefix, 'share/pkgconfig'), sysroot, this.prefix);
    }
    const argv = localRpmbuildArgv({ topDir, specFile: job.specFile, macroFiles: this.macroFiles });
    argv.splice(
      argv.length - 1,
      0,
      '--define',
      `_sourcedir ${job.sourcesDir}`,
      '--define',
      `_rpmdir ${join(job.resultDir, 'RPMS')}`,
      '--define',
      `_srcrpmdir ${join(job.resultDir, 'SRPMS')}`,
    );
    const env = { LC_ALL: 'C', ...(job.dependencyRpms.length > 0 ? sysrootEnv(sysroot, this.prefix) : {}) };
    const [cmd, ...args] = argv;
    const r = await execa(cmd!, args, {
      stdout: { file: job.logFile, append: true },
      stderr: { file: job.logFile, append: true },
      reject: false,
      env,
      cancelSignal: job.signal,
    });
    if (r.exitCode !== 0)
      throw new YumdaError('BUILD_FAILED', `${job.name}: rpmbuild exited with ${r.exitCode ?? r.signal}`);
  }
}
