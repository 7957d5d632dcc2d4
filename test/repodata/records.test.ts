import t from 'tap';
import type { RequireDependency, RpmFile } from '../../src/rpm/types.js';
import { filterRequires, isHigherLibcRequirement, isPrimaryFile, limitChangelog } from '../../src/repodata/from-rpm.js';

const req = (name: string, extra: Partial<RequireDependency> = {}): RequireDependency => ({
  name,
  flags: null,
  epoch: null,
  version: null,
  release: null,
  pre: false,
  rpmlib: name.startsWith('rpmlib('),
  scriptletOnly: false,
  ...extra,
});
const file = (path: string): RpmFile => ({
  path,
  mode: 0o100644,
  size: 0,
  digest: '',
  linkto: '',
  flags: [],
  user: 'root',
  group: 'root',
  mtime: 0,
  inode: 0,
  device: 0,
});

t.test('primary file rule', async (t) => {
  t.ok(isPrimaryFile('/etc/passwd'));
  t.ok(isPrimaryFile('/opt/bin/x'));
  t.ok(isPrimaryFile('/opt/sbin/x'));
  t.ok(isPrimaryFile('/usr/kerberos/bin/kinit'));
  t.ok(isPrimaryFile('/usr/lib/sendmail'));
  t.notOk(isPrimaryFile('/etc'), 'the /etc directory itself is not under /etc/');
  t.notOk(isPrimaryFile('/opt/etc/x.conf'));
  t.notOk(isPrimaryFile('/usr/lib/sendmail.cf'));
  t.notOk(isPrimaryFile('/opt/lib/libbin.so'));
});

t.test('libc.so.6 ordering', async (t) => {
  t.ok(isHigherLibcRequirement('libc.so.6()(64bit)', 'libc.so.6(GLIBC_2.2.5)(64bit)'));
  t.ok(isHigherLibcRequirement('libc.so.6(GLIBC_2.2.5)(64bit)', 'libc.so.6(GLIBC_2.34)(64bit)'));
  t.notOk(isHigherLibcRequirement('libc.so.6(GLIBC_2.34)(64bit)', 'libc.so.6(GLIBC_2.4)(64bit)'));
  t.notOk(isHigherLibcRequirement('libc.so.6(GLIBC_2.4)', 'libc.so.6'));
  t.ok(isHigherLibcRequirement('libc.so.6', 'libc.so.6(GLIBC_2.4)'));
});

t.test('requires filtering follows createrepo_c', async (t) => {
  const { requires, weakRequires } = filterRequires(
    {
      provides: [{ name: 'self-cap', flags: 'EQ', epoch: null, version: '1', release: null, pre: false }],
      files: [file('/opt/bin/tool'), file('/opt/share/data')],
      requires: [
        req('rpmlib(PayloadFilesHavePrefix)', { flags: 'LE', version: '4.0', release: '1' }),
        req('/opt/bin/tool'), // own primary file: dropped
        req('/opt/share/data'), // own but not primary: kept
        req('self-cap', { flags: 'EQ', version: '1' }), // provided by itself: dropped
        req('self-cap', { flags: 'GE', version: '1' }), // different comparison: kept
        req('/bin/sh'),
        req('/bin/sh'), // repeat of the previous one: dropped
        req('/bin/sh', { pre: true }),
        req('/bin/sh'), // differs from the last /bin/sh kept: kept
        req('libc.so.6(GLIBC_2.34)(64bit)'),
        req('libc.so.6()(64bit)'),
        req('libc.so.6(GLIBC_2.3.4)(64bit)'),
        req('weak'),
      ],
    },
    {
      pre: [false, false, false, false, false, false, false, true, false, false, false, false, false],
      missingOk: [false, false, false, false, false, false, false, false, false, false, false, false, true],
    },
  );
  t.same(
    requires.map((r) => `${r.name}${r.flags ? ` ${r.flags} ${r.epoch}:${r.version}` : ''}${r.pre ? ' pre' : ''}`),
    ['/opt/share/data', 'self-cap GE 0:1', '/bin/sh', '/bin/sh pre', '/bin/sh', 'libc.so.6(GLIBC_2.34)(64bit)'],
  );
  t.same(
    weakRequires.map((r) => r.name),
    ['weak'],
  );
});

t.test('changelog limit and same-time entries', async (t) => {
  const entries = [
    { author: 'A <a@x>  ', time: 300, text: 'newest' },
    { author: 'B', time: 300, text: 'same time' },
    { author: 'C', time: 300, text: 'same again' },
    { author: 'D', time: 100, text: 'older' },
    { author: 'E', time: 50, text: 'oldest' },
  ];
  const out = limitChangelog(entries, 4);
  t.same(
    out.map((e) => [e.author, e.time]),
    [
      ['A <a@x>', 302],
      ['B', 301],
      ['C', 300],
      ['D', 100],
    ],
  );
  t.equal(entries[0]!.time, 300, 'input untouched');
  t.equal(limitChangelog(entries, -1).length, 5);
  t.equal(limitChangelog(entries, 0).length, 0);
});
