/**
 * A real program through the same path as the samples: PCRE2's pcre2grep, its source from Debian's
 * source package (apt-get source --download-only, with deb-src in a private apt configuration so the
 * host's is untouched), its spec from Amazon Linux 2 (vendored unmodified from
 * ../shared/corpus/al2-specs/amzn2/pcre2.spec as test/fixtures/real-project/pcre2.al2.spec, so the
 * test does not need ../shared) adapted by an overlay (test/fixtures/real-project/specs/pcre2.yaml).
 * Packed as an SRPM as if AL2 had moved to Debian's version, built with the local builder, indexed,
 * installed into a layer, checked, zipped, and run with the layer at /opt.
 * When Debian's archive cannot provide the source, the test says so and skips.
 *
 * Why pcre2: Debian's release tarball ships its configure, and with AL2's patches dropped (two are
 * upstream since 10.24, the third is a multilib tweak, see the overlay) nothing needs autotools, so
 * the host needs only gcc and make, as for the samples. The other candidates need more: Debian's
 * expat and make-dfsg tarballs are git snapshots without configure (autoconf, automake and libtool
 * on the host), ossp-uuid's spec builds Perl and PHP bindings and relies on its patches for the
 * library's name, and jp2a's orig tarball is missing from Debian's mirror (404) and needs libjpeg.
 * pcre2 also exercises dependency resolution: pcre2-tools pulls pcre2, pcre2-utf16 and pcre2-utf32.
 */
import t from 'tap';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';
import { yumda } from '../helpers/cli.js';
import { atOptUnavailable, runAtOpt } from './at-opt.js';
import { debianSources } from './debian-source.js';

