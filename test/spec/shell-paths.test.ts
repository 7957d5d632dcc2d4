/**
 * Absolute paths in shell bodies (issue 14): the package's own paths are rewritten (after the build
 * root, brace groups, symlink targets, text written into the build root, run-time option values and
 * substitution replacements under /etc, /var, /run), tools run by absolute path and substitution
 * patterns stay, and the lint says why it left the rest. Man pages installed by hand go; cache
 * scriptlets are dropped with what is lost. On test/fixtures/spec/al2/shell-paths-fragment.spec,
 * built with rpmbuild and the target's macros.
 */
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { rewriteSpec } from '../../src/spec/rewrite.js';
import { inCommandPosition, shellWords, substitutionRanges } from '../../src/spec/shell.js';
import { LINT_REASONS } from '../../src/spec/lint.js';
import { projectPath } from '../../src/util/paths.js';
import { buildWithTargetMacros, macros } from './target-build.js';

const date = new Date('2024-02-03T00:00:00Z');
const fixture = await readFile(projectPath('test/fixtures/spec/al2/shell-paths-fragment.spec'), 'utf8');
const line = (text: string): string => `\n${text}\n`;

t.test('shell words, command position and substitution ranges', async (t) => {
  t.same(
    shellWords(`mkdir -p "%{buildroot} x" $RPM_BUILD_ROOT{%{_bindir}, /etc}`).map((w) => w.text),
    ['mkdir', '-p', '"%{buildroot} x"', '$RPM_BUILD_ROOT{%{_bindir},', '/etc}'],
  );
  const at = (text: string, path: string): number => text.indexOf(path);
  for (const text of ['/usr/bin/rm -f x', 'cd x && /bin/sed -i y', 'LC_ALL=C /usr/bin/sort x', 'x | xargs /bin/rm'])
    t.ok(inCommandPosition(text, at(text, '/'), false), `tool: ${text}`);
  for (const text of ['rm -f /usr/lib/x', 'ln -s /usr/bin/a b', 'echo /etc/x'])
    t.notOk(inCommandPosition(text, at(text, '/'), false), `argument: ${text}`);
  t.notOk(inCommandPosition('  /usr/lib/x \\', 2, true), 'a continued line starts with an argument');
  const text = `sed -i -e '1s@#!/usr/bin/env python@#!/usr/bin/python3@' -e 's|a|b|g' x`;
  const ranges = substitutionRanges(text).map((r) => [r.part, text.slice(r.start, r.end)]);
  t.same(ranges, [
    ['pattern', '#!/usr/bin/env python'],
    ['replacement', '#!/usr/bin/python3'],
    ['pattern', 'a'],
    ['replacement', 'b'],
  ]);
  // a tool run by absolute path at the start of the line (a zero-length match must not loop)
  t.same(
    substitutionRanges('/usr/bin/sed -i s/a/b/ x').map((r) => r.part),
    ['pattern', 'replacement'],
  );
  t.same(
    substitutionRanges(`sed -i '/^\\/usr\\/lib/d' x`).map((r) => r.part),
    ['pattern'],
  );
});

