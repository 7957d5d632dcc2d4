/**
 * Agreement with a reference solver: for the same repository and request, yumda's resolver picks
 * the same packages as Debian's dnf (`--installroot … install --assumeno`), with the Lambda base
 * expressed as an installed package that provides everything the al2 profile provides.
 */
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadProfile } from '../../src/config/profile.js';
import { repoFromUrl } from '../../src/config/repos.js';
import { openSession, resolveInSession } from '../../src/install/session.js';
import { depToString } from '../../src/resolve/package.js';
import { buildFixture } from '../helpers/rpmbuild.js';
import { buildSources, makeRepo } from '../install/fixtures.js';
import { distro } from '../install/distro.js';

const dnf = await execa('dnf', ['--version'], { reject: false });
if (dnf.exitCode !== 0) {
  t.test(
    'agreement with dnf',
    { skip: 'Debian dnf is not installed (apt-get install -y dnf): no reference solver' },
    async () => {},
  );
} else {
  const work = await mkdtemp(join(tmpdir(), 'yumda-dnf-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  // `tool` needs shadow-utils from a scriptlet only: yumda ignores that on purpose, dnf cannot
  const sources = distro.filter((s) => !['tool', 'zstdpkg'].includes(s.name));
  const repoDir = await makeRepo(await buildSources(sources), 'dnf');
  t.teardown(() => rm(repoDir, { recursive: true, force: true }));

  // the base as one installed package providing every capability of the profile
  const profile = loadProfile('al2');
  const spec = [
    'Name: lambda-base',
    'Version: 1',
    'Release: 1',
    'Summary: what the Lambda al2 runtime provides',
    'License: MIT',
    'BuildArch: noarch',
    ...profile.provides.map((c) => `Provides: ${depToString({ ...c, epoch: c.epoch === 0 ? null : c.epoch })}`),
    '%description',
    'base',
    '%files',
  ].join('\n');
  await writeFile(join(work, 'lambda-base.spec'), spec + '\n');
  const baseRpm = (await buildFixture(join(work, 'lambda-base.spec'))).rpms[0]!;
  const root = join(work, 'root');
  await mkdir(root);
  await execa('rpm', ['--root', root, '--initdb']);
  await execa('rpm', ['--root', root, '-i', '--justdb', '--nodeps', '--noscripts', '--ignorearch', baseRpm]);

  const session = await openSession([repoFromUrl(`file://${repoDir}`, 'test')], {
    cacheDir: join(work, 'cache'),
    arch: 'x86_64',
  });

  async function dnfChoice(requests: string[]): Promise<string[] | string> {
    const r = await execa(
      'dnf',
      [
        `--installroot=${root}`,
        '--releasever=2',
        '--setopt=reposdir=/dev/null',
        `--setopt=cachedir=${join(work, 'dnfcache')}`,
        '--setopt=install_weak_deps=False',
        '--setopt=gpgcheck=0',
        `--repofrompath=t,file://${repoDir}`,
        '--repo=t',
        '--assumeno',
        'install',
        ...requests,
      ],
      { reject: false, env: { COLUMNS: '200', LC_ALL: 'C.UTF-8' } },
    );
    const out = String(r.stdout);
    if (!/Transaction Summary/.test(out))
      return `dnf failed: ${String(r.stderr).trim().split('\n').slice(0, 3).join(' ')}`;
    const names: string[] = [];
    for (const line of out.split('\n')) {
      const m = /^ (\S+)\s+(x86_64|noarch)\s+(\S+)\s+t\s+/.exec(line);
      if (m) names.push(`${m[1]}-${m[3]}`);
    }
    return names.sort();
  }

  async function yumdaChoice(requests: string[]): Promise<string[] | string> {
    try {
      const plan = await resolveInSession(session, { requests, profile, arch: 'x86_64' });
      return plan.install
        .map(({ pkg: p }) => `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`)
        .sort();
    } catch (e) {
      return `yumda failed: ${(e as Error).message}`;
    }
  }

  const requests: string[][] = [
    ['greet'],
    ['greet-libs'],
    ['greet-data'],
    ['writer'],
    ['editor'],
    ['vim-editor'],
    ['text-editor'],
    ['editor-alt'],
    ['libv'],
    ['libv-1.0'],
    ['libv-1.0-1.lambda2'],
    ['needs-old'],
    ['needs-new'],
    ['epo'],
    ['epo-2.0'],
    ['oldname'],
    ['newname'],
    ['suite'],
    ['suite-impl'],
    ['zz'],
    ['conf-a'],
    ['conf-b'],
    ['outside'],
    ['libgreet.so.1()(64bit)'],
    ['/opt/bin/greet'],
    ['/opt/share/greet/message.txt'],
    ['writer', 'vim-editor'],
    ['greet', 'suite', 'needs-old'],
  ];
  t.test(`yumda and dnf choose the same packages (${requests.length} requests)`, async (t) => {
    let compared = 0;
    for (const req of requests) {
      const [ours, theirs] = [await yumdaChoice(req), await dnfChoice(req)];
      t.same(ours, theirs, `install ${req.join(' ')}`);
      if (Array.isArray(theirs)) compared++;
    }
    t.ok(compared >= 20, `${compared} requests resolved by both`);
  });

  t.test('both refuse what cannot be installed', async (t) => {
    for (const req of [['top'], ['conf-a', 'conf-b'], ['needs-old', 'needs-new']]) {
      t.match(await yumdaChoice(req), /^yumda failed/, `yumda: ${req.join(' ')}`);
      t.match(await dnfChoice(req), /^dnf failed/, `dnf: ${req.join(' ')}`);
    }
  });
}