const PACKAGE = 'pcre2';
const AL2_SPEC = projectPath('test/fixtures/real-project/pcre2.al2.spec');
const OVERLAYS = projectPath('test/fixtures/real-project/specs');
const work = await mkdtemp(join(tmpdir(), 'yumda-real-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

/** Downloads Debian's source package; returns the orig tarball, or why it could not. */
async function debianSource(name: string): Promise<{ orig?: string; reason?: string }> {
  const got = await debianSources([name], join(work, 'apt'));
  return got.ok ? { orig: got.origs.get(name)!.orig } : { reason: got.reason };
}

/** Writes `tarball` bzip2-compressed at `dest` (the compression AL2's Source names). */
async function asBzip2(tarball: string, dest: string): Promise<void> {
  if (tarball.endsWith('.bz2')) return copyFile(tarball, dest);
  const decompress = tarball.endsWith('.xz') ? 'xz -dc' : 'gzip -dc';
  await execa('sh', ['-c', `${decompress} "$1" | bzip2 -c > "$2"`, 'sh', tarball, dest]);
}

async function missingPrerequisite(): Promise<string | undefined> {
  if ((await execa('rpmbuild', ['--version'], { reject: false })).failed)
    return 'rpmbuild is not installed: apt-get install rpm';
  if ((await execa('bzip2', ['--help'], { reject: false })).failed)
    return 'bzip2 is not installed: apt-get install bzip2';
  const atOpt = await atOptUnavailable();
  if (atOpt) return atOpt;
  if ((await execa('apt-get', ['--version'], { reject: false })).failed)
    return 'apt-get is not available (Debian source packages are the source)';
  return undefined;
}
const prerequisites = await missingPrerequisite();
const fetched = prerequisites ? {} : await debianSource(PACKAGE);
const skip = prerequisites ?? fetched.reason;
if (skip) t.comment(`skipping ${PACKAGE}: ${skip}`);

t.test('pcre2: Debian source + AL2 spec + overlay → a layer whose pcre2grep runs at /opt', { skip }, async (t) => {
  const version = /_([\d.]+)\.orig\./.exec(fetched.orig!)![1]!;
  // pack the SRPM as if Amazon Linux had moved the package to Debian's version: the spec as AL2
  // writes it with only Version changed, the source under the name its Source expects
  const pack = join(work, 'pack');
  await mkdir(join(pack, 'SOURCES'), { recursive: true });
  await asBzip2(fetched.orig!, join(pack, 'SOURCES', `${PACKAGE}-${version}.tar.bz2`));
  const al2 = await readFile(AL2_SPEC, 'utf8');
  // The corpus holds AL2's specs, not its patch files; rpmbuild -bs wants every Patch it names, so
  // stand-ins take their place. The overlay drops all of them, so their content is never used.
  for (const [, file] of al2.matchAll(/^Patch\d*:\s*(\S+)\s*$/gm)) {
    await writeFile(
      join(pack, 'SOURCES', file!),
      `# stand-in for Amazon Linux 2's ${file}: not applied, the overlay drops it\n`,
    );
  }
  const spec = join(pack, `${PACKAGE}.spec`);
  await writeFile(spec, al2.replace(/^Version:(\s*)\S+$/m, `Version:$1${version}`));
  const packed = await execa(
    'rpmbuild',
    [
      '-bs',
      '--nodeps',
      '--define',
      `_topdir ${pack}`,
      '--define',
      `_srcrpmdir ${join(work, 'srpms')}`,
      '--define',
      'dist .amzn2',
      spec,
    ],
    { reject: false, all: true },
  );
  t.equal(packed.exitCode, 0, String(packed.all));

  const env = { XDG_CACHE_HOME: join(work, 'cache') };
  const run = async (args: string[]): Promise<string> => {
    const r = await yumda(args, { env, cwd: work });
    t.equal(r.exitCode, 0, `yumda ${args.join(' ')}${r.exitCode === 0 ? '' : `\n${r.stderr}\n${r.stdout}`}`);
    return r.stdout;
  };
  const built = JSON.parse(
    await run([
      'build',
      PACKAGE,
      '--json',
      '--builder',
      'local',
      '--srpm-dir',
      'srpms',
      '--specs',
      OVERLAYS,
      '-o',
      'out',
    ]),
  ) as { ok: boolean };
  if (!built.ok)
    t.comment(
      await readFile(join(work, `out/logs/${PACKAGE}.log`), 'utf8').then((l) => l.split('\n').slice(-40).join('\n')),
    );
  await run(['repo', 'index', 'out']);
  await run(['base', 'build-host', '--rpms', join(work, 'out/RPMS'), '-o', join(work, 'base.json')]);
  const base = ['--base', join(work, 'base.json')];
  await run(['install', 'pcre2-tools', '-d', 'layer', '--repo', pathToFileURL(join(work, 'out/RPMS')).href, ...base]);
  await run(['check', 'layer', ...base]);
  await run(['zip', 'layer', '-o', 'layer.zip']);
  const opt = join(work, 'opt');
  await mkdir(opt);
  await execa('unzip', ['-q', join(work, 'layer.zip'), '-d', opt]);

  const v = await runAtOpt(opt, ['/opt/bin/pcre2grep', '--version']);
  t.equal(v.exitCode, 0, v.stderr);
  t.match(v.stdout, new RegExp(`pcre2grep version ${version.replace(/\./g, '\\.')}\\b`));
  // the layer's library, not the host's libpcre2-8.so.0 (Debian has one too)
  const ldd = await runAtOpt(opt, ['ldd', '/opt/bin/pcre2grep']);
  t.match(
    ldd.stdout,
    /libpcre2-8\.so\.0 => \/opt\/lib\S*\/libpcre2-8\.so\.0/,
    'pcre2grep loads libpcre2-8 from the layer',
  );

  // something real: Perl-compatible patterns (lookbehind, \d, Unicode properties) over a file
  const text = join(work, 'versions.txt');
  await writeFile(text, 'openssl version 1.0.2k\ncurl version 7.79.1\nno version here\nΑθήνα Athens\n');
  const grep = (args: string[]) => runAtOpt(opt, ['/opt/bin/pcre2grep', ...args]);
  const found = await grep(['-o', '(?<=version )\\d+(?:\\.\\d+)+\\w*', text]);
  t.same(
    { exitCode: found.exitCode, lines: found.stdout.trim().split('\n') },
    { exitCode: 0, lines: ['1.0.2k', '7.79.1'] },
    'lookbehind match, -o prints only the match',
  );
  const greek = await grep(['-u', '-o', '\\p{Greek}+', text]);
  t.same(
    { exitCode: greek.exitCode, stdout: greek.stdout.trim() },
    { exitCode: 0, stdout: 'Αθήνα' },
    'UTF-8 mode with a Unicode property',
  );
  const none = await grep(['(?i)^libressl', text]);
  t.same({ exitCode: none.exitCode, stdout: none.stdout }, { exitCode: 1, stdout: '' }, 'no match: exit 1, no output');
  const bad = await grep(['(?<=a+)b', text]);
  t.equal(bad.exitCode, 2, 'a pattern PCRE2 rejects (variable-length lookbehind): exit 2');
  t.match(bad.stderr, /lookbehind/, bad.stderr);
});
