/**
 * The rewriter on the kinds of lines issue 14 found it missing on specs nobody tuned it for, each
 * written as Amazon Linux 2's specs write them (test/fixtures/spec/al2/scriptlets-fragment.spec):
 * install-time scriptlets of every form, their Requires(…), systemd integration, the %license
 * fallback, literal paths in %files and options, bare words in %if. Plus the metric itself.
 */
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isMechanical, matchedLines, mechanicalScore } from '../../src/spec/metric.js';
import { parseSpec } from '../../src/spec/parse.js';
import { rewriteSpec } from '../../src/spec/rewrite.js';
import { projectPath } from '../../src/util/paths.js';
import { macros } from './target-build.js';

const date = new Date('2024-02-03T00:00:00Z');

t.test(
  'yumda never runs scriptlets: all are dropped, with what they did that a layer may need in the lint',
  async (t) => {
    const text = await readFile(projectPath('test/fixtures/spec/al2/scriptlets-fragment.spec'), 'utf8');
    const r = rewriteSpec(text, { ...shipped, date });
    const out = r.text;
    const spec = parseSpec(out);
    t.same(
      spec.sections.filter((s) => s.kind === 'script' || s.kind === 'trigger').map((s) => s.keyword),
      [],
      'no scriptlet or trigger left',
    );
    t.notMatch(out, /Requires\(/, 'no Requires(post|preun|postun)');
    t.notMatch(out, /%systemd_|fc-cache -f|blkid\.tab|posix\.stat/);
    // systemd integration: the configure option and the BuildRequires go; the option's line keeps the others
    t.notMatch(out, /--enable-systemd|BuildRequires: systemd-units/);
    t.match(out, /\t--enable-zos-remote --without-golang\s*\n/);
    // paths: options, %files literals, the root library directory
    t.match(out, /^%configure --sbindir=%\{_sbindir\} --libdir=%\{_libdir\} --with-python=yes \\$/m);
    t.match(out, /^%attr\(750,root,root\) %\{_sbindir\}\/autrace$/m, '750 is kept (readable where executable)');
    t.match(out, /^%\{_libdir\}\/libaudit\.so\.1\*$/m);
    t.match(out, /^%config\(noreplace\) %attr\(640,root,root\) %\{_sysconfdir\}\/libaudit\.conf$/m);
    // the pre-4.11 %license fallback goes (every target rpm has %license); %license stays
    t.notMatch(out, /_licensedir/);
    t.match(out, /^%license COPYING$/m);
    // bare words in %if are quoted for rpm >= 4.15
    t.match(out, /^%if "%\{_lib\}" == "lib64"$/m);
    // Prefix on every package
    t.equal(spec.tags.filter((tag) => tag.key === 'prefix').length, 4);
    // the lint says what the dropped scriptlets did that the layer may need
    const dropped = r.lint.filter((f) => f.text.includes('[scriptlet dropped'));
    const says = (re: RegExp, what: string): void => {
      t.ok(
        dropped.some((f) => re.test(f.text)),
        what,
      );
    };
    says(/fc-cache.*font cache/, 'fontconfig: the font cache');
    says(/mkdir -p \/run\/blkid.*run-time directory/, 'libblkid: a run-time directory under /run');
    says(/\/etc\/audit\/rules\.d.*configuration/, 'audit: configuration written at install time');
    says(/%pretrans -p <lua>.*not run/, 'a Lua scriptlet');
    t.notOk(
      dropped.some((f) => /ldconfig|service auditd|systemd_/.test(f.text)),
      'nothing a layer never needs (ldconfig, services)',
    );
    for (const f of r.lint)
      t.ok(f.line >= 1 && f.line <= out.split('\n').length, `finding placed on a line of the output (${f.line})`);

    const dir = await mkdtemp(join(tmpdir(), 'yumda-mech-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'x.spec'), out);
    const parsed = await execa('rpmspec', ['-P', ...macros, join(dir, 'x.spec')], {
      reject: false,
      all: true,
      env: { LC_ALL: 'C' },
    });
    t.equal(parsed.exitCode, 0, parsed.exitCode === 0 ? 'rpmspec -P' : parsed.all);
    const q = await execa('rpmspec', ['-q', ...macros, '--qf', '%{name}\n', join(dir, 'x.spec')], {
      reject: false,
      env: { LC_ALL: 'C' },
    });
    t.same(q.stdout.split('\n').filter(Boolean).sort(), [...r.packages].sort());
  },
);

t.test('documentation however it is listed: conditional man entries, man pages excluded one by one', async (t) => {
  // uuid.spec's main %files and git.spec's %files email (AL2), in a spec of their own
  const text = [
    'Name: uuid',
    'Version: 1.6.2',
    'Release: 26%{?dist}',
    'Summary: Universally Unique Identifier library',
    'License: MIT',
    '%description',
    'OSSP uuid is a ISO-C:1999 application programming interface (API).',
    '%package email',
    'Summary: Git tools for sending email',
    '%description email',
    'Git tools for sending email.',
    '%install',
    'make install DESTDIR=$RPM_BUILD_ROOT',
    '%files',
    '%defattr(-,root,root,-)',
    '%{_bindir}/uuid',
    '%{_libdir}/libossp-uuid.so.*',
    '%{_mandir}/man1/*',
    '%exclude %{_mandir}/man1/uuid-config.*',
    '',
    '%files email',
    '%{_bindir}/*email*',
    '%{?with_docs:%{_mandir}/man1/*email*.1*}',
    '',
  ].join('\n');
  const out = rewriteSpec(text, { ...shipped, date }).text;
  t.notMatch(out, /man1/, 'no man page entry, excluded or conditional, is left');
  t.match(out, /^%exclude %\{_mandir\}$/m);
  t.match(
    out,
    /^make install DESTDIR=\$RPM_BUILD_ROOT\nmkdir -p %\{buildroot\}%\{_mandir\}$/m,
    'the excluded directory always exists',
  );
});

t.test('%install commands that only add or change documentation go; those a later command needs stay', async (t) => {
  // nettle.spec's %install and %files (AL2), and a loop of util-linux.spec's kind
  const text = [
    'Name: nettle',
    'Version: 2.7.1',
    'Release: 8%{?dist}',
    'Summary: A low-level cryptographic library',
    'License: LGPLv2+',
    '%description',
    'Nettle is a cryptographic library.',
    '%install',
    'make install DESTDIR=$RPM_BUILD_ROOT INSTALL="install -p"',
    'mkdir -p $RPM_BUILD_ROOT%{_infodir}',
    'install -p -m 644 nettle.info $RPM_BUILD_ROOT%{_infodir}/',
    'rm -f $RPM_BUILD_ROOT%{_libdir}/*.a',
    'rm -f $RPM_BUILD_ROOT%{_infodir}/dir',
    'chmod 0755 $RPM_BUILD_ROOT%{_libdir}/libnettle.so.4.*',
    'mkdir -p ${RPM_BUILD_ROOT}%{_mandir}/man{1,6,8,5}',
    'for I in sfdisk cfdisk; do',
    '\techo ".so man8/$I.8" > ${RPM_BUILD_ROOT}%{_mandir}/man8/$I.8',
    'done',
    '%files',
    '%{_infodir}/nettle.info.gz',
    '%{_bindir}/nettle-hash',
    '%{_mandir}/man8/*',
    '',
  ].join('\n');
  const out = rewriteSpec(text, { ...shipped, date }).text;
  t.notMatch(
    out,
    /nettle\.info|%\{_infodir\}\/dir|mkdir -p \$RPM_BUILD_ROOT%\{_infodir\}$/m,
    'info installs and the info dir index removal go',
  );
  t.match(out, /rm -f \$RPM_BUILD_ROOT%\{_libdir\}\/\*\.a/);
  t.match(
    out,
    /mkdir -p \$\{RPM_BUILD_ROOT\}%\{_mandir\}\/man\{1,6,8,5\}\nfor I in/,
    'a directory the loop after it writes to stays',
  );
  t.match(out, /\techo "\.so man8\/\$I\.8" > /, 'a loop body stays');
  t.match(out, /^%exclude %\{_mandir\}\n%exclude %\{_infodir\}$/m);
});

t.test('the metric aligns lines as difflib does and counts mechanical lines', async (t) => {
  // difflib.SequenceMatcher(None, a, b).get_matching_blocks() on these gives a[0], a[2], a[3] matched
  t.same(matchedLines(['x', 'y', 'z', 'w'], ['x', 'q', 'z', 'w']), [true, false, true, true]);
  t.same(matchedLines([], ['a']), []);
  t.ok(isMechanical('%post -n libblkid'));
  t.ok(isMechanical('Requires(post): systemd-units'));
  t.ok(isMechanical('mkdir -p $RPM_BUILD_ROOT%{_mandir}/man1'));
  t.ok(isMechanical('%attr(2111,root,ssh_keys) %{_libexecdir}/openssh/ssh-keysign'));
  t.notOk(isMechanical('make %{?_smp_mflags}'));
  const original = 'Name: a\n%post\n/sbin/ldconfig\nmake\n';
  const hand = 'Name: a\nmake\n';
  const ours = 'Name: a\n/sbin/ldconfig\nmake changed\n';
  const score = mechanicalScore(original, hand, ours);
  t.same(
    { ...score, byKind: undefined },
    {
      mechanical: 2,
      recalled: 1,
      changed: 2,
      agreed: 1,
      missed: [3],
      extra: [4],
      byKind: undefined,
    },
  );
  t.same(score.byKind.scriptlets, { mechanical: 2, recalled: 1 }, "both lines are a scriptlet's, one recalled");
  t.equal(
    Object.values(score.byKind).reduce((n, v) => n + v.mechanical, 0),
    2,
  );
});
