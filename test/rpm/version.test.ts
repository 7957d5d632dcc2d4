/**
 * Version comparison and dependency matching against rpm's own published cases
 * (tests/rpmvercmp.at and tests/rpmdepmatch.at in the rpm project), transcribed as data.
 */
import t from 'tap';
import { compareEvr, depMatches, evrRangesMatch, parseDep, parseEvr, rpmvercmp } from '../../src/rpm/version.js';

// [a, b, expected rpmvercmp(a, b)]
const VERCMP: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz10.1', 'xyz10', 1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['8', 'xyz.4', 1],
  ['xyz.4', '2', -1],
  ['2', 'xyz.4', 1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '5.5p2', 1],
  ['5.6p1', '6.5p1', -1],
  ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1],
  ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.1', '10.0001', 0],
  ['10.0001', '10.0039', -1],
  ['10.0039', '10.0001', 1],
  ['4.999.9', '5.0', -1],
  ['5.0', '4.999.9', 1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['20101122', '20101121', 1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['2_0', '2.0', 0],
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['a_', 'a+', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['_a', '+a', 0],
  ['+_', '+_', 0],
  ['_+', '+_', 0],
  ['_+', '_+', 0],
  ['+', '_', 0],
  ['_', '+', 0],
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc2', '1.0~rc1', 1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~rc1', '1.0~rc1~git123', 1],
  ['1.0^', '1.0^', 0],
  ['1.0^', '1.0', 1],
  ['1.0', '1.0^', -1],
  ['1.0^git1', '1.0^git1', 0],
  ['1.0^git1', '1.0', 1],
  ['1.0', '1.0^git1', -1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git2', '1.0^git1', 1],
  ['1.0^git1', '1.01', -1],
  ['1.01', '1.0^git1', 1],
  ['1.0^20160101', '1.0^20160101', 0],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0.1', '1.0^20160101', 1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0^20160101^git1', '1.0^20160102', -1],
  ['1.0~rc1^git1', '1.0~rc1^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc1^git1', -1],
  ['1.0^git1~pre', '1.0^git1~pre', 0],
  ['1.0^git1', '1.0^git1~pre', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
];

t.test('rpmvercmp agrees with every case of rpm tests/rpmvercmp.at', async (t) => {
  for (const [a, b, want] of VERCMP) t.equal(rpmvercmp(a, b), want, `rpmvercmp(${a}, ${b})`);
});

const SENSE: Record<string, number> = { '': 0, '<': 2, '>': 4, '=': 8, '<=': 10, '>=': 12, '<>': 6 };
const OPS = ['=', '>=', '<=', '<', '>', '<>'];
type Dep = [string] | [string, string, string];

// Rows of rpmdepmatch.at in compact form: provide, required version, then the expected match
// for the requirement operators in OPS order (=, >=, <=, <, >, <>).
const DEPMATCH_GRID: [Dep, string, string][] = [
  [['a', '=', '1.2'], '1.2', '111000'],
  [['a', '=', '1.2'], '1.3', '001101'],
  [['a', '=', '1.2-1'], '1.2-1', '111000'],
  [['a', '=', '1.2-1'], '1.2-2', '001101'],
  [['a', '=', '1.3-1'], '1.2-2', '010011'],
  [['a', '=', '0:1.2'], '1.2', '111000'],
  [['a', '=', '1.2'], '0:1.2', '111000'],
  [['a', '=', '1:1.2'], '1.2', '010011'],
  [['a', '=', '1.2'], '1:1.2', '001101'],
  [['a', '=', '2:1.2'], '2:1.2', '111000'],
  [['a', '>', '1.2'], '1.2', '010011'],
  [['a', '<', '1.2'], '1.2', '001101'],
  [['a', '>=', '1.2'], '1.2', '111011'],
  [['a', '<=', '1.2'], '1.2', '111101'],
  [['a', '<>', '1.2'], '1.2', '011111'],
  // a missing release on one side: "any release will do", with rpm's documented exceptions
  [['a', '=', '1.2-1'], '1.2', '111000'],
  [['a', '>', '1.2-1'], '1.2', '111011'],
  [['a', '<', '1.2-1'], '1.2', '111101'],
  [['a', '>=', '1.2-1'], '1.2', '111011'],
  [['a', '<=', '1.2-1'], '1.2', '111101'],
  [['a', '<>', '1.2-1'], '1.2', '111111'],
  [['a', '=', '1.2'], '1.2-1', '111111'],
  [['a', '>', '1.2'], '1.2-1', '010011'],
  [['a', '<', '1.2'], '1.2-1', '001101'],
  [['a', '>=', '1.2'], '1.2-1', '111111'],
  [['a', '<=', '1.2'], '1.2-1', '111111'],
  [['a', '<>', '1.2'], '1.2-1', '011111'],
];

function matches(p: Dep, r: Dep): boolean {
  if (p[0] !== r[0]) return false;
  const pe = p.length === 3 ? parseEvr(p[2]) : { epoch: null, version: null, release: null };
  const re = r.length === 3 ? parseEvr(r[2]) : { epoch: null, version: null, release: null };
  return evrRangesMatch(pe, SENSE[p[1] ?? '']!, re, SENSE[r[1] ?? '']!);
}

t.test('dependency matching agrees with every case of rpm tests/rpmdepmatch.at', async (t) => {
  // different names never match; unversioned sides match everything
  for (const op of OPS) {
    t.equal(matches(['b'], ['a', op, '1.2']), false, `b vs a ${op} 1.2`);
    t.equal(matches(['a'], ['a', op, '1.2']), true, `a vs a ${op} 1.2`);
    t.equal(matches(['a', op, '1.2'], ['a']), true, `a ${op} 1.2 vs a`);
  }
  t.equal(matches(['b'], ['a']), false);
  t.equal(matches(['a'], ['a']), true);
  for (const [provide, version, expected] of DEPMATCH_GRID) {
    OPS.forEach((op, i) => {
      const want = expected[i] === '1';
      t.equal(matches(provide, ['a', op, version]), want, `${provide.join(' ')} vs a ${op} ${version}`);
    });
  }
});

t.test('depMatches works on parsed dependencies and DepFlag values', async (t) => {
  t.ok(depMatches(parseDep('foo = 2:1.0-1'), parseDep('foo >= 2:1.0')));
  t.notOk(depMatches(parseDep('foo = 1.0-1'), parseDep('foo >= 2:1.0')));
  t.ok(depMatches(parseDep('foo = 1.0~rc1-1'), parseDep('foo < 1.0')));
  t.ok(depMatches(parseDep('foo'), parseDep('foo > 9')));
  t.notOk(depMatches(parseDep('foo = 1'), parseDep('bar')));
  t.same(parseDep('glibc >= 0:2.17-1'), { name: 'glibc', flags: 'GE', epoch: 0, version: '2.17', release: '1' });
  t.same(parseDep('x'), { name: 'x', flags: null, epoch: null, version: null, release: null });
});

t.test('compareEvr: missing epoch is 0, release compared only when both have one', async (t) => {
  t.equal(compareEvr(parseEvr('1.0-1'), parseEvr('0:1.0-1')), 0);
  t.equal(compareEvr(parseEvr('1:1.0-1'), parseEvr('2.0-1')), 1);
  t.equal(compareEvr(parseEvr('1.0-2'), parseEvr('1.0-10')), -1);
  t.equal(compareEvr(parseEvr('1.0'), parseEvr('1.0-10')), 0);
  t.equal(compareEvr(parseEvr('1.0~rc1-1'), parseEvr('1.0-1')), -1);
  t.same(parseEvr('3:1.2-3.el7'), { epoch: 3, version: '1.2', release: '3.el7' });
  t.same(parseEvr('1.2'), { epoch: null, version: '1.2', release: null });
});
