/**
 * A real program through the same path as the samples: jp2a, its source from Debian's source
 * package (apt-get source --download-only, with deb-src in a private apt configuration so the
 * host's is untouched), its spec from Amazon Linux 2 (../shared/corpus/al2-specs/amzn2/jp2a.spec)
 * adapted by an overlay (test/fixtures/real-project/specs/jp2a.yaml). Packed as an SRPM like
 * upstream would, built with the local builder, indexed, installed into a layer, checked, and run
 * with the layer at /opt. When Debian's archive cannot provide the source, the test says so and skips.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';
import { yumda } from '../helpers/cli.js';
import { writeHostBaseProfile } from './host-base.js';
import { atOptUnavailable, runAtOpt } from './at-opt.js';

const AL2_SPEC = projectPath('../shared/corpus/al2-specs/amzn2/jp2a.spec');
const work = await mkdtemp(join(tmpdir(), 'yumda-real-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

/** Downloads Debian's jp2a source package; returns the orig tarball, or why it could not. */
async function debianSource(): Promise<{ orig?: string; reason?: string }> {
  const apt = join(work, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'src']) await mkdir(join(apt, d), { recursive: true });
  const codename = (await readFile('/etc/os-release', 'utf8')).match(/^VERSION_CODENAME=(\S+)/m)?.[1] ?? 'bookworm';
  await writeFile(join(apt, 'etc/sources.list'), `deb-src http://deb.debian.org/debian ${codename} main\n`);
  const options = [
    '-o', `Dir::Etc::SourceList=${join(apt, 'etc/sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${join(apt, 'etc/sources.list.d')}`,
    '-o', `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o', `Dir::Cache=${join(apt, 'cache')}`,
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Acquire::Retries=1',
    '-o', 'Acquire::http::Timeout=20',
  ];
  const update = await execa('apt-get', [...options, 'update'], { reject: false, all: true, timeout: 120_000 });
  if (update.exitCode !== 0 || /^(E|W): Failed to fetch/m.test(String(update.all))) return { reason: `Debian's archive is unreachable (apt-get update: ${String(update.all).split('\n').filter((l) => /^(E|W):/.test(l))[0] ?? update.exitCode})` };
  const source = await execa('apt-get', [...options, 'source', '--download-only', 'jp2a'], { cwd: join(apt, 'src'), reject: false, all: true, timeout: 120_000 });
  const orig = (await readdir(join(apt, 'src'))).find((f) => /^jp2a_[\d.]+\.orig\.tar\.gz$/.test(f));
  if (source.exitCode !== 0 || !orig) return { reason: `Debian's archive did not provide jp2a's source (${String(source.all).split('\n').find((l) => l.startsWith('E:')) ?? `exit ${source.exitCode}`})` };
  return { orig: join(apt, 'src', orig) };
}

async function missingPrerequisite(): Promise<string | undefined> {
  if (!existsSync(AL2_SPEC)) return `the AL2 spec corpus is not here (${AL2_SPEC})`;
  if ((await execa('rpmbuild', ['--version'], { reject: false })).failed) return 'rpmbuild is not installed: apt-get install rpm';
  const atOpt = await atOptUnavailable();
  if (atOpt) return atOpt;
  if ((await execa('apt-get', ['--version'], { reject: false })).failed) return 'apt-get is not available (Debian source packages are the source)';
  return undefined;
}
const prerequisites = await missingPrerequisite();
const fetched = prerequisites ? {} : await debianSource();
const skip = prerequisites ?? fetched.reason;
if (skip) t.comment(`skipping jp2a: ${skip}`);

t.test('jp2a: Debian source + AL2 spec + overlay → a layer whose jp2a runs at /opt', { skip }, async (t) => {
  // pack the SRPM the way upstream would: the AL2 spec, the source under the name its Source0 expects
  const version = /jp2a_([\d.]+)\.orig/.exec(fetched.orig!)![1]!;
  const pack = join(work, 'pack');
  await mkdir(join(pack, 'SOURCES'), { recursive: true });
  await copyFile(fetched.orig!, join(pack, 'SOURCES', `jp2a-${version}.tar.gz`));
  // as if Amazon Linux had moved the package to Debian's version: the spec as AL2 writes it, only Version changed
  const spec = join(pack, 'jp2a.spec');
  await writeFile(spec, (await readFile(AL2_SPEC, 'utf8')).replace(/^Version:(\s*)\S+$/m, `Version:$1${version}`));
  const packed = await execa('rpmbuild', ['-bs', '--nodeps', '--define', `_topdir ${pack}`, '--define', `_srcrpmdir ${join(work, 'srpms')}`, '--define', 'dist .amzn2', spec], { reject: false, all: true });
  t.equal(packed.exitCode, 0, String(packed.all));
  const env = { XDG_CACHE_HOME: join(work, 'cache') };
  const run = async (args: string[]): Promise<string> => {
    const r = await yumda(args, { env, cwd: work });
    t.equal(r.exitCode, 0, `yumda ${args.join(' ')}${r.exitCode === 0 ? '' : `\n${r.stderr}\n${r.stdout}`}`);
    return r.stdout;
  };
  const built = JSON.parse(await run(['build', 'jp2a', '--json', '--builder', 'local', '--srpm-dir', 'srpms', '--specs', projectPath('test/fixtures/real-project/specs'), '-o', 'out'])) as { ok: boolean };
  if (!built.ok) t.comment(await readFile(join(work, 'out/logs/jp2a.log'), 'utf8').then((l) => l.split('\n').slice(-40).join('\n')));
  await run(['repo', 'index', 'out']);
  const rpms = (await readdir(join(work, 'out/RPMS'), { recursive: true })).filter((f) => f.endsWith('.rpm')).map((f) => join(work, 'out/RPMS', f));
  await writeHostBaseProfile(rpms, join(work, 'base.json'));
  const base = ['--base', join(work, 'base.json')];
  await run(['install', 'jp2a', '-d', 'layer', '--repo', pathToFileURL(join(work, 'out/RPMS')).href, ...base]);
  await run(['check', 'layer', ...base]);
  await run(['zip', 'layer', '-o', 'layer.zip']);
  await mkdir(join(work, 'opt'));
  await execa('unzip', ['-q', join(work, 'layer.zip'), '-d', join(work, 'opt')]);
  const v = await runAtOpt(join(work, 'opt'), ['/opt/bin/jp2a', '--version']);
  t.equal(v.exitCode, 0, v.stderr);
  t.match(v.stdout + v.stderr, new RegExp(`jp2a ${version.replace(/\./g, '\\.')}`));
  const image = '/usr/share/doc/nodejs/full-white-stripe.jpg';
  if (existsSync(image)) {
    const art = await runAtOpt(join(work, 'opt'), ['/opt/bin/jp2a', '--width=20', image]);
    t.equal(art.exitCode, 0, art.stderr);
    t.ok(art.stdout.split('\n').length >= 2, 'converted a JPEG to text');
  }
  t.notOk(existsSync('/usr/bin/jp2a'), 'jp2a is not installed on the host');
});
