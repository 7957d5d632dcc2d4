/**
 * The headline, for real: `yumda install git openssh`, from Amazon Linux 2's own spec files and real
 * upstream sources, to git and ssh working from /opt as a Lambda function would run them.
 *
 * 1. Sources: Debian's source packages (apt-get source --download-only, private apt configuration)
 *    give the upstream tarballs; AL2's specs come from ../shared/corpus/al2-specs/amzn2. A thin,
 *    test-only layer (test/e2e/debian-srpm.ts with test/fixtures/debian-adapt/*.yaml) packs each as
 *    the SRPM AL2 would have made of Debian's version; it adapts versions, not Lambda.
 * 2. `yumda build` of the closure with the project's production overlays (specs/*.yaml, patches/)
 *    and the local builder; then `repo index`, `repo publish` (file://), `install git openssh -d
 *    layer` against the base profile of this machine, `check` (0 errors) and `zip`.
 * 3. The unzipped layer mounted read-only at /opt, run as a non-root user (nobody) with Lambda's
 *    PATH and LD_LIBRARY_PATH, HOME=/tmp and only /tmp writable, with the host's own git, ssh, less,
 *    their data and configuration, and the host's copies of every library the layer carries hidden
 *    (so nothing under /usr or /etc can be what makes it work): git --version, ssh -V, ssh-keygen,
 *    git init/commit/log/diff, and git clone + push over ssh (key authentication, a custom port) to
 *    an sshd on 127.0.0.1 (the set's own openssh-server, from a second layer, also non-root).
 *
 * When Debian's archive is unreachable the test says so and skips (CI reaches it and runs).
 * audit and libcap-ng (sshd's libaudit) are not built here: Debian's audit 3.0 no longer matches
 * AL2's 2.8 spec's file lists; sshd uses the host's libaudit, which the host profile lists.
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { projectPath } from '../../src/util/paths.js';
import { yumda } from '../helpers/cli.js';
import { atOptUnavailable } from './at-opt.js';
import { debianSources } from './debian-source.js';
import { loadAdaptation, packDebianSrpm, testPatchesDir } from './debian-srpm.js';

t.setTimeout(50 * 60_000);

/** What `install git openssh` and the test's sshd need, in the package set (specs/). */
const BUILD = [
  'expat',
  'pcre2',
  'less',
  'libedit',
  'libssh2',
  'nghttp2',
  'libunistring',
  'libidn2',
  'curl',
  'openssh',
  'git',
];
const CORPUS = projectPath('..', 'shared', 'corpus', 'al2-specs', 'amzn2');
/** Lambda's environment for a function (AL2 runtimes). */
const LAMBDA_PATH = '/usr/local/bin:/usr/bin/:/bin:/opt/bin';
const LAMBDA_LD_LIBRARY_PATH = '/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib';
const NOBODY = 65534;
/** Headers and tools the builds take from the host (scripts/setup-debian.sh installs them). */
const HOST_NEEDS: Array<[string, string]> = [
  ['/usr/include/x86_64-linux-gnu/curl/curl.h', 'libcurl4-openssl-dev'],
  ['/usr/include/histedit.h', 'libedit-dev'],
  ['/usr/include/pcre2.h', 'libpcre2-dev'],
  ['/usr/include/expat.h', 'libexpat1-dev'],
  ['/usr/include/libaudit.h', 'libaudit-dev'],
  ['/usr/include/gssapi/gssapi.h', 'libkrb5-dev'],
  ['/usr/include/selinux/selinux.h', 'libselinux1-dev'],
  ['/usr/include/openssl/ssl.h', 'libssl-dev'],
  ['/usr/include/zlib.h', 'zlib1g-dev'],
  ['/usr/include/libssh2.h', 'libssh2-1-dev'],
  ['/usr/include/nghttp2/nghttp2.h', 'libnghttp2-dev'],
  ['/usr/include/idn2.h', 'libidn2-dev'],
  ['/usr/include/unistr.h', 'libunistring-dev'],
  ['/usr/bin/autoreconf', 'autoconf'],
  ['/usr/bin/automake', 'automake'],
  ['/usr/bin/libtoolize', 'libtool'],
  ['/usr/bin/msgfmt', 'gettext'],
];

