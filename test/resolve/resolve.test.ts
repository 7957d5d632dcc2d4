/** The resolver on synthetic metadata: fast, and every rule stated once. */
import t from 'tap';
import { loadProfile, noneProfile } from '../../src/config/profile.js';
import { BaseSatisfier } from '../../src/resolve/base.js';
import type { PoolPackage } from '../../src/resolve/package.js';
import { PackagePool } from '../../src/resolve/pool.js';
import { resolve, ResolveError, NeedFilelistsError } from '../../src/resolve/resolve.js';
import { applyPriorities } from '../../src/resolve/policy.js';
import { formatPlan, planToJson } from '../../src/resolve/plan.js';
import { parseDep } from '../../src/rpm/version.js';
import type { Dependency } from '../../src/rpm/types.js';

function dep(text: string, pre = false): Dependency {
  return { ...parseDep(text), pre };
}

function pkg(
  nevra: string,
  extra: Partial<Record<'requires' | 'provides' | 'conflicts' | 'obsoletes', string[]>> & {
    repo?: string;
    priority?: number;
    sourcerpm?: string;
    files?: string[];
    pre?: string[];
  } = {},
): PoolPackage {
  const m = /^(.+)-(?:(\d+):)?([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra)!;
  const [name, epoch, version, release, arch] = [m[1]!, m[2], m[3]!, m[4]!, m[5]!];
  return {
    pkgId: nevra,
    name,
    arch,
    epoch: Number(epoch ?? 0),
    version,
    release,
    summary: name,
    description: '',
    packager: '',
    url: '',
    timeFile: 0,
    timeBuild: 0,
    sizePackage: 1000,
    sizeInstalled: 3000,
    sizeArchive: 0,
    locationHref: `Packages/${nevra}.rpm`,
    license: 'MIT',
    vendor: '',
    group: '',
    buildhost: '',
    sourcerpm: extra.sourcerpm ?? `${name}-${version}-${release}.src.rpm`,
    headerStart: 0,
    headerEnd: 0,
    provides: (extra.provides ?? []).map((d) => dep(d)),
    requires: [...(extra.requires ?? []).map((d) => dep(d)), ...(extra.pre ?? []).map((d) => dep(d, true))],
    conflicts: (extra.conflicts ?? []).map((d) => dep(d)),
    obsoletes: (extra.obsoletes ?? []).map((d) => dep(d)),
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    primaryFiles: (extra.files ?? []).map((path) => ({ path, type: 'file' as const })),
    repo: extra.repo ?? 'main',
    priority: extra.priority ?? 99,
  };
}

const al2 = new BaseSatisfier(loadProfile('al2'));
const none = new BaseSatisfier(noneProfile);
function names(
  packages: PoolPackage[],
  requests: string[],
  options: {
    base?: BaseSatisfier;
    installed?: PoolPackage[];
    hints?: PoolPackage[];
    disabled?: string[];
    arch?: string;
  } = {},
): string[] {
  const plan = resolve({
    pool: new PackagePool(packages),
    base: options.base ?? al2,
    requests,
    installed: options.installed,
    arch: options.arch ?? 'x86_64',
    hints: options.hints,
    disabledRepos: options.disabled,
  });
  return plan.install.map((p) => `${p.pkg.name}-${p.pkg.version}.${p.pkg.arch}`);
}
function failure(fn: () => unknown): ResolveError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ResolveError) return e;
    throw e;
  }
  throw new Error('expected a ResolveError');
}

t.test('providers: name-like, same source, shortest, highest EVR, arch', async (t) => {
  const repo = [
    pkg('app-1-1.x86_64', { requires: ['mta', 'backend', 'libq.so.1()(64bit)'], sourcerpm: 'app-1-1.src.rpm' }),
    pkg('mta-1-1.noarch', { provides: ['mta'] }),
    pkg('exim-9-1.x86_64', { provides: ['mta'] }),
    pkg('app-backend-impl-1-1.noarch', { provides: ['backend'], sourcerpm: 'app-1-1.src.rpm' }),
    pkg('be-1-1.noarch', { provides: ['backend'] }),
    pkg('libq-1-1.x86_64', { provides: ['libq.so.1()(64bit)'] }),
    pkg('libq-2-1.x86_64', { provides: ['libq.so.1()(64bit)'] }),
    pkg('libq-compat-1-1.x86_64', { provides: ['libq.so.1()(64bit)'] }),
    pkg('libq-3-1.i686', { provides: ['libq.so.1()(64bit)'] }),
  ];
  t.same(
    names(
      repo.filter((p) => p.arch !== 'i686'),
      ['app'],
    ),
    ['app-1.x86_64', 'app-backend-impl-1.noarch', 'libq-2.x86_64', 'mta-1.noarch'],
  );
  t.same(
    names(
      [
        pkg('x-1-1.noarch', { provides: ['cap'] }),
        pkg('yy-1-1.noarch', { provides: ['cap'] }),
        pkg('zzz-1-1.noarch', { requires: ['cap'] }),
      ],
      ['zzz'],
    ),
    ['x-1.noarch', 'zzz-1.noarch'],
    'shortest name',
  );
});

