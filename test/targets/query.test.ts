/** foreignArchOnly: which request the repositories have only for another arch (pure, over package sources). */
import t from 'tap';
import { foreignArchOnly } from '../../src/install/query.js';
import { emptyPackageRecord } from '../../src/repodata/types.js';
import type { PoolPackage } from '../../src/resolve/package.js';
import type { PackageSource } from '../../src/resolve/source.js';

const pkg = (name: string, arch: string, provides: string[] = []): PoolPackage => ({
  ...emptyPackageRecord(),
  name,
  arch,
  version: '1.0',
  release: '1',
  provides: [name, ...provides].map((p) => ({
    name: p,
    flags: null,
    epoch: null,
    version: null,
    release: null,
    pre: false,
  })),
  repo: 'r',
  priority: 99,
});

function source(packages: PoolPackage[]): PackageSource {
  return {
    lookup: (kind, key) => {
      const hits =
        kind === 'names'
          ? packages.filter((p) => p.name === key)
          : kind === 'provides'
            ? packages.filter((p) => p.provides.some((d) => d.name === key))
            : [];
      return hits.length > 0 ? hits : undefined;
    },
    all: () => packages,
  };
}

const repo = source([
  pkg('armonly', 'aarch64', ['libarm.so.1()(64bit)']),
  pkg('both', 'aarch64'),
  pkg('both', 'x86_64'),
  pkg('data', 'noarch'),
]);

t.equal(foreignArchOnly([repo], ['both', 'data', 'missing'], 'x86_64'), null, 'fits, noarch, absent');
t.match(foreignArchOnly([repo], ['data', 'armonly'], 'x86_64'), {
  request: 'armonly',
  archs: ['aarch64'],
  example: { name: 'armonly', arch: 'aarch64' },
});
t.match(foreignArchOnly([repo], ['libarm.so.1()(64bit)'], 'x86_64'), { archs: ['aarch64'] }, 'a capability');
t.equal(foreignArchOnly([repo], ['armonly'], 'aarch64'), null);
t.match(foreignArchOnly([repo], ['both.aarch64'], 'x86_64'), { request: 'both.aarch64', archs: ['aarch64'] });
t.equal(foreignArchOnly([repo], ['both.x86_64'], 'x86_64'), null);
t.equal(
  foreignArchOnly([repo, source([pkg('armonly', 'x86_64')])], ['armonly'], 'x86_64'),
  null,
  'another repository has it',
);
