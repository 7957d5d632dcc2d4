/**
 * The solver on long dependency chains: each selection links to what pulled it in (no copied
 * chains) and conflicts and obsoletes are found through indexes, so a 10,000-deep chain resolves in
 * linear time and memory. No timing is asserted: the test shows it completes and is right.
 */
import t from 'tap';
import { noneProfile } from '../../src/config/profile.js';
import { BaseSatisfier } from '../../src/resolve/base.js';
import { PackagePool } from '../../src/resolve/pool.js';
import { ResolveError, resolve } from '../../src/resolve/resolve.js';
import { parsePackage } from './table.js';

const DEPTH = 10_000;
const base = new BaseSatisfier(noneProfile);

/** p0 requires p1 (by name), libp2 (a capability) and /opt/p3 (a file) ... down to the last, which has `last`. */
function chain(last = ''): PackagePool {
  const lines: string[] = [];
  for (let i = 0; i < DEPTH; i++) {
    const next = i + 1 < DEPTH ? ['p', 'libp', '/opt/p'][i % 3]! + (i + 1) : '';
    const fields = [
      `prov: libp${i}`,
      `file: /opt/p${i}`,
      ...(next ? [`req: ${next}`] : []),
      ...(i + 1 === DEPTH && last ? [last] : []),
    ];
    lines.push(`p${i}-1-1.noarch; ${fields.join('; ')}`);
  }
  return new PackagePool(lines.map((l) => parsePackage(l, 'main', 99)));
}

t.test(`a ${DEPTH}-deep Requires chain resolves, each package once`, async (t) => {
  const started = process.hrtime.bigint();
  const plan = resolve({ pool: chain(), base, requests: ['p0'], arch: 'x86_64' });
  t.equal(plan.install.length, DEPTH);
  t.same(new Set(plan.install.map((p) => p.pkg.name)).size, DEPTH);
  const byName = new Map(plan.install.map((p) => [p.pkg.name, p]));
  t.equal(byName.get('p0')!.pulledInBy, null);
  t.equal(byName.get(`p${DEPTH - 1}`)!.pulledInBy, `p${DEPTH - 2}`);
  t.comment(`resolved in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
});

t.test('a problem at the bottom names the whole chain', async (t) => {
  let error: unknown;
  try {
    resolve({ pool: chain('req: missing'), base, requests: ['p0'], arch: 'x86_64' });
  } catch (e) {
    error = e;
  }
  t.ok(error instanceof ResolveError);
  const problems = (error as ResolveError).problems;
  t.equal(problems.length, 1);
  t.ok(
    problems[0]!.startsWith(
      `nothing provides missing needed by p${DEPTH - 1}-1-1.noarch (pulled in by: p0 → p1 → p2 → `,
    ),
  );
  t.ok(problems[0]!.endsWith(` → p${DEPTH - 2} → p${DEPTH - 1})`));
});

t.test('a conflict and an obsolete at the bottom are found', async (t) => {
  let error: unknown;
  try {
    resolve({ pool: chain('conf: p0; obs: p1'), base, requests: ['p0'], arch: 'x86_64' });
  } catch (e) {
    error = e;
  }
  const last = `p${DEPTH - 1}-1-1.noarch`;
  t.equal((error as ResolveError).problems[0], `${last} conflicts with p0-1-1.noarch`);
  t.match(
    (error as ResolveError).problems[1],
    new RegExp(`^${last} obsoletes p1-1-1\\.noarch, but both are needed \\(p0 → p1 → .* → p${DEPTH - 1}; p0 → p1\\)$`),
  );
});

t.test('upgrading a layer of 10,000 installed packages', async (t) => {
  const installed = Array.from({ length: DEPTH }, (_, i) =>
    parsePackage(`q${i}-1-1.noarch; prov: libq${i}; req: libq${(i + 1) % DEPTH}`, '@System', 99),
  );
  const repo = Array.from({ length: DEPTH }, (_, i) =>
    parsePackage(`q${i}-2-1.noarch; prov: libq${i}; req: libq${(i + 1) % DEPTH}`, 'main', 99),
  );
  const plan = resolve({
    pool: new PackagePool(repo),
    base,
    requests: repo.map((p) => p.name),
    installed,
    arch: 'x86_64',
  });
  t.equal(plan.install.length, DEPTH);
  t.equal(plan.remove.length, DEPTH);
  t.ok(plan.install.every((p) => p.pkg.version === '2' && p.replaces?.version === '1'));
});
