/** Debian's dnf (the reference client) installs from repositories yumda indexed, signed and unsigned. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { indexRepository } from '../../src/repodata/index.js';
import { copyInto, repoFixtures, tempDir } from './fixtures.js';
import { makeGpgKey } from './keys.js';

// `dnf --version` can fail transiently (it opens the host rpmdb); look for the program instead
const hasDnf = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'dnf')));

async function dnfInstall(
  repoDir: string,
  work: string,
  packages: string[],
  extra: string[] = [],
): Promise<{ exitCode: number; output: string }> {
  const r = await execa(
    'dnf',
    [
      '-y',
      `--installroot=${join(work, 'root')}`,
      '--releasever=2',
      `--repofrompath=yumda,file://${repoDir}`,
      '--repo=yumda',
      '--setopt=reposdir=/dev/null',
      `--setopt=cachedir=${join(work, 'cache')}`,
      '--setopt=tsflags=noscripts', // the empty installroot has no shell to run scriptlets with
      '--setopt=install_weak_deps=False',
      ...extra,
      'install',
      ...packages,
    ],
    { reject: false, all: true, env: { LC_ALL: 'C.UTF-8' } },
  );
  return { exitCode: r.exitCode ?? 1, output: String(r.all) };
}

t.test(
  'dnf installs from our repository',
  { skip: hasDnf ? false : 'dnf is not installed (apt-get install dnf)' },
  async (t) => {
    const { rpms } = await repoFixtures();
    const repo = await tempDir('dnf-repo');
    await copyInto(repo, rpms, 'Packages');
    await indexRepository(repo);
    const work = await tempDir('dnf-root');
    const r = await dnfInstall(repo, work, ['repo-app'], ['--nogpgcheck']);
    t.equal(r.exitCode, 0, 'dnf install succeeds', { dnfOutput: r.output });
    t.match(
      r.output,
      /Installed:[\s\S]*hello-1\.0-1\.noarch[\s\S]*repo-app-0\.3-1\.noarch/,
      'resolved hello through our requires/provides',
    );
    t.ok(existsSync(join(work, 'root', 'opt', 'bin', 'repo-app')), 'repo-app files installed');
    t.ok(existsSync(join(work, 'root', 'opt', 'bin', 'hello')), 'hello files installed');
  },
);

t.test(
  'dnf with repo_gpgcheck=1 accepts our signed repomd.xml',
  { skip: hasDnf ? false : 'dnf is not installed (apt-get install dnf)' },
  async (t) => {
    const { rpms } = await repoFixtures();
    const repo = await tempDir('dnf-signed');
    await copyInto(repo, rpms);
    const key = await makeGpgKey(await tempDir('dnf-key'));
    await indexRepository(repo, { signKey: key.secretKeyFile });
    const gpg = [
      '--setopt=yumda.repo_gpgcheck=1',
      '--setopt=yumda.gpgcheck=0',
      `--setopt=yumda.gpgkey=file://${key.publicKeyFile}`,
    ];
    const ok = await dnfInstall(repo, await tempDir('dnf-signed-root'), ['hello'], gpg);
    t.equal(ok.exitCode, 0, 'dnf install with repo_gpgcheck=1 succeeds', { dnfOutput: ok.output });

    // a repository whose repomd.xml no longer matches its signature is refused
    const other = await makeGpgKey(await tempDir('dnf-key-other'));
    await indexRepository(repo, { signKey: other.secretKeyFile });
    const refused = await dnfInstall(repo, await tempDir('dnf-signed-root2'), ['hello'], gpg);
    t.not(refused.exitCode, 0, 'signed by a key dnf was not given: refused');
    t.match(refused.output, /GPG|signature/i);
  },
);