t.test('the base: what Lambda has is skipped and reported', async (t) => {
  const repo = [
    pkg('git-2-1.x86_64', {
      requires: ['zlib', 'libz.so.1()(64bit)', 'libc.so.6(GLIBC_2.17)(64bit)', '/bin/sh', 'openssl-libs >= 1:1.0.2'],
    }),
    pkg('zlib-1.2.7-1.x86_64', { provides: ['libz.so.1()(64bit)'] }),
    pkg('openssl-libs-1:1.0.2k-1.x86_64'),
  ];
  const plan = resolve({ pool: new PackagePool(repo), base: al2, requests: ['git'], arch: 'x86_64' });
  t.same(
    plan.install.map((p) => p.pkg.name),
    ['git'],
  );
  t.same(plan.skippedByBase, ['/bin/sh', 'libc.so.6(GLIBC_2.17)(64bit)', 'openssl-libs', 'zlib']);
  t.match(
    formatPlan(plan, { base: 'al2' }),
    /Skipped \(already in the Lambda base al2\): \/bin\/sh, libc\.so\.6\(GLIBC_2\.17\)\(64bit\), openssl-libs, zlib/,
  );
  t.same(planToJson(plan), {
    install: [
      {
        name: 'git',
        epoch: 0,
        version: '2',
        release: '1',
        arch: 'x86_64',
        repo: 'main',
        size: 1000,
        installedSize: 3000,
      },
    ],
    skippedByBase: plan.skippedByBase,
    downloadSize: 1000,
    installedSize: 3000,
  });
  // newer than the base: installed into the layer
  t.same(
    names(
      [
        pkg('a-1-1.noarch', { requires: ['zlib >= 1.2.11', 'libc.so.6(GLIBC_2.28)(64bit)'] }),
        pkg('zlib-1.2.11-1.x86_64'),
        pkg('glibc-2.28-1.x86_64', { provides: ['libc.so.6(GLIBC_2.28)(64bit)'] }),
      ],
      ['a'],
    ),
    ['a-1.noarch', 'glibc-2.28.x86_64', 'zlib-1.2.11.x86_64'],
  );
  t.same(
    names([pkg('zlib-1.2.7-1.x86_64')], ['zlib'], { base: none }),
    ['zlib-1.2.7.x86_64'],
    '--base none installs everything',
  );
});

t.test('scriptlet-only requirements never block or pull anything in', async (t) => {
  t.same(
    names([pkg('d-1-1.x86_64', { pre: ['shadow-utils', '/usr/sbin/useradd'] }), pkg('shadow-utils-4-1.x86_64')], ['d']),
    ['d-1.x86_64'],
  );
});

