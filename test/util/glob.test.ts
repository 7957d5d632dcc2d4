/** util/glob: yum's fnmatch-style globs, the one translation repository ids, package and source names use. */
import t from 'tap';
import { globToRegExp, matchesGlob } from '../../src/util/glob.js';

t.test('*, ?, classes, negated classes; the rest is literal', async (t) => {
  const m = (glob: string, name: string): boolean => globToRegExp(glob).test(name);
  t.ok(m('amzn2-*', 'amzn2-core'));
  t.notOk(m('amzn2-*', 'xamzn2-core'), 'anchored');
  t.ok(m('lib?', 'libz'));
  t.notOk(m('lib?', 'libzz'));
  t.ok(m('python[23]-six', 'python3-six'));
  t.ok(m('lib[a-c]x', 'libbx'));
  t.ok(m('open[!s]*', 'openldap'));
  t.notOk(m('open[!s]*', 'openssh'), '[!…] negates');
  t.ok(m('a[]]b', 'a]b'), 'a ] first in a class belongs to it');
  t.ok(m('a[!]]b', 'axb'));
  t.notOk(m('a[!]]b', 'a]b'));
  t.ok(m('gcc-c++', 'gcc-c++'), 'regex characters are literal');
  t.notOk(m('a.b', 'axb'));
  t.ok(m('x[^y]', 'x^'), '^ in a class is literal (fnmatch negates with ! only)');
  t.ok(m('half[open', 'half[open'), 'an unclosed [ is itself');
  t.ok(m('back\\slash', 'back\\slash'));
});

t.test('matchesGlob: any of several', async (t) => {
  t.ok(matchesGlob('kernel-devel', ['glibc*', 'kernel*']));
  t.notOk(matchesGlob('kernel', []));
});
