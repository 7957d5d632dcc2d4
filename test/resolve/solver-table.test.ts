/**
 * The solver as a table, in the manner of libsolv's testcases: inline repositories, a job, the
 * expected transaction. Each repository is a block of lines, one package a line:
 *
 *   NAME-[EPOCH:]VERSION-RELEASE.ARCH  [; KEY: VALUE, VALUE ...]...
 *
 * with KEY one of req, pre (a scriptlet-only requirement), prov, conf, obs, file, srpm. A repository
 * is named `id` or `id@priority`. `installed` is what the layer already has. The result is the
 * transaction, sorted: `install NEVRA`, `remove NEVRA`, or, for an impossible job, `problem TEXT`
 * lines (the solver's own messages, in its order).
 */
import t from 'tap';
import { loadProfile, noneProfile } from '../../src/config/profile.js';
import { policyPool } from '../../src/resolve/policy.js';
import { BaseSatisfier } from '../../src/resolve/base.js';
import { nevra } from '../../src/resolve/package.js';
import { listSource } from '../../src/resolve/source.js';
import { NeedFilelistsError, ResolveError, resolve } from '../../src/resolve/resolve.js';
import { parseRepo } from './table.js';

interface Case {
  name: string;
  repos: Record<string, string>;
  installed?: string;
  job: string[];
  arch?: string;
  base?: 'al2' | 'none';
  result: string[];
}

const bases = { al2: new BaseSatisfier(loadProfile('al2')), none: new BaseSatisfier(noneProfile) };

/** The transaction of a job, as result lines. */
export function solve(c: Omit<Case, 'name' | 'result'>): string[] {
  const arch = c.arch ?? 'x86_64';
  const pool = policyPool(
    Object.entries(c.repos).map(([id, block]) => listSource(parseRepo(block, id))),
    arch,
  );
  try {
    const plan = resolve({
      pool,
      base: bases[c.base ?? 'none'],
      requests: c.job,
      installed: c.installed ? parseRepo(c.installed, '@System') : [],
      arch,
    });
    return [
      ...plan.install.map((p) => `install ${nevra(p.pkg)}`),
      ...plan.remove.map((p) => `remove ${nevra(p)}`),
    ].sort();
  } catch (e) {
    if (e instanceof ResolveError) return e.problems.map((p) => `problem ${p}`);
    if (e instanceof NeedFilelistsError) return [`needs filelists for ${e.path}`];
    throw e;
  }
}

