/**
 * `yumda base build-host`: the profile for trying locally built layers on this machine, made from a
 * real RPM built here by rpmbuild against this host's zlib and glibc.
 */
import { existsSync } from 'node:fs';
import { mkdir, copyFile, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { hostLibraryClosure, unprovidedSonames } from '../../src/base/build-host.js';
import { loadProfile } from '../../src/config/profile.js';
import { yumda } from '../helpers/cli.js';
import { buildFixture } from '../helpers/rpmbuild.js';
import { scratchDir } from '../helpers/tmp.js';

t.test('unprovidedSonames: soname requires that no RPM of the set provides', async (t) => {
  t.same(
    unprovidedSonames([
      { provides: ['libfoo.so.1()(64bit)'], requires: ['libfoo.so.1()(64bit)', 'libz.so.1()(64bit)', 'bash'] },
      { provides: [], requires: ['libc.so.6(GLIBC_2.34)(64bit)', '/bin/sh', 'libz.so.1()(64bit)'] },
    ]),
    ['libc.so.6', 'libz.so.1'],
  );
});

t.test('hostLibraryClosure: what the host libraries need in turn, less what the set provides', async (t) => {
  // ssh links libgssapi_krb5; on the host that brings krb5's own libraries and libc
  const needs: Record<string, string[]> = {
    'libgssapi_krb5.so.2': ['libkrb5.so.3', 'libk5crypto.so.3', 'libcom_err.so.2', 'libc.so.6'],
    'libkrb5.so.3': ['libk5crypto.so.3', 'libkrb5support.so.0', 'libkeyutils.so.1', 'libresolv.so.2', 'libc.so.6'],
    'libk5crypto.so.3': ['libkrb5support.so.0', 'libc.so.6'],
    'libkrb5support.so.0': ['libkeyutils.so.1', 'libc.so.6'],
    'libcom_err.so.2': ['libc.so.6'],
    'libkeyutils.so.1': ['libc.so.6'],
    'libresolv.so.2': ['libc.so.6'],
    'libc.so.6': [],
    'libz.so.1': ['libc.so.6'],
    'libedit.so.2': ['libtinfo.so.6', 'libc.so.6'],
  };
  const lookup = (soname: string) => (needs[soname] ? { needed: needs[soname] } : null);
  const closure = hostLibraryClosure(['libgssapi_krb5.so.2', 'libnope.so.9'], () => false, lookup);
  t.same([...closure.found].sort(), [
    'libc.so.6',
    'libcom_err.so.2',
    'libgssapi_krb5.so.2',
    'libk5crypto.so.3',
    'libkeyutils.so.1',
    'libkrb5.so.3',
    'libkrb5support.so.0',
    'libresolv.so.2',
  ]);
  t.same(closure.missing, ['libnope.so.9'], 'what the host lacks is reported, not guessed');
  // the set's own libedit is not replaced by the host's, nor is what only the host's libedit needs taken
  const withSet = hostLibraryClosure(['libz.so.1'], (s) => s === 'libedit.so.2', lookup);
  t.same(withSet.found, ['libz.so.1', 'libc.so.6']);
  t.same(
    hostLibraryClosure(['libgssapi_krb5.so.2'], (s) => s === 'libkrb5.so.3', lookup).found.includes('libkeyutils.so.1'),
    true,
    'reached through another path (libkrb5support) even when libkrb5 comes from the set',
  );
});

const zlibHeader = existsSync('/usr/include/zlib.h');
t.test(
  'a profile of this machine for an RPM that links its zlib',
  { skip: !zlibHeader && 'zlib1g-dev is not installed' },
  async (t) => {
    const { rpms } = await buildFixture('build-host-zlib');
    const dir = await scratchDir(t, 'build-host');
    await mkdir(join(dir, 'RPMS/x86_64'), { recursive: true });
    for (const rpm of rpms) await copyFile(rpm, join(dir, 'RPMS/x86_64', basename(rpm)));
    const r = await yumda(['base', 'build-host', '--rpms', join(dir, 'RPMS'), '-o', join(dir, 'host.json'), '--json']);
    t.equal(r.exitCode, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { glibc: string; hostLibraries: string[]; missing: string[] };
    const hostGlibc = String((await execa('getconf', ['GNU_LIBC_VERSION'])).stdout).split(' ')[1];
    t.equal(summary.glibc, hostGlibc, "this machine's glibc, read from its libc.so.6");
    const libz = await realpath(
      (/libz\.so\.1 \([^)]*\) => (\S+)/.exec(String((await execa('ldconfig', ['-p'])).stdout)) ?? [])[1]!,
    );
    t.ok(summary.hostLibraries.includes(libz), `the host's zlib, by its canonical path (${libz})`);
    t.same(summary.missing, []);
    const profile = loadProfile(join(dir, 'host.json'));
    t.ok(
      profile.provides.some((p) => p.name === 'libz.so.1()(64bit)'),
      'libz.so.1 provided',
    );
    t.ok(profile.files.includes(libz), 'its file listed');
    const sonameLink = join(dirname(libz), 'libz.so.1');
    t.ok(
      profile.files.includes(sonameLink) && profile.symlinks[sonameLink] === libz,
      'and the soname the loader looks for',
    );
    t.same(profile.packages, loadProfile('al2').packages, "the target's (AL2's) packages kept");
    const layer = join(dir, 'layer');
    t.equal((await yumda(['repo', 'index', dir])).exitCode, 0);
    const install = await yumda([
      'install',
      'build-host-zlib',
      '-d',
      layer,
      '--repo',
      join(dir, 'RPMS'),
      '--base',
      join(dir, 'host.json'),
    ]);
    t.equal(install.exitCode, 0, `installed and checked against the profile: ${install.stderr}`);
    t.equal((await yumda(['check', layer, '--base', join(dir, 'host.json')])).exitCode, 0, 'check passes');
    t.equal((await yumda(['check', layer, '--base', 'al2'])).exitCode, 5, "AL2's own profile rightly fails it");
  },
);

t.test('bad input: one clear line and a usage exit code', async (t) => {
  const dir = await scratchDir(t, 'build-host');
  const missing = await yumda(['base', 'build-host', '--rpms', join(dir, 'nope')]);
  t.equal(missing.exitCode, 2);
  t.match(missing.stderr, /nope: no such directory/);
  const empty = await yumda(['base', 'build-host', '--rpms', dir]);
  t.equal(empty.exitCode, 2);
  t.match(empty.stderr, /no binary RPMs under/);
  t.equal(await readFile(join(dir, 'host.json')).catch(() => null), null, 'nothing written');
});
