/**
 * Generates a base profile (repo-metadata/base/ID.json): what a Lambda runtime already has, so the
 * resolver never installs it into a layer and `yumda check` can resolve libraries like Lambda does.
 *
 *   node dist/scripts/gen-base-profile.js [--id al2] [--from ../shared/lambda-base/al2] [--out repo-metadata/base/al2.json]
 *
 * Inputs (captured from the runtime image): packages.txt (one NEVRA per line, `rpm -qa`) and fs.txt
 * (every path, relative to /, directories ending in '/'). Everything else a profile needs comes from
 * the PROFILE_FACTS table below: it is data, so al2023 or aarch64 profiles are a new entry, not code.
 *
 * How capabilities are derived:
 * - Package names: every installed package provides `name = EVR` and `name(ARCH) = EVR` (ARCH is
 *   x86-64 / aarch-64, as rpm spells the isa tag; noarch packages get only the plain one). Epochs are
 *   not in packages.txt; `knownEpochs` lists the ones the AL2 (= RHEL/CentOS 7) packages carry.
 * - Sonames: each file directly in a library directory (/usr/lib64, /lib64) named `X.so.N[.M…]`
 *   (numeric version) gives `X.so.N…()(64bit)` for the SHORTEST numeric version of each stem, which is
 *   the soname by the usual naming convention (libacl.so.1 and libacl.so.1.1.0 → libacl.so.1).
 *   Unversioned `X.so` files provide `X.so()(64bit)` only when no versioned sibling exists
 *   (libfreebl3.so, libnssutil3.so are real sonames; libz.so would be a -devel symlink). glibc's
 *   implementation files (libc-2.26.so) are skipped: they are not sonames.
 * - Symbol versions: ELF version nodes cannot be read from a path list, so `symbolVersions` below
 *   lists them per soname: glibc 2.26's GLIBC_x nodes (the full series GLIBC_2.2.5 … GLIBC_2.26 for
 *   each glibc library: a superset, harmless because no package requires a node its library lacks),
 *   libstdc++ 6.0.24 (GCC 7: GLIBCXX_3.4 … 3.4.24, CXXABI_1.3 … 1.3.11), libgcc_s, zlib 1.2.7,
 *   openssl 1.0.2k (RHEL build), MIT krb5 1.15, keyutils, acl, attr, popt, libtasn1, p11-kit.
 *   They produce `soname(NODE)(64bit)`. Libraries with version nodes not listed here (nss-util,
 *   ncurses) may have a dependency on them satisfied from the repository instead: never wrong, just
 *   a few extra files in the layer that Lambda's base copies shadow.
 * - Files: every path from fs.txt, absolute; `/bin`, `/sbin`, `/lib`, `/lib64` are the usrmerge
 *   symlinks into /usr (recorded in `symlinks`). Executables in /usr/bin and /usr/sbin are also
 *   listed as file provides under both spellings (/bin/sh and /usr/bin/sh).
 * - rtld(GNU_HASH): glibc's loader capability that rpm adds to every ELF binary's requires.
 * - rpmlib features: what rpm 4.11.3 provides (`rpm --showrc`, rpmlibProvides in rpmds.c, as `= VERSION`); no
 *   LargeFiles, RichDependencies or PayloadIsZstd (added in 4.12/4.14). Payload compressors: gzip,
 *   bzip2, xz, lzma.
 * - LD_LIBRARY_PATH and the loader's default dirs: ../shared/DESIGN.md (verified facts).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { baseProfileSchema, type BaseProfile, type Capability } from '../src/config/profile.js';
import { parseNevra as parseNevraText } from '../src/rpm/nevra.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { projectPath } from '../src/util/paths.js';

interface ProfileFacts {
  description: string;
  arch: string;
  /** rpm's isa spelling used in `name(ISA)` provides. */
  isa: string;
  /** The `(64bit)` marker for sonames on this arch. */
  bits: string;
  rpmVersion: string;
  rpmlibFeatures: Array<[string, string]>;
  payloadCompressors: string[];
  glibcVersion: string;
  ldLibraryPath: string[];
  defaultLibDirs: string[];
  libDirs: string[];
  symlinks: Record<string, string>;
  knownEpochs: Record<string, number>;
  symbolVersions: Record<string, string[]>;
}

function series(prefix: string, versions: string[]): string[] {
  return versions.map((v) => `${prefix}${v}`);
}