t.test('errors explain themselves, with hints for other archs and disabled repositories', async (t) => {
  const repo = [
    pkg('git-2-1.x86_64', { requires: ['bar'] }),
    pkg('bar-1.0-1.lambda2.x86_64', { requires: ['libfoo.so.1()(64bit)'] }),
  ];
  const e = failure(() =>
    names(repo, ['git'], {
      hints: [
        pkg('foo-1-1.aarch64', { provides: ['libfoo.so.1()(64bit)'] }),
        pkg('foo-1-1.x86_64', { provides: ['libfoo.so.1()(64bit)'], repo: 'extras' }),
      ],
      disabled: ['extras'],
    }),
  );
  t.equal(
    e.message,
    'nothing provides libfoo.so.1()(64bit) needed by bar-1.0-1.lambda2.x86_64 (pulled in by: git → bar)',
  );
  t.match(e.hint, /exists for another architecture \(foo-1-1\.aarch64\)/);
  t.match(e.hint, /in the disabled repository "extras" \(foo-1-1\.x86_64\): enable it with --enablerepo extras/);
  t.equal(e.exitCode, 1);
  const c = failure(() =>
    names([pkg('a-1-1.noarch', { requires: ['b'] }), pkg('b-1-1.noarch', { conflicts: ['a < 2'] })], ['a']),
  );
  t.equal(c.message, 'b-1-1.noarch conflicts with a-1-1.noarch');
  const rpmlib = failure(() =>
    names([pkg('z-1-1.noarch', { requires: ['rpmlib(PayloadIsZstd) <= 5.4.18-1'] })], ['z']),
  );
  t.match(
    rpmlib.message,
    /z-1-1\.noarch needs rpmlib\(PayloadIsZstd\) <= 5\.4\.18-1, which rpm 4\.11\.3 on al2 does not support/,
  );
  t.same(
    names(
      [pkg('x-1-1.noarch', { requires: ['rpmlib(PayloadIsXz) <= 5.2-1', 'rpmlib(FileDigests) <= 4.6.0-1'] })],
      ['x'],
    ),
    ['x-1.noarch'],
  );
  let needs: unknown;
  try {
    names([pkg('x-1-1.noarch', { requires: ['/opt/share/only-in-filelists'] })], ['x']);
  } catch (err) {
    needs = err;
  }
  t.ok(needs instanceof NeedFilelistsError, 'a file only filelists can answer asks for filelists');
  t.same(
    names(
      [pkg('x-1-1.noarch', { requires: ['/opt/share/f'] }), pkg('y-1-1.noarch', { files: ['/opt/share/f'] })],
      ['x'],
    ),
    ['x-1.noarch', 'y-1.noarch'],
    'primary files satisfy file requires',
  );
});

t.test('installed packages: incremental, upgrades, obsoletes', async (t) => {
  const installed = [pkg('lib-1-1.noarch', { provides: ['libcap'] })];
  const repo = [
    pkg('app-1-1.noarch', { requires: ['libcap'] }),
    pkg('lib-1-1.noarch', { provides: ['libcap'] }),
    pkg('lib-2-1.noarch', { provides: ['libcap'] }),
  ];
  t.same(names(repo, ['app'], { installed }), ['app-1.noarch'], 'what is installed satisfies requirements');
  const plan = resolve({
    pool: new PackagePool([...repo, pkg('new-2-1.noarch', { requires: ['lib >= 2'] })]),
    base: al2,
    requests: ['new'],
    installed,
    arch: 'x86_64',
  });
  t.same(
    plan.install.map((p) => `${p.pkg.name}-${p.pkg.version}`),
    ['lib-2', 'new-2'],
  );
  t.same(
    plan.remove.map((p) => `${p.name}-${p.version}`),
    ['lib-1'],
    'the old version is replaced',
  );
  const already = resolve({
    pool: new PackagePool(repo),
    base: al2,
    requests: ['lib'],
    installed: [pkg('lib-2-1.noarch')],
    arch: 'x86_64',
  });
  t.same(already.alreadyInstalled, ['lib-2-1.noarch']);
  const obs = resolve({
    pool: new PackagePool([pkg('old-1-1.noarch'), pkg('new-1-1.noarch', { obsoletes: ['old < 2'] })]),
    base: al2,
    requests: ['new'],
    installed: [pkg('old-1-1.noarch')],
    arch: 'x86_64',
  });
  t.same(
    obs.remove.map((p) => p.name),
    ['old'],
  );
});

t.test('repository priorities and arch policy', async (t) => {
  const mixed = applyPriorities([
    pkg('a-9-1.noarch', { repo: 'low', priority: 50 }),
    pkg('a-1-1.noarch', { repo: 'high', priority: 10 }),
    pkg('b-1-1.noarch', { repo: 'low', priority: 50 }),
  ]);
  t.same(
    mixed.map((p) => `${p.name}-${p.version}@${p.repo}`),
    ['a-1@high', 'b-1@low'],
  );
  t.same(
    names([pkg('t-1-1.noarch'), pkg('t-1-1.x86_64')], ['t']),
    ['t-1.x86_64'],
    'the machine arch over noarch at the same EVR',
  );
  t.same(
    names([pkg('t-1-1.aarch64', { requires: ['u'] }), pkg('u-1-1.noarch')], ['t'], { arch: 'aarch64', base: none }),
    ['t-1.aarch64', 'u-1.noarch'],
  );
});