t.test('paths in shell bodies: the package own ones rewritten, host ones kept, the rest flagged', async (t) => {
  const r = rewriteSpec(fixture, { ...shipped, date });
  const out = r.text;
  const has = (text: string, what: string): void => {
    t.ok(out.includes(line(text)), `${what}: ${text}`);
  };
  // after the build root, brace groups of both forms (verbatim audit.spec and util-linux.spec lines)
  has(
    'mkdir -p $RPM_BUILD_ROOT{%{_sbindir},%{_sysconfdir}/audispd/plugins.d,%{_sysconfdir}/audit/rules.d}',
    'brace group of relative paths',
  );
  has(
    'mkdir -p $RPM_BUILD_ROOT{%{_bindir},%{_sbindir},%{_sysconfdir}/shellpaths,%{_localstatedir}/lib/shellpaths}',
    'brace group mixing macros and paths',
  );
  has('install -d ${RPM_BUILD_ROOT}%{_rundir}/uuidd', '/run');
  has('mkdir -p $RPM_BUILD_ROOT%{_sysconfdir}/profile.d', 'less.spec');
  // tools by absolute path stay; their arguments in the build root are rewritten
  has(
    '/usr/bin/install -p -m 0644 shellpaths.conf $RPM_BUILD_ROOT%{_sysconfdir}/shellpaths/shellpaths.conf',
    'host install',
  );
  has('/usr/bin/rm -f %{buildroot}%{_prefix}/lib/shellpaths/plugins/*.la', 'host rm');
  // a symlink to the package's own program points under the prefix; one to a base file stays
  has('ln -s %{_bindir}/shellpaths $RPM_BUILD_ROOT%{_sbindir}/shellpathsd', 'own symlink target');
  has('ln -sf /usr/share/zoneinfo/UTC $RPM_BUILD_ROOT%{_sysconfdir}/shellpaths/localtime', 'base symlink target');
  // a loop whose body puts its variable after the build root lists the package's own paths
  has('for I in %{_bindir}/shellpaths-old \\\n\t%{_sbindir}/shellpaths-old; do', 'loop over own paths');
  has('for f in /usr/share/automake-*/config.sub; do ls -l $f || :; done', 'loop over host files');
  has('PLUGINDIR=%{_prefix}/lib/shellpaths/plugins', 'a variable used after the build root');
  has('TOOLDIR=/usr/share/automake-1.13', 'a variable that is not');
  has('export PKG_CONFIG_PATH=/usr/lib64/pkgconfig', 'a search path of the build host');
  // text written into the build root is read at run time on Lambda (the shebang stays)
  has('#!/bin/sh\nexec %{_bindir}/shellpaths --config %{_sysconfdir}/shellpaths/shellpaths.conf "$@"', 'here-document');
  has(
    'echo "%{_libdir}/shellpaths" > $RPM_BUILD_ROOT%{_sysconfdir}/ld.so.conf.d/shellpaths-%{_arch}.conf',
    'echo into the build root',
  );
  has(
    "echo 'export SHELLPATHS_HOME=%{_datadir}/shellpaths' > $RPM_BUILD_ROOT%{_sysconfdir}/profile.d/shellpaths.sh",
    'profile script',
  );
  // a here-document into the sources is not the package's file: left (and listed)
  has('#define DATADIR "/usr/share/shellpaths"', 'here-document into the sources');
  // substitutions: patterns stay; run-time replacements under /etc and /var take their macros
  has("sed -i 's|/usr/share/shellpaths|%{_datadir}/shellpaths|' shellpaths.c", 'pattern kept');
  has(
    `sed -i -e 's|"/var/run/shellpaths.pid"|"%{_localstatedir}/run/shellpaths/shellpaths.pid"|' shellpaths.c`,
    'replacement under /var',
  );
  has("sed -i 's|@sysconfdir@|%{_sysconfdir}|g' shellpaths.c", 'replacement /etc');
  has("sed -i '1s|^#!/usr/bin/env python$|#!/usr/bin/python3|' shellpaths.c", 'interpreter left');
  has("perl -pi -e 's|/usr/lib/shellpaths|/usr/libexec/shellpaths|g' shellpaths.c", '/usr replacement left');
  // option values: run-time locations (-D, make variables)
  has(
    'make -f /dev/null CFLAGS="%{optflags} -DCONFIG_FILE=\\"%{_sysconfdir}/shellpaths/main.conf\\"" \\\n\tPIDFILE=%{_localstatedir}/run/shellpaths.pid \\\n\tDATADIR=%{_datadir}/shellpaths \\',
    'options',
  );
  // macro definitions: a redefined directory macro goes; location macros are mapped; tools stay
  t.notMatch(out, /^%define _sysconfdir/m);
  has('%global docroot %{_localstatedir}/www', 'location macro used in %files and after the build root');
  has('%global logfile %{_localstatedir}/log/shellpaths/shellpaths.log', 'location macro used as an option value');
  has('%global __python3 /usr/bin/python3', 'tool macro (__name)');
  has('%global helper /usr/libexec/shellpaths-helper', 'macro run as a command');
  // the spec's own systemd switch is off (nothing runs systemd on Lambda)
  has('%global use_systemd         0\n%else', 'use_systemd');
  has('%bcond_with systemd', 'bcond');
  // %files directives with spaces in their arguments
  has(
    '%attr(0644, root, root) %config(noreplace) %verify(not md5 size mtime) %{_sysconfdir}/shellpaths/shellpaths.conf',
    'directives with spaces',
  );
  // the lint says why the rules left what they left; tools are not listed
  const why = (path: string): string | undefined => r.lint.find((f) => f.path === path)?.reason;
  t.equal(why('/usr/bin/python3'), LINT_REASONS.interpreter);
  t.equal(why('/usr/libexec/shellpaths'), LINT_REASONS.replacement);
  t.equal(why('/usr/lib/shellpaths'), undefined, 'a substitution pattern is text of the sources');
  t.equal(why('/usr/share/shellpaths'), LINT_REASONS.shell);
  t.equal(why('/usr/libexec/shellpaths-helper'), LINT_REASONS.definition, 'a macro run as a tool');
  t.notOk(
    r.lint.some((f) => /^\/usr\/bin\/(rm|install)$/.test(f.path)),
    'tools run by absolute path are no findings',
  );
  t.notOk(
    r.lint.some((f) => f.path.startsWith('/usr/share/zoneinfo')),
    'paths the base has are no findings',
  );

  // documentation: the %license fallback, man pages made by hand (help2man, pod2man, .so links)
  t.notMatch(out, /_licensedir|^%doc/m);
  t.notMatch(out, /^(help2man|pod2man)|shellpaths\.1 %\{buildroot\}|\{man5,man8\}|\.so man1/m);
  t.match(out, /^%exclude %\{_mandir\}$/m);
  // alternatives: the links are made at build time, relative, and packaged (the %ghost entry becomes real)
  has('ln -sfr "%{buildroot}%{_bindir}/shellpaths" "%{buildroot}%{_bindir}/shellpaths-cli"', 'alternatives link');
  has('ln -sfr "%{buildroot}%{_bindir}/shellpaths" "%{buildroot}%{_bindir}/shellpaths-admin"', 'slave link');
  t.notMatch(out, /%ghost %\{_bindir\}\/shellpaths-cli|shellpaths-cli\.1/);
  t.match(out, /^%\{_bindir\}\/shellpaths-cli$/m);
  t.match(out, /^%\{_bindir\}\/shellpaths-admin$/m);
  t.notOk(
    r.lint.some((f) => /alternatives link not made/.test(f.reason ?? '')),
    'no finding for links that were made',
  );
  t.ok(
    r.lint.some((f) => f.path.includes('ld.so.conf.d') && /loader path not honoured/.test(f.reason ?? '')),
    'a loader path in ld.so.conf.d is lost on Lambda',
  );
  // cache scriptlets: dropped, with what is lost
  t.notMatch(out, /^%post|Requires\(/m);
  const lost = r.lint.filter((f) => f.reason?.startsWith('scriptlet dropped')).map((f) => f.reason!);
  for (const [re, what] of [
    [/MIME database.*update-mime-database is run on the layer/, 'MIME'],
    [/GSettings schemas not compiled.*glib-compile-schemas/, 'GSettings'],
    [/icon theme cache/, 'icons'],
    [/TeX file database/, 'TeX'],
    [/tmpfiles\.d directories not created/, 'tmpfiles'],
    [/link made at install time not made/, 'a link made by a scriptlet'],
  ] as const)
    t.ok(
      lost.some((l) => re.test(l)),
      what,
    );

  // rpm parses it and builds it: every packaged file under /opt (or /tmp), nothing unpackaged
  const b = await buildWithTargetMacros(t, 'shellpaths', out);
  const top = b.top;
  const parsed = await execa('rpmspec', ['-P', ...macros, join(top, 'shellpaths.spec')], {
    reject: false,
    all: true,
    env: { LC_ALL: 'C' },
  });
  t.equal(parsed.exitCode, 0, parsed.exitCode === 0 ? 'rpmspec -P' : parsed.all);
  t.ok(b.ok, b.ok ? 'rpmbuild' : b.log.split('\n').slice(-20).join('\n'));
  if (!b.ok) return;
  const rpm = join(top, 'RPMS', 'noarch', 'shellpaths-1.0-1.lambda2.noarch.rpm');
  const rpmArch = join(top, 'RPMS', 'x86_64', 'shellpaths-1.0-1.lambda2.x86_64.rpm');
  const file = await readFile(rpmArch).then(
    () => rpmArch,
    () => rpm,
  );
  const files = (await execa('rpm', ['-qlp', file])).stdout.split('\n');
  t.ok(
    files.every((f) => f.startsWith('/opt/') || f.startsWith('/tmp/')),
    files.join(' '),
  );
  t.ok(files.includes('/opt/sbin/shellpathsd') && files.includes('/opt/etc/shellpaths/shellpaths.conf'));
  t.ok(files.includes('/opt/src/shellpaths'), 'rpm macros for system directories (%{_usrsrc}) are moved too');
  t.ok(files.includes('/tmp/var/www/html') && files.includes('/tmp/var/log/shellpaths/shellpaths.log'));
  const links = (await execa('rpm', ['-qp', '--qf', '[%{FILENAMES} -> %{FILELINKTOS}\\n]', file])).stdout;
  t.match(links, /\/opt\/sbin\/shellpathsd -> \/opt\/bin\/shellpaths\n/);
  t.match(links, /\/opt\/bin\/shellpaths-cli -> shellpaths\n/);
  t.match(links, /\/opt\/etc\/shellpaths\/logs -> \/tmp\/var\/log\/shellpaths\n/, '../.. climbed to / before the port');
  t.match(links, /\/opt\/etc\/shellpaths\/run -> \/tmp\/run\/shellpaths\n/);
  const root = join(top, 'x');
  await mkdir(root);
  await execa('sh', ['-c', `rpm2cpio '${file}' | cpio -idm --quiet`], { cwd: root });
  t.match(
    await readFile(join(root, 'opt/sbin/shellpaths-wrapper'), 'utf8'),
    /exec \/opt\/bin\/shellpaths --config \/opt\/etc\//,
  );
  t.equal(
    (await readFile(join(root, 'opt/etc/ld.so.conf.d/shellpaths-x86_64.conf'), 'utf8')).trim(),
    '/opt/lib/shellpaths',
  );
  t.equal(await readFile(join(root, 'opt/lib/shellpaths/plugins/a.la'), 'utf8').catch(() => 'gone'), 'gone');
});

t.test(
  'cmake and meson systemd switches are turned off in place; a quoted %files path is mapped; -javadoc goes',
  async (t) => {
    const spec = [
      'Name: a',
      'Version: 1',
      'Release: 1',
      'Summary: a',
      'License: MIT',
      '%description',
      'a',
      '%package javadoc',
      'Summary: API documentation',
      '%description javadoc',
      'API documentation.',
      '%build',
      '%cmake -DWITH_SYSTEMD=ON -DENABLE_SYSTEMD:BOOL=1 -DSYSTEMD_UNITDIR=%{_unitdir} .',
      '%meson -Dsystemd=true -Dsystemd_user=enabled -Dman=true',
      '%install',
      '%files',
      '"/usr/share/a b/c"',
      '%{_datadir}/man/man1/a.1*',
      '%{_prefix}/share/doc/a',
      '%files javadoc',
      '%{_javadocdir}/a',
      '',
    ].join('\n');
    const r = rewriteSpec(spec, { ...shipped, date });
    const out = r.text;
    t.same(r.dropped, ['a-javadoc'], 'documentation subpackages are left out like -doc');
    t.match(out, /^%cmake -DWITH_SYSTEMD=OFF -DENABLE_SYSTEMD:BOOL=OFF -DSYSTEMD_UNITDIR=%\{_unitdir\} \.$/m);
    t.match(out, /^%meson -Dsystemd=false -Dsystemd_user=disabled -Dman=true$/m);
    t.match(out, /^"%\{_datadir\}\/a b\/c"$/m);
    t.notMatch(out, /^%\{_datadir\}\/man/m, 'man pages however their directory is written');
    t.match(out, /^%exclude %\{_mandir\}$/m);
    t.match(out, /^%exclude %\{_prefix\}\/share\/doc\/a$/m);
  },
);

t.test('definitions with rpm system-directory macros; links to a file of the base', async (t) => {
  // as postfix.spec defines its directories, and links its CA bundle
  const spec = [
    '%define postfix_config_dir  %{_sysconfdir}/postfix',
    '%define postfix_queue_dir   %{_var}/spool/postfix',
    '%global _localstatedir %{_var}',
    'Name: postfix',
    'Version: 2.10.1',
    'Release: 1',
    'Summary: a',
    'License: IBM',
    '%description',
    'a',
    '%install',
    'mkdir -p $RPM_BUILD_ROOT%{postfix_config_dir} $RPM_BUILD_ROOT%{postfix_queue_dir}',
    'ln -sf ../../../%{_sysconfdir}/pki/tls/certs/ca-bundle.crt $RPM_BUILD_ROOT%{postfix_config_dir}/ca.crt',
    '%files',
    '%{postfix_config_dir}',
    '%{postfix_queue_dir}',
    '',
  ].join('\n');
  const out = rewriteSpec(spec, { ...shipped, date }).text;
  t.match(out, /^%define postfix_queue_dir {3}%\{_localstatedir\}\/spool\/postfix$/m);
  t.notMatch(out, /_localstatedir %\{_var\}|%\{_var\}/, 'no redefined directory macro, no %{_var}');
  t.match(out, /^ln -sf \/etc\/pki\/tls\/certs\/ca-bundle\.crt \$RPM_BUILD_ROOT%\{postfix_config_dir\}\/ca\.crt$/m);
});