const glibc226Nodes = series('GLIBC_', [
  '2.2.5', '2.2.6', '2.3', '2.3.2', '2.3.3', '2.3.4', '2.4', '2.5', '2.6', '2.7', '2.8', '2.9', '2.10', '2.11', '2.12', '2.13',
  '2.14', '2.15', '2.16', '2.17', '2.18', '2.19', '2.20', '2.21', '2.22', '2.23', '2.24', '2.25', '2.26',
]);
const glibcLibraries = [
  'libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'librt.so.1', 'libresolv.so.2', 'libutil.so.1',
  'libcrypt.so.1', 'libnsl.so.1', 'libanl.so.1', 'libBrokenLocale.so.1', 'libmvec.so.1', 'libthread_db.so.1',
  'ld-linux-x86-64.so.2',
];
const openssl102Nodes = ['OPENSSL_1.0.1', 'OPENSSL_1.0.1_EC', 'OPENSSL_1.0.2'];

const al2x86: ProfileFacts = {
  description: 'AWS Lambda runtime on Amazon Linux 2 (x86_64): provided.al2, python3.8-3.11, nodejs12-18, java8.al2/11/17, ruby2.7/3.2',
  arch: 'x86_64',
  isa: 'x86-64',
  bits: '(64bit)',
  rpmVersion: '4.11.3',
  rpmlibFeatures: [
    ['BuiltinLuaScripts', '4.2.2-1'],
    ['CompressedFileNames', '3.0.4-1'],
    ['ConcurrentAccess', '4.1-1'],
    ['ExplicitPackageProvide', '4.0-1'],
    ['FileCaps', '4.6.1-1'],
    ['FileDigests', '4.6.0-1'],
    ['HeaderLoadSortsTags', '4.0.1-1'],
    ['PartialHardlinkSets', '4.0.4-1'],
    ['PayloadFilesHavePrefix', '4.0-1'],
    ['PayloadIsBzip2', '3.0.5-1'],
    ['PayloadIsLzma', '4.4.2-1'],
    ['PayloadIsXz', '5.2-1'],
    ['ScriptletExpansion', '4.9.0-1'],
    ['ScriptletInterpreterArgs', '4.0.3-1'],
    ['TildeInVersions', '4.10.0-1'],
    ['VersionedDependencies', '3.0.3-1'],
  ],
  payloadCompressors: ['gzip', 'bzip2', 'xz', 'lzma'],
  glibcVersion: '2.26',
  ldLibraryPath: ['/lib64', '/usr/lib64', '/var/runtime', '/var/runtime/lib', '/var/task', '/var/task/lib', '/opt/lib'],
  defaultLibDirs: ['/lib64', '/usr/lib64'],
  libDirs: ['/usr/lib64', '/lib64'],
  symlinks: { '/bin': 'usr/bin', '/sbin': 'usr/sbin', '/lib': 'usr/lib', '/lib64': 'usr/lib64' },
  knownEpochs: { 'openssl-libs': 1, gmp: 1 },
  symbolVersions: {
    ...Object.fromEntries(glibcLibraries.map((lib) => [lib, glibc226Nodes])),
    'libstdc++.so.6': [
      ...series('GLIBCXX_', ['3.4', ...Array.from({ length: 24 }, (_, i) => `3.4.${i + 1}`)]),
      ...series('CXXABI_', ['1.3', ...Array.from({ length: 11 }, (_, i) => `1.3.${i + 1}`)]),
      'CXXABI_TM_1',
    ],
    'libgcc_s.so.1': series('GCC_', ['3.0', '3.3', '3.3.1', '3.4', '3.4.2', '3.4.4', '4.0.0', '4.2.0', '4.3.0', '4.7.0', '4.8.0', '7.0.0']),
    'libz.so.1': series('ZLIB_', ['1.2.0', '1.2.0.2', '1.2.0.8', '1.2.2', '1.2.2.3', '1.2.2.4', '1.2.3.3', '1.2.3.4', '1.2.3.5', '1.2.5.1', '1.2.5.2', '1.2.7.1']),
    'libcrypto.so.10': ['libcrypto.so.10', ...openssl102Nodes],
    'libssl.so.10': ['libssl.so.10', ...openssl102Nodes],
    'libgssapi_krb5.so.2': ['gssapi_krb5_2_MIT'],
    'libkrb5.so.3': ['krb5_3_MIT'],
    'libk5crypto.so.3': ['k5crypto_3_MIT'],
    'libkrb5support.so.0': ['krb5support_0_MIT'],
    'libgssrpc.so.4': ['gssrpc_4_MIT'],
    'libkdb5.so.8': ['kdb5_8_MIT'],
    'libkrad.so.0': ['krad_0_MIT'],
    'libkeyutils.so.1': series('KEYUTILS_', ['0.3', '1.0', '1.3', '1.4', '1.5']),
    'libacl.so.1': series('ACL_', ['1.0', '1.1', '1.2']),
    'libattr.so.1': series('ATTR_', ['1.0', '1.1', '1.2', '1.3']),
    'libpopt.so.0': ['LIBPOPT_0'],
    'libtasn1.so.6': ['LIBTASN1_0_3'],
    'libp11-kit.so.0': ['LIBP11_KIT_1.0'],
  },
};

