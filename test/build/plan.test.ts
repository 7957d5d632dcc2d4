import t from 'tap';
import { findCycles, planWaves, restrictPlan, withDependents, type PlanPackage } from '../../src/build/plan.js';
import { YumdaError } from '../../src/util/errors.js';

const pkg = (name: string, buildRequires: string[], provides: string[] = []): PlanPackage => ({ name, buildRequires, provides: [name, ...provides] });

t.test('waves follow BuildRequires satisfied inside the set', async (t) => {
  const plan = planWaves([
    pkg('app', ['gcc', 'libsample-devel']),
    pkg('libsample', ['gcc'], ['libsample-devel', 'pkgconfig(sample)']),
    pkg('data', []),
    pkg('plugin', ['pkgconfig(sample)', 'app']),
  ]);
  t.same(plan.waves, [['data', 'libsample'], ['app'], ['plugin']]);
  t.same(plan.dependsOn.get('plugin'), ['app', 'libsample']);
  t.same(plan.dependsOn.get('libsample'), [], 'gcc comes from the build environment');
});

t.test('a cycle is reported with its members', async (t) => {
  const packages = [pkg('a', ['b']), pkg('b', ['c']), pkg('c', ['a']), pkg('d', ['a']), pkg('self', ['self'])];
  t.same(findCycles(new Map(packages.map((p) => [p.name, p.buildRequires.filter((r) => r !== p.name)]))), [['a', 'b', 'c']]);
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
  const plan = planWaves([pkg('lib', [], ['lib-devel']), pkg('app', ['lib-devel']), pkg('tool', ['app']), pkg('other', [])]);
  t.same([...withDependents(['lib'], plan.dependsOn)].sort(), ['app', 'lib', 'tool']);
  t.same([...withDependents(['app'], plan.dependsOn)].sort(), ['app', 'tool']);
  t.same(restrictPlan(plan, new Set(['lib', 'tool'])), [['lib'], ['tool']]);
});