const cases: Case[] = [
  // selection: what a request names
  {
    name: 'selection: a name takes its highest EVR',
    repos: { main: 'a-1-1.noarch\na-1.10-1.noarch\na-1.9-1.noarch' },
    job: ['a'],
    result: ['install a-1.10-1.noarch'],
  },
  {
    name: 'selection: epoch beats version',
    repos: { main: 'a-1:1-1.noarch\na-9-1.noarch' },
    job: ['a'],
    result: ['install a-1:1-1.noarch'],
  },
  {
    name: 'selection: name-version',
    repos: { main: 'a-1-1.noarch\na-2-1.noarch' },
    job: ['a-1'],
    result: ['install a-1-1.noarch'],
  },
  {
    name: 'selection: name-version-release',
    repos: { main: 'a-1-1.noarch\na-1-2.noarch' },
    job: ['a-1-1'],
    result: ['install a-1-1.noarch'],
  },
  {
    name: 'selection: name-epoch:version-release.arch',
    repos: { main: 'a-2:1-1.x86_64\na-2:1-1.noarch\na-1-1.x86_64' },
    job: ['a-2:1-1.noarch'],
    result: ['install a-2:1-1.noarch'],
  },
  {
    name: 'selection: a dashed name is a name first',
    repos: { main: 'foo-bar-1-1.noarch\nfoo-1-1.noarch' },
    job: ['foo-bar'],
    result: ['install foo-bar-1-1.noarch'],
  },
  {
    name: 'selection: name.arch',
    repos: { main: 'a-1-1.noarch\na-1-1.x86_64' },
    job: ['a.noarch'],
    result: ['install a-1-1.noarch'],
  },
  {
    name: 'selection: a capability',
    repos: { main: 'impl-1-1.noarch; prov: service' },
    job: ['service'],
    result: ['install impl-1-1.noarch'],
  },
  {
    name: 'selection: a versioned capability',
    repos: { main: 'old-1-1.noarch; prov: api = 1\nnew-1-1.noarch; prov: api = 2' },
    job: ['api >= 2'],
    result: ['install new-1-1.noarch'],
  },
  {
    name: 'selection: a file path',
    repos: { main: 'tool-1-1.x86_64; file: /opt/bin/tool' },
    job: ['/opt/bin/tool'],
    result: ['install tool-1-1.x86_64'],
  },
  {
    name: 'selection: a path only filelists know asks for them',
    repos: { main: 'tool-1-1.x86_64' },
    job: ['/opt/share/tool/x'],
    result: ['needs filelists for /opt/share/tool/x'],
  },
  {
    name: 'selection: an unknown name',
    repos: { main: 'alpha-1-1.noarch' },
    job: ['beta'],
    result: ['problem no package provides beta'],
  },
  {
    name: 'selection: an installed package is not reinstalled',
    repos: { main: 'a-1-1.noarch' },
    installed: 'a-1-1.noarch',
    job: ['a'],
    result: [],
  },
  {
    name: 'selection: an installed older package is upgraded',
    repos: { main: 'a-2-1.noarch' },
    installed: 'a-1-1.noarch',
    job: ['a'],
    result: ['install a-2-1.noarch', 'remove a-1-1.noarch'],
  },
  {
    name: 'selection: never a downgrade',
    repos: { main: 'a-1-1.noarch' },
    installed: 'a-2-1.noarch',
    job: ['a-1'],
    result: [],
  },

  // closure
  {
    name: 'closure: a chain',
    repos: { main: 'a-1-1.noarch; req: b\nb-1-1.noarch; req: c\nc-1-1.noarch' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install b-1-1.noarch', 'install c-1-1.noarch'],
  },
  {
    name: 'closure: a diamond installs the shared package once',
    repos: { main: 'a-1-1.noarch; req: b, c\nb-1-1.noarch; req: d\nc-1-1.noarch; req: d\nd-1-1.noarch' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install b-1-1.noarch', 'install c-1-1.noarch', 'install d-1-1.noarch'],
  },
  {
    name: 'closure: a cycle',
    repos: { main: 'a-1-1.noarch; req: b\nb-1-1.noarch; req: a' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install b-1-1.noarch'],
  },
  {
    name: 'closure: a versioned requirement picks a version that satisfies it',
    repos: { main: 'a-1-1.noarch; req: b < 2\nb-1-1.noarch\nb-2-1.noarch' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install b-1-1.noarch'],
  },
  {
    name: 'closure: a file requirement from primary file lists',
    repos: { main: 'a-1-1.noarch; req: /opt/bin/sh\nshell-1-1.x86_64; file: /opt/bin/sh' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install shell-1-1.x86_64'],
  },
  {
    name: 'closure: what the layer has satisfies',
    repos: { main: 'a-1-1.noarch; req: lib\nlib-2-1.noarch' },
    installed: 'lib-1-1.noarch',
    job: ['a'],
    result: ['install a-1-1.noarch'],
  },
  {
    name: 'closure: a requirement the layer does not meet upgrades it',
    repos: { main: 'a-1-1.noarch; req: lib >= 2\nlib-2-1.noarch' },
    installed: 'lib-1-1.noarch',
    job: ['a'],
    result: ['install a-1-1.noarch', 'install lib-2-1.noarch', 'remove lib-1-1.noarch'],
  },
  {
    name: 'closure: scriptlet-only requirements pull nothing in',
    repos: { main: 'd-1-1.x86_64; pre: shadow-utils, /usr/sbin/useradd\nshadow-utils-4-1.x86_64' },
    job: ['d'],
    result: ['install d-1-1.x86_64'],
  },
  {
    name: 'closure: the Lambda base satisfies',
    base: 'al2',
    repos: { main: 'a-1-1.x86_64; req: zlib, libc.so.6()(64bit)\nzlib-1.2.7-1.x86_64' },
    job: ['a'],
    result: ['install a-1-1.x86_64'],
  },
  {
    name: 'closure: newer than the base is installed',
    base: 'al2',
    repos: { main: 'a-1-1.x86_64; req: zlib >= 1.2.11\nzlib-1.2.11-1.x86_64' },
    job: ['a'],
    result: ['install a-1-1.x86_64', 'install zlib-1.2.11-1.x86_64'],
  },

  // conflicts
  {
    name: 'conflicts: between two needed packages',
    repos: { main: 'a-1-1.noarch; req: b\nb-1-1.noarch; conf: a < 2' },
    job: ['a'],
    result: ['problem b-1-1.noarch conflicts with a-1-1.noarch'],
  },
  {
    name: 'conflicts: outside the range do not count',
    repos: { main: 'a-2-1.noarch; req: b\nb-1-1.noarch; conf: a < 2' },
    job: ['a'],
    result: ['install a-2-1.noarch', 'install b-1-1.noarch'],
  },
  {
    name: 'conflicts: with a capability',
    repos: { main: 'a-1-1.noarch; conf: mta\nb-1-1.noarch; prov: mta' },
    job: ['a', 'b'],
    result: ['problem a-1-1.noarch conflicts with b-1-1.noarch'],
  },
  {
    name: 'conflicts: with what the layer has',
    repos: { main: 'a-1-1.noarch; conf: b' },
    installed: 'b-1-1.noarch',
    job: ['a'],
    result: ['problem a-1-1.noarch conflicts with b-1-1.noarch (installed in the layer)'],
  },
  {
    name: 'conflicts: declared by what the layer has',
    repos: { main: 'a-1-1.noarch' },
    installed: 'b-1-1.noarch; conf: a',
    job: ['a'],
    result: ['problem b-1-1.noarch conflicts with a-1-1.noarch (the latter is installed in the layer)'],
  },
  {
    name: 'conflicts: with a file',
    repos: { main: 'a-1-1.noarch; conf: /opt/bin/x\nb-1-1.noarch; file: /opt/bin/x' },
    job: ['a', 'b'],
    result: ['problem a-1-1.noarch conflicts with b-1-1.noarch'],
  },

  // obsoletes
  {
    name: 'obsoletes: a requested name that is obsoleted installs its obsoleter',
    repos: { main: 'old-1-1.noarch\nnew-1-1.noarch; obs: old < 2' },
    job: ['old'],
    result: ['install new-1-1.noarch'],
  },
  {
    name: 'obsoletes: an installed package it obsoletes is removed',
    repos: { main: 'new-1-1.noarch; obs: old < 2' },
    installed: 'old-1-1.noarch',
    job: ['new'],
    result: ['install new-1-1.noarch', 'remove old-1-1.noarch'],
  },
  {
    name: 'obsoletes: outside the range nothing is removed',
    repos: { main: 'new-1-1.noarch; obs: old < 2' },
    installed: 'old-2-1.noarch',
    job: ['new'],
    result: ['install new-1-1.noarch'],
  },
  {
    name: 'obsoletes: a provider that is obsoleted loses to its obsoleter',
    repos: { main: 'a-1-1.noarch; req: cap\nold-1-1.noarch; prov: cap\nnewer-1-1.noarch; prov: cap; obs: old' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install newer-1-1.noarch'],
  },
  {
    name: 'obsoletes: both needed is a problem',
    repos: { main: 'a-1-1.noarch; req: b, c\nb-1-1.noarch; obs: c\nc-1-1.noarch' },
    job: ['a'],
    result: ['problem b-1-1.noarch obsoletes c-1-1.noarch, but both are needed (a → b; a → c)'],
  },
  {
    name: 'obsoletes: a package left in the layer loses what it needs',
    repos: { main: 'lib-2-1.noarch\napp2-1-1.noarch; req: lib >= 2' },
    installed: 'lib-1-1.noarch; prov: libapi = 1\nuser-1-1.noarch; req: libapi = 1',
    job: ['app2'],
    result: ['problem libapi = 1 needed by user-1-1.noarch (installed in the layer) would no longer be satisfied'],
  },

  // problems
  {
    name: 'problems: nothing provides, with the chain',
    repos: { main: 'a-1-1.noarch; req: b\nb-1-1.noarch; req: c' },
    job: ['a'],
    result: ['problem nothing provides c needed by b-1-1.noarch (pulled in by: a → b)'],
  },
  {
    name: 'problems: a version nobody has',
    repos: { main: 'a-1-1.noarch; req: b >= 3\nb-2-1.noarch' },
    job: ['a'],
    result: ['problem nothing provides b >= 3 needed by a-1-1.noarch (pulled in by: a)'],
  },
  {
    name: 'problems: one version per name',
    repos: { main: 'a-1-1.noarch; req: b = 1\nc-1-1.noarch; req: b = 2\nb-1-1.noarch\nb-2-1.noarch' },
    job: ['a', 'c'],
    result: [
      'problem b = 2 needed by c-1-1.noarch is not satisfied by b-1-1.noarch, which was chosen (pulled in by: a → b)',
    ],
  },
  {
    name: 'problems: every problem is reported',
    repos: { main: 'a-1-1.noarch; req: x\nb-1-1.noarch; req: y' },
    job: ['a', 'b'],
    result: [
      'problem nothing provides x needed by a-1-1.noarch (pulled in by: a)',
      'problem nothing provides y needed by b-1-1.noarch (pulled in by: b)',
    ],
  },
  {
    name: 'problems: an rpmlib feature the target lacks',
    base: 'al2',
    repos: { main: 'z-1-1.noarch; req: rpmlib(PayloadIsZstd) <= 5.4.18-1' },
    job: ['z'],
    result: ['problem z-1-1.noarch needs rpmlib(PayloadIsZstd) <= 5.4.18-1, which rpm 4.11.3 on al2 does not support'],
  },

  // provider choice
  {
    name: 'providers: the one named like the capability',
    repos: { main: 'a-1-1.noarch; req: mta\nmta-1-1.noarch; prov: mta\nexim-1-1.noarch; prov: mta' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install mta-1-1.noarch'],
  },
  {
    name: 'providers: the same source package',
    repos: {
      main: 'app-1-1.noarch; req: backend; srpm: app-1-1.src.rpm\napp-backend-impl-1-1.noarch; prov: backend; srpm: app-1-1.src.rpm\nbe-1-1.noarch; prov: backend',
    },
    job: ['app'],
    result: ['install app-1-1.noarch', 'install app-backend-impl-1-1.noarch'],
  },
  {
    name: 'providers: the shortest name, then the first',
    repos: {
      main: 'z-1-1.noarch; req: cap\nyy-1-1.noarch; prov: cap\nxx-1-1.noarch; prov: cap\nwww-1-1.noarch; prov: cap',
    },
    job: ['z'],
    result: ['install xx-1-1.noarch', 'install z-1-1.noarch'],
  },
  {
    name: 'providers: the highest EVR of a name',
    repos: {
      main: 'a-1-1.noarch; req: libq.so.1()(64bit)\nlibq-1-1.x86_64; prov: libq.so.1()(64bit)\nlibq-2-1.x86_64; prov: libq.so.1()(64bit)',
    },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install libq-2-1.x86_64'],
  },
  {
    name: 'providers: one already in the transaction',
    repos: { main: 'a-1-1.noarch; req: cap, b\ncap-1-1.noarch; prov: cap\nb-1-1.noarch; prov: cap' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install b-1-1.noarch'],
  },
  {
    name: 'providers: one the closure brings in later',
    repos: {
      main: 'a-1-1.noarch; req: mta, c\nc-1-1.noarch; req: d\nd-1-1.noarch; req: exim\nmta-1-1.noarch; prov: mta\nexim-1-1.noarch; prov: mta',
    },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install c-1-1.noarch', 'install d-1-1.noarch', 'install exim-1-1.noarch'],
  },
  {
    name: 'providers: a choice made first serves the next',
    repos: {
      main: 'a-1-1.noarch; req: cap, cap2\nx-1-1.noarch; prov: cap, cap2\nyy-1-1.noarch; prov: cap2\nzz-1-1.noarch; prov: cap',
    },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install x-1-1.noarch'],
  },
  {
    name: 'providers: what the layer has',
    repos: { main: 'a-1-1.noarch; req: cap\naa-1-1.noarch; prov: cap\nzzz-1-1.noarch; prov: cap' },
    installed: 'zzz-1-1.noarch; prov: cap',
    job: ['a'],
    result: ['install a-1-1.noarch'],
  },

  // arch policy
  {
    name: 'arch: the machine arch over noarch at the same EVR',
    repos: { main: 't-1-1.noarch\nt-1-1.x86_64' },
    job: ['t'],
    result: ['install t-1-1.x86_64'],
  },
  {
    name: 'arch: a higher noarch EVR wins over the machine arch',
    repos: { main: 't-2-1.noarch\nt-1-1.x86_64' },
    job: ['t'],
    result: ['install t-2-1.noarch'],
  },
  {
    name: 'arch: never multilib',
    repos: { main: 'a-1-1.x86_64; req: libq\nlibq-9-1.i686\nlibq-1-1.x86_64' },
    job: ['a'],
    result: ['install a-1-1.x86_64', 'install libq-1-1.x86_64'],
  },
  {
    name: 'arch: another arch is not installable',
    repos: { main: 'a-1-1.aarch64' },
    job: ['a'],
    result: ['problem no package provides a'],
  },
  {
    name: 'arch: aarch64 target',
    arch: 'aarch64',
    repos: { main: 't-1-1.aarch64; req: u\nu-1-1.noarch\nt-2-1.x86_64' },
    job: ['t'],
    result: ['install t-1-1.aarch64', 'install u-1-1.noarch'],
  },

  // repository priority
  {
    name: 'priority: the better repository keeps a name, even at a lower version',
    repos: { 'low@50': 'a-9-1.noarch', 'high@10': 'a-1-1.noarch' },
    job: ['a'],
    result: ['install a-1-1.noarch'],
  },
  {
    name: 'priority: names only the worse repository has stay usable',
    repos: { 'low@50': 'a-9-1.noarch\nb-1-1.noarch', 'high@10': 'a-1-1.noarch; req: b' },
    job: ['a'],
    result: ['install a-1-1.noarch', 'install b-1-1.noarch'],
  },
  {
    name: 'priority: equal priorities compare versions',
    repos: { one: 'a-1-1.noarch', two: 'a-2-1.noarch' },
    job: ['a'],
    result: ['install a-2-1.noarch'],
  },
  {
    name: 'priority: a provider hidden by priority is not used',
    repos: {
      'low@50': 'a-1-1.noarch; req: cap >= 2\nb-2-1.noarch; prov: cap = 2',
      'high@10': 'b-1-1.noarch; prov: cap = 1',
    },
    job: ['a'],
    result: ['problem nothing provides cap >= 2 needed by a-1-1.noarch (pulled in by: a)'],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(solve(c), c.result);
  });
}