const work = await mkdtemp(join(tmpdir(), 'yumda-headline-'));
// the sandbox user (nobody) must reach the layers and its /tmp below it
await chmod(work, 0o711);
// YUMDA_HEADLINE_KEEP=1 keeps the work directory (its out/ can then be given to YUMDA_HEADLINE_OUT)
if (process.env.YUMDA_HEADLINE_KEEP === '1') t.comment(`keeping ${work}`);
else t.teardown(() => rm(work, { recursive: true, force: true }));

async function missingPrerequisite(): Promise<string | undefined> {
  // eleven builds, about 17 minutes on two cores: a developer can leave it out of a local run
  if (process.env.YUMDA_HEADLINE === '0') return 'YUMDA_HEADLINE=0 leaves it out';
  if (!existsSync(CORPUS)) return `no AL2 spec corpus at ${CORPUS}`;
  if ((await execa('rpmbuild', ['--version'], { reject: false })).failed)
    return 'rpmbuild is not installed: apt-get install rpm';
  if ((await execa('apt-get', ['--version'], { reject: false })).failed)
    return 'apt-get is not available (Debian source packages are the source)';
  if (process.getuid?.() !== 0) return 'needs root to run the layer as another, non-root user (setpriv)';
  const missing = HOST_NEEDS.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (missing.length > 0)
    return `build dependencies missing on the host: apt-get install ${[...new Set(missing)].join(' ')} (scripts/setup-debian.sh)`;
  return atOptUnavailable();
}

const prerequisites = await missingPrerequisite();
const debianNames = new Map<string, string>();
if (!prerequisites) for (const name of BUILD) debianNames.set(name, (await loadAdaptation(name)).debian ?? name);
const fetched = prerequisites ? undefined : await debianSources([...new Set(debianNames.values())], join(work, 'apt'));
const skip = prerequisites ?? (fetched && !fetched.ok ? fetched.reason : undefined);
if (skip) t.comment(`skipping the headline: ${skip}`);

const env = { XDG_CACHE_HOME: join(work, 'cache') };
async function run(t: Test, args: string[], expectExit = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await yumda(args, { env, cwd: work });
  t.equal(
    r.exitCode,
    expectExit,
    `yumda ${args.join(' ')}${r.exitCode === expectExit ? '' : `\n${r.stderr}\n${r.stdout}`}`,
  );
  return r;
}

interface Sandbox {
  opt: string;
  tmp: string;
  hide: string[];
  /** The server side's own account database: an /etc/passwd and an nsswitch.conf that reads only it. */
  accounts?: { passwd: string; nsswitch: string };
}

/** bwrap argv: / read-only, the layer at /opt, a private /tmp, host paths hidden, Lambda's environment, as nobody. */
function sandboxArgv(box: Sandbox, argv: string[], extraEnv: Record<string, string> = {}): string[] {
  const args = [
    '--reuid',
    String(NOBODY),
    '--regid',
    String(NOBODY),
    '--clear-groups',
    'bwrap',
    // what the sandbox started ends with it (sshd -D would otherwise outlive a killed bwrap, hold
    // the test's pipes open and keep the test process from ever exiting)
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
  ];
  args.push('--ro-bind', box.opt, '/opt', '--bind', box.tmp, '/tmp');
  for (const path of box.hide) {
    if (!existsSync(path)) continue;
    args.push(...(isDir(path) ? ['--tmpfs', path] : ['--ro-bind', '/dev/null', path]));
  }
  if (box.accounts)
    args.push(
      '--ro-bind',
      box.accounts.passwd,
      '/etc/passwd',
      '--ro-bind',
      box.accounts.nsswitch,
      '/etc/nsswitch.conf',
    );
  args.push(
    '--clearenv',
    '--setenv',
    'PATH',
    LAMBDA_PATH,
    '--setenv',
    'LD_LIBRARY_PATH',
    LAMBDA_LD_LIBRARY_PATH,
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
  );
  for (const [k, v] of Object.entries(extraEnv)) args.push('--setenv', k, v);
  return [...args, ...argv];
}

const dirs = new Map<string, boolean>();
function isDir(path: string): boolean {
  return dirs.get(path) ?? false;
}
async function noteDirs(paths: string[]): Promise<void> {
  for (const p of paths) if (existsSync(p)) dirs.set(p, (await stat(p)).isDirectory());
}

