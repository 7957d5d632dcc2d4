/**
 * Layer fixtures for `yumda check`, built with the host's gcc, and small base profiles that look
 * like Lambda's (merged /usr, LD_LIBRARY_PATH with the system directories before /opt/lib).
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, writeFile, chmod, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BaseProfile } from '../../src/config/profile.js';

export async function tempDir(prefix = 'yumda-layer-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Compiles C source with gcc; `args` are extra flags (-shared, -L, -l, -Wl,...). */
export async function gcc(
  out: string,
  source: string,
  args: string[] = [],
  language: 'c' | 'c++' = 'c',
): Promise<string> {
  await mkdir(dirname(out), { recursive: true });
  const src = `${out}.${language === 'c' ? 'c' : 'cc'}`;
  await writeFile(src, source);
  await execa(language === 'c' ? 'gcc' : 'g++', ['-O1', '-o', out, src, ...args], { env: { LC_ALL: 'C' } });
  const { rm } = await import('node:fs/promises');
  await rm(src);
  return out;
}

export async function sharedLib(out: string, soname: string, source: string, args: string[] = []): Promise<string> {
  return gcc(out, source, ['-shared', '-fPIC', `-Wl,-soname,${soname}`, ...args]);
}

export async function writeText(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, mode);
}

export async function link(path: string, target: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, path);
}

let hostGlibc: string | undefined;
export async function hostGlibcVersion(): Promise<string> {
  if (!hostGlibc) {
    const r = await execa('getconf', ['GNU_LIBC_VERSION']);
    hostGlibc = String(r.stdout).trim().split(/\s+/).pop()!;
  }
  return hostGlibc;
}

/**
 * A Lambda-like base: AL2's LD_LIBRARY_PATH and default dirs, merged /usr (/lib64 → usr/lib64,
 * /bin → usr/bin), glibc at `glibc`, a few libraries and programs.
 */
export function lambdaLikeProfile(
  glibc: string,
  extraFiles: string[] = [],
  extra: Partial<BaseProfile> = {},
): BaseProfile {
  return {
    id: `test-glibc-${glibc}`,
    description: 'test profile',
    arch: 'x86_64',
    source: 'test',
    rpm: { version: '4.11', features: [], payloadCompressors: ['gzip'] },
    glibc: { version: glibc },
    ldLibraryPath: [
      '/lib64',
      '/usr/lib64',
      '/var/runtime',
      '/var/runtime/lib',
      '/var/task',
      '/var/task/lib',
      '/opt/lib',
    ],
    defaultLibDirs: ['/lib64', '/usr/lib64'],
    layerRoot: '/opt',
    packages: [],
    provides: [
      { name: 'libstdc++.so.6()(64bit)', flags: null, epoch: null, version: null, release: null },
      ...['GLIBCXX_3.4', 'GLIBCXX_3.4.24', 'CXXABI_1.3'].map((v) => ({
        name: `libstdc++.so.6(${v})(64bit)`,
        flags: null,
        epoch: null,
        version: null,
        release: null,
      })),
    ],
    files: [
      '/usr/',
      '/usr/bin/',
      '/usr/bin/env',
      '/usr/bin/sh',
      '/usr/bin/bash',
      '/usr/lib64/',
      '/usr/lib64/ld-linux-x86-64.so.2',
      '/usr/lib64/libc.so.6',
      '/usr/lib64/libm.so.6',
      '/usr/lib64/libz.so.1',
      '/usr/lib64/libstdc++.so.6',
      '/usr/lib64/libgcc_s.so.1',
      '/usr/share/',
      '/usr/share/locale/',
      '/etc/',
      '/etc/passwd',
      '/tmp/',
      ...extraFiles,
    ],
    symlinks: { '/lib64': 'usr/lib64', '/bin': 'usr/bin', '/lib': 'usr/lib', '/sbin': 'usr/sbin' },
    ...extra,
  };
}

export const HELLO_LIB = `int hello_value(void) { return 42; }\n`;
export const HELLO_MAIN = `#include <stdio.h>\nint hello_value(void);\nint main(void) { printf("%d\\n", hello_value()); return 0; }\n`;

/** A clean layer: a program and its library in /opt/lib (found through LD_LIBRARY_PATH), a script, a data file. */
export async function cleanLayer(dir: string): Promise<void> {
  await sharedLib(join(dir, 'lib/libhello.so.1.0.0'), 'libhello.so.1', HELLO_LIB);
  await link(join(dir, 'lib/libhello.so.1'), 'libhello.so.1.0.0');
  await link(join(dir, 'lib/libhello.so'), 'libhello.so.1');
  await gcc(join(dir, 'bin/hello'), HELLO_MAIN, [`-L${join(dir, 'lib')}`, '-lhello']);
  await writeText(join(dir, 'bin/run-hello'), '#!/bin/sh\nexec /opt/bin/hello "$@" > /tmp/out.txt\n', 0o755);
  await writeText(join(dir, 'bin/run-env'), '#!/usr/bin/env bash\necho hi\n', 0o755);
  await writeText(
    join(dir, 'share/hello/config'),
    'data=/opt/share/hello/data\nlog=/tmp/hello.log\nusers=/etc/passwd\nsee https://example.com/usr/share/doc\n',
  );
}
