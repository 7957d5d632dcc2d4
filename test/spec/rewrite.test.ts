import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { rewriteSpec } from '../../src/spec/rewrite.js';
import { parseOverlay } from '../../src/spec/overlay.js';
import { projectPath } from '../../src/util/paths.js';
import { isYumdaError } from '../../src/util/errors.js';

const date = new Date('2024-02-03T00:00:00Z');
const fixture = await readFile(projectPath('test/fixtures/spec/porting.spec'), 'utf8');
const macros = [
  '--load',
  projectPath('repo-metadata/macros/lambda2.macros'),
  '--load',
  projectPath('repo-metadata/macros/al2-standins.macros'),
];

t.test('every rule on the porting fixture', async (t) => {
  const r = rewriteSpec(fixture, { ...shipped, date });
  const out = r.text;
  const lines = out.split('\n');
  // prefix on main and the surviving subpackage, not on the dropped -devel
  t.equal(lines.filter((l) => l === 'Prefix: %{_prefix}').length, 2);
  t.same(r.packages, ['porting', 'porting-extras']);
  t.same(r.dropped, ['porting-devel']);
  t.notMatch(out, /%package devel|%files devel/);
  t.match(out, /%exclude %\{_includedir\}\/porting\.h/);
  t.notMatch(out, /%exclude %\{!\?_licensedir/, 'a macro definition in a dropped %files is not a path to exclude');
  t.notMatch(out, /Requires:\s+%\{name\}%\{\?_isa\} = /, 'Requires of the dropped package went with it');
  // scriptlets: yumda never runs them, all are removed with their Requires(…)
  t.notMatch(out, /^%pre$|^%post |^%postun$|groupadd|systemd_postun/m);
  t.notMatch(out, /%posttrans|this one stays/);
  t.notMatch(out, /Requires\((pre|post)\)/);
  t.notMatch(out, /%\{\?systemd_requires\}/);
  // requires on system paths and init packages removed; base-provided path and other deps kept
  t.notMatch(out, /\/sbin\/nologin/);
  t.match(out, /Requires:\s+\/bin\/sh/);
  t.match(out, /Requires:\s+zlib\n/);
  // system paths in %install and %files; tool paths left alone
  t.match(out, /\$RPM_BUILD_ROOT%\{_bindir\} \$RPM_BUILD_ROOT%\{_sysconfdir\} %\{buildroot\}%\{_mandir\}\/man1/);
  t.match(out, /%\{buildroot\}%\{_localstatedir\}\/lib\/porting/);
  t.match(out, /sed -i 's\|\/usr\/bin\/env perl\|\/usr\/bin\/perl\|' \$RPM_BUILD_ROOT%\{_bindir\}\/porting/);
  t.match(out, /%config\(noreplace\) %\{_sysconfdir\}\/porting\.conf/);
  t.match(out, /%dir %\{_localstatedir\}\/lib\/porting/);
  t.match(out, /^%\{_bindir\}\/porting-extra$/m);
  // docs: %doc dropped, %license kept, man excluded, docdir excluded
  t.notMatch(out, /^%doc README/m);
  t.match(out, /^%license COPYING/m);
  t.match(out, /^%exclude %\{_mandir\}$/m);
  t.match(out, /^%exclude %\{_docdir\}\/porting$/m);
  t.notMatch(out, /^%\{_mandir\}\/man1\/porting\.1/m, 'man page entry dropped from %files');
  // setuid cleared, %check gone, changelog entry first
  t.match(out, /%attr\(0755,root,root\) %\{_bindir\}\/porting/);
  t.notMatch(out, /%check|make check/);
  t.match(out, /%changelog\n\* Sat Feb 03 2024 yumda <[^>]+>\n- rebuilt for AWS Lambda/);
  // counted, and the lint points at the remaining absolute paths with line numbers
  for (const rule of [
    'prefix',
    'system-paths',
    'scriptlets',
    'requires-system',
    'docs',
    'setuid',
    'check',
    'changelog',
    'drop-devel',
  ]) {
    t.ok(r.counts[rule]! > 0, `rule ${rule} counted`);
  }
  const sed = r.lint.find((f) => f.path === '/usr/bin/perl');
  t.ok(sed, 'the sed shebang fix is flagged');
  t.equal(lines[sed!.line - 1]!.trim(), sed!.text);
  t.equal(fixture.split('\n')[sed!.inputLine! - 1]!.includes('/usr/bin/perl'), true);
});

t.test('the rewritten fixture builds with rpmbuild and the lambda2 macros into relocatable /opt RPMs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-spec-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const specPath = join(dir, 'porting.spec');
  await writeFile(specPath, rewriteSpec(fixture, { ...shipped, date }).text);
  const build = await execa(
    'rpmbuild',
    ['--define', `_topdir ${dir}`, ...macros, '--define', '__brp_strip %{nil}', '-bb', '--nodeps', specPath],
    {
      reject: false,
      all: true,
      env: { LC_ALL: 'C' },
    },
  );
  t.equal(build.exitCode, 0, build.exitCode === 0 ? 'rpmbuild ok' : build.all);
  if (build.exitCode !== 0) return;
  const rpm = join(dir, 'RPMS', 'x86_64', 'porting-1.2-3.lambda2.x86_64.rpm');
  const q = await execa('rpm', ['-qp', '--qf', '[%{PREFIXES}\\n]', rpm]);
  t.equal(q.stdout.trim(), '/opt');
  const files = (await execa('rpm', ['-qlp', rpm])).stdout.split('\n');
  t.ok(
    files.every((f) => f.startsWith('/opt/') || f.startsWith('/tmp/var')),
    files.join(' '),
  );
  t.ok(files.includes('/opt/bin/porting') && files.includes('/opt/etc/porting.conf'));
  t.notOk(
    files.some((f) => f.includes('/man/') || f.includes('/doc/')),
    'no docs',
  );
  const scripts = (await execa('rpm', ['-qp', '--scripts', rpm])).stdout;
  t.notMatch(scripts, /ldconfig|groupadd/);
  const modes = (await execa('rpm', ['-qp', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\\n]', rpm])).stdout;
  t.match(modes, /-rwxr-xr-x \/opt\/bin\/porting\n/);
  const extras = join(dir, 'RPMS', 'x86_64', 'porting-extras-1.2-3.lambda2.x86_64.rpm');
  t.equal((await execa('rpm', ['-qp', '--qf', '[%{PREFIXES}]', extras])).stdout, '/opt');
});

t.test('overlays', async (t) => {
  const overlay = parseOverlay(
    [
      'macros: { feature: 0, _without_extras: 1 }',
      'dropSubpackages: []',
      'keepSubpackages: [devel]',
      'buildRequires: { add: [gcc] }',
      'requires: { remove: [zlib], add: [{ package: devel, dep: pkgconfig }] }',
      'replace:',
      '  - { find: ": nothing to build", with: "make %{?_smp_mflags}" }',
      'patches: [fix.patch]',
    ].join('\n'),
    'porting.yaml',
  );
  t.equal(overlay.name, 'porting');
  const patchDir = await mkdtemp(join(tmpdir(), 'yumda-patches-'));
  t.teardown(() => rm(patchDir, { recursive: true, force: true }));
  await writeFile(join(patchDir, 'fix.patch'), '--- a/x\n+++ b/x\n');
  const r = rewriteSpec(fixture, { ...shipped, date, overlay, patchDir });
  t.match(r.text, /^# yumda overlay: porting\n%global feature 0\n%global _without_extras 1\n/);
  t.same(r.packages, ['porting', 'porting-devel'], 'extras off through its bcond, devel kept');
  t.match(r.text, /make %\{\?_smp_mflags\}/);
  t.notMatch(r.text, /Requires:\s+zlib/);
  t.match(r.text, /Requires:\s+systemd-units|Requires:\s+\/bin\/sh/);
  t.match(r.text, /^BuildRequires: gcc$/m);
  t.match(
    r.text,
    /%package devel\nSummary:\s+Development files\nRequires:[^\n]+\nPrefix: %\{_prefix\}\nRequires: pkgconfig\n|Requires: pkgconfig/,
  );
  t.match(r.text, /Patch9000: fix\.patch/);
  t.match(r.text, /# Lambda patches \(yumda overlay\)\n%patch9000 -p1\n/);
  t.same(r.patches, [join(patchDir, 'fix.patch')]);
  t.ok(r.counts.overlay! > 0);

  // the rewritten spec still parses with rpm
  const dir = await mkdtemp(join(tmpdir(), 'yumda-spec-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'p.spec'), r.text);
  const parsed = await execa('rpmspec', ['-P', ...macros, join(dir, 'p.spec')], { reject: false, all: true });
  t.equal(parsed.exitCode, 0, parsed.all);
});

t.test('overlay failures name the entry that no longer applies', async (t) => {
  const fails = (yaml: string, pattern: RegExp, message: string): void => {
    try {
      rewriteSpec(fixture, { ...shipped, date, overlay: parseOverlay(yaml, 'porting.yaml'), patchDir: '/nonexistent' });
      t.fail(`${message}: no error`);
    } catch (e) {
      t.ok(isYumdaError(e), message);
      t.match((e as Error).message, pattern, message);
    }
  };
  fails(
    'replace: [{ find: "no such text", with: "x" }]',
    /porting: replace\[0\] \("no such text"\): no longer matches/,
    'replace',
  );
  fails(
    'replace: [{ find: "porting", with: "x", count: 2 }]',
    /replace\[0\].*matches \d+ times, expected 2/,
    'replace count',
  );
  fails('dropSubpackages: [gui]', /dropSubpackages\[0\]: no subpackage "gui"/, 'unknown subpackage');
  fails(
    'requires: { remove: [openldap] }',
    /requires\.remove\[0\] \(openldap\): no Requires on "openldap"/,
    'requires',
  );
  fails('patches: [missing.patch]', /patches\[0\]: no patch file \/nonexistent\/missing\.patch/, 'patch');
  fails(
    'diff: "--- a\\n+++ b\\n@@ -1,1 +1,1 @@\\n-Name: nothing\\n+Name: x\\n"',
    /diff: hunk 1 \(@@ -1,1 \+1,1 @@\) no longer applies/,
    'diff',
  );
  t.throws(() => parseOverlay('macros: [1]', 'x.yaml'), /x\.yaml: macros: /);
  t.throws(() => parseOverlay('unknownKey: 1', 'x.yaml'), /x\.yaml: /);
  t.throws(() => parseOverlay('disableRules: [nope]', 'x.yaml'), /disableRules\.0/);
});

t.test('a unified diff applies to the rewritten spec', async (t) => {
  const base = rewriteSpec(fixture, { ...shipped, date });
  const lines = base.text.split('\n');
  const i = lines.findIndex((l) => l.startsWith('Summary:'));
  const diff = [
    `--- a/porting.spec`,
    `+++ b/porting.spec`,
    `@@ -${i + 1},1 +${i + 1},1 @@`,
    `-${lines[i]}`,
    `+Summary:        Ported by a diff`,
    '',
  ].join('\n');
  const r = rewriteSpec(fixture, {
    ...shipped,
    date,
    overlay: parseOverlay(`diff: ${JSON.stringify(diff)}`, 'porting.yaml'),
  });
  t.match(r.text, /Summary:\s+Ported by a diff/);
});

t.test('disabled rules are skipped', async (t) => {
  const r = rewriteSpec(fixture, { ...shipped, date, disable: ['check', 'drop-devel'] });
  t.match(r.text, /%check/);
  t.match(r.text, /%package devel/);
  t.equal(r.counts.check, 0);
});

void mkdir;