async function inSandbox(
  box: Sandbox,
  argv: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('setpriv', sandboxArgv(box, argv, extraEnv), { reject: false, timeout: 120_000 });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A directory nobody owns (the sandbox user's /tmp). */
async function nobodyDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await chown(path, NOBODY, NOBODY);
  await chmod(path, 0o700);
  return path;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

t.test(
  'yumda install git openssh: built from AL2 specs and Debian sources, run from /opt as Lambda would',
  { skip },
  async (t) => {
    if (!fetched?.ok) return;
    // A developer can point YUMDA_HEADLINE_OUT at an earlier `yumda build` output of this closure to
    // skip steps 1 and 2 (the build order is then not checked); CI always builds.
    const reuse = process.env.YUMDA_HEADLINE_OUT;
    const versions: Record<string, string> = {};
    if (reuse) {
      t.comment(`reusing the builds in ${reuse} (YUMDA_HEADLINE_OUT)`);
      await execa('cp', ['-a', reuse, join(work, 'out')]);
      await rm(join(work, 'out/repodata'), { recursive: true, force: true });
      for (const name of BUILD)
        versions[name] = (await loadAdaptation(name)).version ?? fetched.origs.get(debianNames.get(name)!)!.version;
    } else {
      // 1. the SRPMs AL2 would have made of Debian's versions
      const srpms = join(work, 'srpms');
      for (const name of BUILD) {
        const packed = await packDebianSrpm(
          name,
          join(CORPUS, `${name}.spec`),
          fetched.origs.get(debianNames.get(name)!)!,
          srpms,
          join(work, 'scratch'),
        );
        versions[name] = packed.version;
      }
      await rm(join(work, 'scratch'), { recursive: true, force: true });
      t.comment(`sources: ${BUILD.map((n) => `${n} ${versions[n]}`).join(', ')}`);

      // 2. the production package set builds it (its patches, less those written for code Debian's
      // versions no longer have: see obsoleteLambdaPatches in test/fixtures/debian-adapt)
      const patches = await testPatchesDir(BUILD, projectPath('patches'), join(work, 'patches'));
      const started = Date.now();
      const build = await yumda(
        [
          'build',
          ...BUILD,
          '-j',
          '2',
          // one failure should not hide the others: every independent package is tried
          '--keep-going',
          '--json',
          '--builder',
          'local',
          '--srpm-dir',
          'srpms',
          '--specs',
          projectPath('specs'),
          '--patches',
          patches,
          '-o',
          'out',
        ],
        { env, cwd: work },
      );
      const result = JSON.parse(build.stdout || '{"ok":false,"packages":[]}') as {
        ok: boolean;
        waves: string[][];
        packages: Array<{ name: string; status: string; seconds: number; wave: number; error?: string }>;
      };
      t.comment(
        `build: ${((Date.now() - started) / 1000).toFixed(0)} s in ${result.waves?.length} waves; ${result.packages.map((p) => `${p.name} ${p.status} ${p.seconds.toFixed(0)} s`).join(', ')}`,
      );
      for (const p of result.packages.filter((p) => p.status === 'failed')) {
        const log = await readFile(join(work, 'out/logs', `${p.name}.log`), 'utf8').catch(() => '');
        t.comment(`${p.name} failed (${p.error}); end of its log:\n${log.split('\n').slice(-40).join('\n')}`);
      }
      t.ok(result.ok, `every package built${build.stderr ? `\n${build.stderr}` : ''}`);
      if (!result.ok) return;
      const waveOf = (n: string): number => result.packages.find((p) => p.name === n)!.wave;
      t.ok(
        waveOf('git') > waveOf('curl') && waveOf('git') > waveOf('pcre2') && waveOf('git') > waveOf('expat'),
        'git builds after the libraries its dropped -devel BuildRequires come from',
      );
      t.ok(waveOf('openssh') > waveOf('libedit'), 'openssh builds after libedit');
      t.ok(
        waveOf('curl') > waveOf('libssh2') && waveOf('curl') < waveOf('git'),
        "curl's %check-only BuildRequires (git, openssh-server) do not order it",
      );
    }

    // 3. index, publish, install, check, zip
    await run(t, ['repo', 'index', 'out']);
    const pub = pathToFileURL(join(work, 'pub')).href;
    await run(t, ['repo', 'publish', 'out', pub, '--verify']);
    // the product's profile of this build host (AL2's, with this machine's glibc and libraries)
    await run(t, ['base', 'build-host', '--rpms', 'out/RPMS', '-o', 'base.json']);
    const base = ['--base', join(work, 'base.json')];
    const repo = ['--repo', `${pub}/RPMS`];
    const install = await run(t, ['install', 'git', 'openssh', '-d', 'layer', ...repo, ...base]);
    t.comment(
      install.stdout
        .split('\n')
        .filter((l) => /^ \S|^Installed|^check/.test(l))
        .join('\n'),
    );
    const installed = JSON.parse(await readFile(join(work, 'layer/.yumda/installed.json'), 'utf8')) as {
      packages: Array<{ name: string }>;
    };
    const names = installed.packages.map((p) => p.name).sort();
    for (const n of ['git', 'git-core', 'openssh', 'openssh-clients', 'less', 'libcurl', 'expat', 'pcre2', 'libedit'])
      t.ok(names.includes(n), `${n} installed`);
    t.notOk(
      names.some((n) => /perl/.test(n)),
      `no perl in the layer (${names.join(', ')})`,
    );
    const check = await run(t, ['check', 'layer', ...base]);
    t.match(check.stdout + check.stderr, /check ok( with warnings)?: 0 errors/, 'yumda check: 0 errors');
    t.comment(`yumda check: ${(check.stdout + check.stderr).trim()}`);
    const zipped = await run(t, ['zip', 'layer', '-o', 'layer.zip']);
    const opt = join(work, 'opt');
    await mkdir(opt);
    await execa('unzip', ['-q', join(work, 'layer.zip'), '-d', opt]);
    const du = String((await execa('du', ['-sb', opt])).stdout).split('\t')[0];
    t.comment(
      `layer: ${names.length} packages, ${du} bytes unzipped, ${(await stat(join(work, 'layer.zip'))).size} bytes zipped (${zipped.stderr.trim() || zipped.stdout.trim()})`,
    );

    // the test's sshd: the set's openssh-server, in its own layer (with git for the server side of clone/push)
    await run(t, ['install', 'git', 'openssh-server', '-d', 'server-layer', '--no-check', ...repo, ...base]);
    const serverOpt = join(work, 'server-opt');
    await execa('cp', ['-a', join(work, 'server-layer'), serverOpt]);

    // what must not be what makes it work: the host's own programs, their data and configuration, and
    // the host's copy of every library the layer carries
    const layerLibs = (await readdir(join(opt, 'lib'))).filter((f) => /\.so\.\d/.test(f));
    const hide = [
      ...['git', 'ssh', 'scp', 'sftp', 'ssh-keygen', 'ssh-agent', 'ssh-add', 'ssh-keyscan', 'less', 'curl'].map(
        (p) => `/usr/bin/${p}`,
      ),
      '/usr/lib/git-core',
      '/usr/share/git-core',
      '/usr/libexec/openssh',
      '/etc/ssh',
      '/etc/gitconfig',
      ...layerLibs.flatMap((f) => [`/usr/lib/x86_64-linux-gnu/${f}`, `/lib/x86_64-linux-gnu/${f}`]),
    ];
    await noteDirs(hide);
    const client: Sandbox = { opt, tmp: await nobodyDir(join(work, 'client-tmp')), hide };
    const ok = async (
      t: Test,
      argv: string[],
      what: string,
      extraEnv: Record<string, string> = {},
    ): Promise<string> => {
      const r = await inSandbox(client, argv, extraEnv);
      t.equal(r.exitCode, 0, `${what}${r.exitCode === 0 ? '' : `: ${r.stderr}${r.stdout}`}`);
      return r.stdout + r.stderr;
    };

    await t.test('git and ssh run from /opt, and only from /opt', async (t) => {
      // (execa strips the output's final newline)
      t.equal(
        await ok(t, ['sh', '-c', 'command -v git; command -v ssh; id -u'], 'which git, ssh'),
        `/opt/bin/git\n/opt/bin/ssh\n${NOBODY}`,
      );
      t.match(
        await ok(t, ['git', '--version'], 'git --version'),
        new RegExp(`^git version ${versions.git!.replace(/\./g, '\\.')}\\b`),
      );
      t.match(await ok(t, ['git', '--exec-path'], 'git --exec-path'), /^\/opt\/libexec\/git-core$/);
      t.match(await ok(t, ['ssh', '-V'], 'ssh -V'), new RegExp(`OpenSSH_${versions.openssh!.replace(/\./g, '\\.')}`));
      // every library git, its https helper and ssh load is the layer's or one the base profile lists
      const profile = JSON.parse(await readFile(join(work, 'base.json'), 'utf8')) as { files: string[] };
      const baseFiles = new Set(profile.files);
      const ldd = await ok(
        t,
        ['ldd', '/opt/bin/git', '/opt/libexec/git-core/git-remote-https', '/opt/bin/ssh', '/opt/bin/sftp'],
        'ldd',
      );
      // canonical paths: the loader names /lib/x86_64-linux-gnu/…, the profile /usr/lib/… (merged /usr)
      const loaded = await Promise.all(
        [...ldd.matchAll(/=> (\/\S+)/g)].map((m) => (m[1]!.startsWith('/opt/') ? m[1]! : realpath(m[1]!))),
      );
      t.ok(
        loaded.some((p) => p.startsWith('/opt/lib/libcurl.so')),
        'libcurl from the layer',
      );
      t.ok(
        loaded.some((p) => p.startsWith('/opt/lib/libpcre2-8.so')),
        'libpcre2-8 from the layer',
      );
      t.ok(
        loaded.some((p) => p.startsWith('/opt/lib/libedit.so')),
        'libedit from the layer',
      );
      const foreign = [...new Set(loaded.filter((p) => !p.startsWith('/opt/') && !baseFiles.has(p)))];
      t.same(foreign, [], 'no library outside the layer and the base profile');
    });

    let pub64 = '';
    await t.test('ssh-keygen', async (t) => {
      await ok(
        t,
        ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'lambda', '-f', '/tmp/id_ed25519'],
        'ssh-keygen -t ed25519',
      );
      await ok(
        t,
        ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', '/tmp/host_key'],
        'ssh-keygen (the server host key)',
      );
      pub64 = await readFile(join(client.tmp, 'id_ed25519.pub'), 'utf8');
      t.match(pub64, /^ssh-ed25519 \S+ lambda\n$/);
      t.match(
        await ok(t, ['ssh-keygen', '-l', '-f', '/tmp/id_ed25519.pub'], 'ssh-keygen -l'),
        /^256 SHA256:\S+ lambda \(ED25519\)/,
      );
    });

    await t.test('git init, commit, log, diff (no perl, no host git)', async (t) => {
      const git = (args: string[], what = `git ${args.join(' ')}`) => ok(t, ['git', '-C', '/tmp/work', ...args], what);
      await ok(t, ['git', 'init', '-q', '-b', 'main', '/tmp/work'], 'git init');
      await ok(t, ['git', 'config', '--global', 'user.name', 'Lambda'], 'git config --global (HOME=/tmp)');
      await ok(t, ['git', 'config', '--global', 'user.email', 'lambda@example.com'], 'git config');
      await writeFile(join(client.tmp, 'work/hello.txt'), 'hello from a layer\n');
      await chown(join(client.tmp, 'work/hello.txt'), NOBODY, NOBODY);
      await git(['add', 'hello.txt']);
      await git(['commit', '-q', '-m', 'first commit']);
      await writeFile(join(client.tmp, 'work/hello.txt'), 'hello from /opt\n');
      t.match(await git(['diff']), /-hello from a layer\n\+hello from \/opt/);
      await git(['commit', '-q', '-a', '-m', 'second commit']);
      t.match(await git(['log', '--format=%s']), /^second commit\nfirst commit$/);
      // Perl-compatible regular expressions: the layer's libpcre2-8
      t.match(await git(['grep', '-P', 'hello\\s+from\\s+/opt']), /^hello\.txt:hello from \/opt$/m);
    });

    await t.test('git clone and push over ssh to sshd on 127.0.0.1 (key authentication, custom port)', async (t) => {
      const port = await freePort();
      const srv = await nobodyDir(join(work, 'server-tmp'));
      const passwd = join(work, 'passwd');
      // sshd runs the user's login shell, so nobody gets one (and a home) on the server side only
      await writeFile(
        passwd,
        (await readFile('/etc/passwd', 'utf8')).replace(
          /^nobody:.*$/m,
          `nobody:x:${NOBODY}:${NOBODY}:nobody:/tmp:/bin/sh`,
        ),
      );
      // and only from that file: the host's nss-systemd answers a shadow entry for nobody of its own
      // ("!*", locked), and sshd refuses a locked account
      const nsswitch = join(work, 'nsswitch.conf');
      await writeFile(nsswitch, 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n');
      await execa('cp', [join(client.tmp, 'host_key'), join(client.tmp, 'host_key.pub'), srv]);
      await writeFile(join(srv, 'authorized_keys'), pub64);
      await writeFile(
        join(srv, 'sshd_config'),
        [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          'HostKey /tmp/host_key',
          'AuthorizedKeysFile /tmp/authorized_keys',
          'PidFile /tmp/sshd.pid',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'StrictModes no',
          `SetEnv PATH=/opt/bin:/usr/bin:/bin LD_LIBRARY_PATH=${LAMBDA_LD_LIBRARY_PATH}`,
          '',
        ].join('\n'),
      );
      await execa('chown', ['-R', `${NOBODY}:${NOBODY}`, srv]);
      await chmod(join(srv, 'host_key'), 0o600);
      const server: Sandbox = { opt: serverOpt, tmp: srv, hide, accounts: { passwd, nsswitch } };
      const init = await inSandbox(server, ['git', 'init', '-q', '--bare', '-b', 'main', '/tmp/origin.git']);
      t.equal(init.exitCode, 0, `bare repository on the server: ${init.stderr}`);
      const sshd: ResultPromise = execa(
        'setpriv',
        sandboxArgv(server, ['/opt/sbin/sshd', '-D', '-e', '-f', '/tmp/sshd_config']),
        { reject: false, all: true },
      );
      t.teardown(async () => {
        sshd.kill();
        await sshd;
      });
      // wait until it listens
      const deadline = Date.now() + 30_000;
      for (;;) {
        const probe = await execa('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { reject: false });
        if (probe.exitCode === 0) break;
        if (Date.now() > deadline || sshd.exitCode !== null) {
          t.fail(`sshd did not start: ${String((await sshd).all)}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const sshCommand = `ssh -F /dev/null -p ${port} -i /tmp/id_ed25519 -o IdentitiesOnly=yes -o UserKnownHostsFile=/tmp/known_hosts -o StrictHostKeyChecking=accept-new -o BatchMode=yes`;
      const withSsh = { GIT_SSH_COMMAND: sshCommand };
      t.match(
        await ok(
          t,
          ['sh', '-c', `${sshCommand} nobody@127.0.0.1 echo connected as '$(id -u)'`],
          'ssh with a key to 127.0.0.1',
        ),
        `connected as ${NOBODY}`,
      );
      await ok(
        t,
        ['git', '-C', '/tmp/work', 'push', '-q', 'ssh://nobody@127.0.0.1/tmp/origin.git', 'main'],
        'git push over ssh',
        withSsh,
      );
      await ok(
        t,
        ['git', 'clone', '-q', 'ssh://nobody@127.0.0.1/tmp/origin.git', '/tmp/clone'],
        'git clone over ssh',
        withSsh,
      );
      t.equal(
        await readFile(join(client.tmp, 'clone/hello.txt'), 'utf8'),
        'hello from /opt\n',
        'the clone has the pushed commit',
      );
      await writeFile(join(client.tmp, 'clone/second.txt'), 'pushed back\n');
      await chown(join(client.tmp, 'clone/second.txt'), NOBODY, NOBODY);
      await ok(t, ['git', '-C', '/tmp/clone', 'add', 'second.txt'], 'git add');
      await ok(t, ['git', '-C', '/tmp/clone', 'commit', '-q', '-m', 'from the clone'], 'git commit');
      await ok(t, ['git', '-C', '/tmp/clone', 'push', '-q', 'origin', 'main'], 'git push origin main', withSsh);
      await ok(
        t,
        ['git', '-C', '/tmp/work', 'pull', '-q', '--ff-only', 'ssh://nobody@127.0.0.1/tmp/origin.git', 'main'],
        'git pull over ssh',
        withSsh,
      );
      t.match(
        await ok(t, ['git', '-C', '/tmp/work', 'log', '--format=%s'], 'git log'),
        /^from the clone\nsecond commit\nfirst commit$/,
      );
    });

    // nothing of the layer leaked onto the host
    for (const p of ['/usr/bin/git-upload-pack', '/opt/bin/git', '/etc/ssh/sshd_config'])
      if (p.startsWith('/opt')) t.notOk(existsSync(p), `${p} is not on the host`);
  },
);