const facts: Record<string, ProfileFacts> = { al2: al2x86 };

interface Nevra {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
}

/** Splits `name-version-release.arch` (names may contain dashes; version and release may not). */
export function parseNevra(line: string, knownEpochs: Record<string, number> = {}): Nevra {
  const p = parseNevraText(line);
  if (!p) throw new Error(`cannot parse package "${line}" (expected name-version-release.arch)`);
  return { ...p, epoch: knownEpochs[p.name] ?? null };
}

function cap(name: string, evr?: { epoch: number | null; version: string; release: string }): Capability {
  if (!evr) return { name, flags: null, epoch: null, version: null, release: null };
  return { name, flags: 'EQ', epoch: evr.epoch ?? 0, version: evr.version, release: evr.release };
}

/** The soname of each library file directly in a library dir (see the header comment for the rule). */
export function deriveSonames(files: string[], libDirs: string[]): string[] {
  const byStem = new Map<string, { dir: string; names: string[] }>();
  for (const file of files) {
    if (file.endsWith('/')) continue;
    const slash = file.lastIndexOf('/');
    const dir = file.slice(0, slash);
    if (!libDirs.includes(dir)) continue;
    const base = file.slice(slash + 1);
    const m = /^(.+\.so)((?:\.\d+)*)$/.exec(base);
    if (!m || /-\d+(\.\d+)+\.so$/.test(m[1]!)) continue;
    const entry = byStem.get(m[1]!) ?? { dir, names: [] };
    entry.names.push(base);
    byStem.set(m[1]!, entry);
  }
  const sonames: string[] = [];
  for (const [stem, { names }] of byStem) {
    const versioned = names.filter((n) => n !== stem).sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
    sonames.push(versioned[0] ?? stem);
  }
  return [...new Set(sonames)].sort();
}

export function generateProfile(id: string, from: string): BaseProfile {
  const f = facts[id];
  if (!f) throw new Error(`no facts for profile "${id}" (known: ${Object.keys(facts).join(', ')})`);
  const packages = readFileSync(join(from, 'packages.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => parseNevra(l, f.knownEpochs))
    .sort((a, b) => a.name.localeCompare(b.name));
  const files = readFileSync(join(from, 'fs.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => '/' + l.trim().replace(/^\/+/, ''));

  const provides: Capability[] = [];
  for (const p of packages) {
    provides.push(cap(p.name, p));
    if (p.arch !== 'noarch') provides.push(cap(`${p.name}(${f.isa})`, p));
  }
  const sonames = deriveSonames(files, f.libDirs);
  for (const so of sonames) provides.push(cap(`${so}()${f.bits}`));
  for (const [so, nodes] of Object.entries(f.symbolVersions)) {
    if (!sonames.includes(so)) {
      process.stderr.write(`note: ${so} is not in ${from}/fs.txt; its symbol versions are not provided\n`);
      continue;
    }
    for (const node of nodes) provides.push(cap(`${so}(${node})${f.bits}`));
  }
  provides.push(cap('rtld(GNU_HASH)'));
  const aliases = Object.entries(f.symlinks).map(([link, target]) => ['/' + target.replace(/^\/+/, ''), link] as const);
  for (const file of files) {
    if (!/^\/usr\/s?bin\/[^/]+$/.test(file)) continue;
    provides.push(cap(file));
    for (const [target, link] of aliases) if (file.startsWith(target + '/')) provides.push(cap(link + file.slice(target.length)));
  }
  const profile: BaseProfile = {
    id,
    description: f.description,
    arch: f.arch,
    source: `generated by scripts/gen-base-profile.ts from lambda-base/${id}/{packages.txt,fs.txt}`,
    rpm: {
      version: f.rpmVersion,
      features: f.rpmlibFeatures.map(([feature, evr]) => {
        const [version, release] = evr.split('-') as [string, string];
        return { name: `rpmlib(${feature})`, flags: 'EQ', epoch: 0, version, release };
      }),
      payloadCompressors: f.payloadCompressors,
    },
    glibc: { version: f.glibcVersion },
    ldLibraryPath: f.ldLibraryPath,
    defaultLibDirs: f.defaultLibDirs,
    layerRoot: '/opt',
    packages: packages.map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch })),
    provides,
    files,
    symlinks: f.symlinks,
  };
  return baseProfileSchema().parse(profile);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const id = opt('--id', 'al2');
  const from = resolve(opt('--from', projectPath('..', 'shared', 'lambda-base', id)));
  const out = resolve(opt('--out', projectPath('repo-metadata', 'base', `${id}.json`)));
  const profile = generateProfile(id, from);
  await writeFileAtomic(out, JSON.stringify(profile, null, 1) + '\n');
  process.stderr.write(`wrote ${out}: ${profile.packages.length} packages, ${profile.provides.length} provides, ${profile.files.length} paths\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) await main();
