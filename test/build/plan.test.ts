import t from 'tap';
import {
  criticalPathOrder,
  findCycles,
  planWaves,
  restrictPlan,
  withDependents,
  type PlanPackage,
} from '../../src/build/plan.js';
import { YumdaError } from '../../src/util/errors.js';

const pkg = (name: string, buildRequires: string[], provides: string[] = []): PlanPackage => ({
  name,
  buildRequires,
  provides: [name, `${name}-devel`, ...provides],
});

t.test('waves follow BuildRequires satisfied inside the set', async (t) => {
  const plan = planWaves([
    pkg('app', ['gcc', 'libsample-devel']),
    pkg('libsample', ['gcc'], ['libsample-devel', 'pkgconfig(sample)']),
    pkg('data', []),
    pkg('plugin', ['pkgconfig(sample)', 'app-devel']),
  ]);
  t.same(plan.waves, [['data', 'libsample'], ['app'], ['plugin']]);
  t.same(plan.dependsOn.get('plugin'), ['app', 'libsample']);
  t.same(plan.dependsOn.get('libsample'), [], 'gcc comes from the build environment');
});

t.test('a cycle is reported with its members', async (t) => {
  const packages = [
    pkg('a', ['b-devel']),
    pkg('b', ['c-devel']),
    pkg('c', ['a-devel']),
    pkg('d', ['a-devel']),
    pkg('self', ['self-devel']),
  ];
  t.same(
    findCycles(
      new Map(
        packages.map((p) => [p.name, p.buildRequires.map((r) => r.replace(/-devel$/, '')).filter((r) => r !== p.name)]),
      ),
    ),
    [['a', 'b', 'c']],
  );
  try {
    planWaves(packages);
    t.fail('a cycle must throw');
  } catch (e) {
    t.ok(e instanceof YumdaError);
    t.equal((e as YumdaError).code, 'BUILD_CYCLE');
    t.match((e as YumdaError).message, 'a → b → c → a');
  }
});

t.test('dependents and restriction', async (t) => {
  const plan = planWaves([pkg('lib', []), pkg('app', ['lib-devel']), pkg('tool', ['app-devel']), pkg('other', [])]);
  t.same([...withDependents(['lib'], plan.dependsOn)].sort(), ['app', 'lib', 'tool']);
  t.same([...withDependents(['app'], plan.dependsOn)].sort(), ['app', 'tool']);
  t.same(restrictPlan(plan, new Set(['lib', 'tool'])), [['lib'], ['tool']]);
});

t.test("only what a build compiles or links against orders it (AL2's curl, libssh2, git, openssh)", async (t) => {
  // BuildRequires as AL2's specs write them; provides as yumda prepares them (package names, the
  // dropped -devel subpackages' names, Provides:)
  const plan = planWaves([
    {
      name: 'curl',
      buildRequires: [
        'git',
        'krb5-devel',
        'libidn2-devel',
        'libnghttp2-devel',
        'libssh2-devel',
        'openssh-clients',
        'openssh-server',
        'nghttp2',
        'perl(Cwd)',
        'stunnel',
        'zlib-devel',
      ],
      provides: ['curl', 'libcurl', 'libcurl-devel', 'webclient'],
    },
    {
      name: 'git',
      buildRequires: ['expat-devel', 'gettext', 'libcurl-devel', 'openssl-devel', 'pcre2-devel', 'zlib-devel'],
      provides: ['git', 'git-core', 'perl-Git'],
    },
    {
      name: 'libssh2',
      buildRequires: ['/usr/bin/man', 'openssh-server', 'openssl-devel'],
      provides: ['libssh2', 'libssh2-devel'],
    },
    {
      name: 'openssh',
      buildRequires: ['audit-libs', 'audit-libs-devel', 'libedit-devel', 'openssl-devel'],
      provides: ['openssh', 'openssh-clients', 'openssh-server'],
    },
    { name: 'expat', buildRequires: [], provides: ['expat', 'expat-devel'] },
    { name: 'pcre2', buildRequires: [], provides: ['pcre2', 'pcre2-devel'] },
    { name: 'libedit', buildRequires: [], provides: ['libedit', 'libedit-devel'] },
    { name: 'audit', buildRequires: ['libcap-ng-devel'], provides: ['audit', 'audit-libs', 'audit-libs-devel'] },
    { name: 'libcap-ng', buildRequires: [], provides: ['libcap-ng', 'libcap-ng-devel'] },
    { name: 'nghttp2', buildRequires: [], provides: ['nghttp2', 'libnghttp2', 'libnghttp2-devel'] },
    { name: 'libidn2', buildRequires: ['libunistring-devel'], provides: ['libidn2', 'libidn2-devel'] },
    { name: 'libunistring', buildRequires: [], provides: ['libunistring', 'libunistring-devel'] },
  ]);
  t.same(plan.dependsOn.get('curl'), ['libidn2', 'libssh2', 'nghttp2'], 'not git, openssh (test suite, patch tool)');
  t.same(plan.dependsOn.get('libssh2'), [], 'openssh-server only runs its test suite');
  t.same(
    plan.dependsOn.get('git'),
    ['curl', 'expat', 'pcre2'],
    'dropped -devel subpackages map to their source package',
  );
  t.same(plan.dependsOn.get('openssh'), ['audit', 'libedit']);
  t.same(plan.waves, [
    ['expat', 'libcap-ng', 'libedit', 'libssh2', 'libunistring', 'nghttp2', 'pcre2'],
    ['audit', 'libidn2'],
    ['curl', 'openssh'],
    ['git'],
  ]);
});

t.test('ready packages start longest chain of dependents first', async (t) => {
  // the git + openssh closure: libunistring → libidn2 → curl → git is the chain that decides the total
  const plan = planWaves([
    pkg('expat', []),
    pkg('less', []),
    pkg('libedit', []),
    pkg('libssh2', []),
    pkg('libunistring', []),
    pkg('libidn2', ['libunistring-devel']),
    pkg('curl', ['libidn2-devel', 'libssh2-devel']),
    pkg('git', ['curl-devel', 'expat-devel']),
    pkg('openssh', ['libedit-devel']),
  ]);
  const deps = plan.dependsOn;
  t.same(deps.get('git'), ['curl', 'expat']);
  const unit = criticalPathOrder(plan.waves.flat(), deps, () => 1);
  t.equal(unit[0], 'libunistring', 'without history: the deepest chain');
  t.ok(unit.indexOf('libssh2') < unit.indexOf('expat') && unit.indexOf('expat') < unit.indexOf('less'));
  // with history, the weights decide: a slow leaf outranks a short chain of quick builds
  const seconds: Record<string, number> = { less: 2000, libunistring: 400, libidn2: 200, curl: 100, git: 150 };
  const timed = criticalPathOrder(plan.waves.flat(), deps, (n) => seconds[n] ?? 60);
  t.same(timed.slice(0, 3), ['less', 'libunistring', 'libidn2']);
  t.same(
    criticalPathOrder([], deps, () => 1),
    [],
  );
  t.same(
    criticalPathOrder(['curl', 'git'], deps, () => 1),
    ['curl', 'git'],
    'dependencies outside the selection are not counted',
  );
});
