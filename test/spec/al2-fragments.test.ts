/**
 * Regressions found porting git and openssh for real (issue 11), each on fragments of Amazon
 * Linux 2's own specs (test/fixtures/spec/al2/): the rewritten fragment is built with rpmbuild and
 * the target's macros, so an unpackaged file, a wrong %if branch or an unreadable mode fails here.
 */
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { evaluateSpec } from '../../src/spec/evaluate.js';
import { parseOverlay } from '../../src/spec/overlay.js';
import { parseSpec } from '../../src/spec/parse.js';
import { layerMode } from '../../src/spec/rules.js';
import { rewriteSpec } from '../../src/spec/rewrite.js';
import { projectPath } from '../../src/util/paths.js';
import { buildWithTargetMacros, macroFiles, macros } from './target-build.js';

const date = new Date('2024-02-03T00:00:00Z');
const fixture = (name: string): Promise<string> => readFile(projectPath('test/fixtures/spec/al2', name), 'utf8');

async function rpmFiles(rpm: string): Promise<string[]> {
  return (await execa('rpm', ['-qp', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\\n]', rpm])).stdout
    .split('\n')
    .filter(Boolean);
}

t.test(
  'openssh: %if/%else/%endif between continued %configure lines are conditionals, as rpm reads them',
  async (t) => {
    const text = await fixture('openssh-fragment.spec');
    const spec = parseSpec(text);
    t.same(spec.condStack.at(-1), [], 'the conditional stack closes');
    for (const c of spec.conditionals.filter((c) => c.kind.startsWith('if'))) {
      t.equal(
        spec.conditionals.find((e) => e.line === c.partners.at(-1))?.kind,
        'endif',
        `${spec.lines[c.line]!.text} is closed`,
      );
    }
    // which options are active must agree with rpmspec -P on the same spec and macros
    const evaluated = evaluateSpec(spec, { macroFiles: await Promise.all(macroFiles.map((f) => readFile(f, 'utf8'))) });
    const dir = await mkdtemp(join(tmpdir(), 'yumda-al2-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'openssh.spec'), text);
    const parsed = await execa('rpmspec', ['-P', ...macros, join(dir, 'openssh.spec')], { env: { LC_ALL: 'C' } });
    const rpmLines = new Set(parsed.stdout.split('\n').map((l) => l.trim()));
    const build = spec.sections.find((s) => s.kind === 'build')!;
    let options = 0;
    for (let i = build.start; i < build.end; i++) {
      const line = spec.lines[i]!.text.trim();
      if (!line.startsWith('--') || line.includes('%')) continue;
      options++;
      t.equal(
        evaluated.active[i],
        rpmLines.has(line),
        `${line}: ${rpmLines.has(line) ? 'active' : 'inactive'} as for rpmspec -P`,
      );
    }
    t.ok(options >= 20);
    t.notOk(rpmLines.has('--without-pam \\'));
    t.notOk(evaluated.active[spec.lines.findIndex((l) => l.text.trim() === '--without-pam \\')]);
  },
);

t.test('openssh: dropped subpackages with literal /etc paths; set-gid programs stay readable', async (t) => {
  const overlay = parseOverlay('macros: { ldap: 0 }\ndropSubpackages: [server-sysvinit, keycat]\n', 'openssh.yaml');
  const r = rewriteSpec(await fixture('openssh-fragment.spec'), { ...shipped, overlay, date });
  const out = r.text;
  t.same(r.dropped.sort(), ['openssh-keycat', 'openssh-server-sysvinit']);
  // the %exclude lines of dropped packages use the system-paths rule, like every other path
  t.match(out, /^%exclude %\{_sysconfdir\}\/pam\.d\/ssh-keycat$/m);
  t.match(out, /^%exclude %\{_initddir\}\/sshd$/m);
  t.match(out, /^%exclude %\{_libexecdir\}\/openssh\/ssh-keycat$/m);
  t.notMatch(out, /^%exclude \/(etc|usr)\//m, 'no literal system path in an %exclude');
  // 2111 root:ssh_keys became an ordinary readable program
  t.match(out, /^%attr\(0755,root,ssh_keys\) %\{_libexecdir\}\/openssh\/ssh-keysign$/m);
  t.match(out, /^%attr\(0755,root,nobody\) %\{_bindir\}\/ssh-agent$/m);
  t.notMatch(out, /%attr\(0?[2-7][0-7]{3}/);

  const b = await buildWithTargetMacros(t, 'openssh', out, {
    'sshd.pam': 'auth include system-auth\n',
    'sshd.init': '#!/bin/sh\n',
    'ssh-keycat.pam': 'account include sshd\n',
  });
  t.ok(b.ok, b.ok ? 'rpmbuild: no unpackaged files' : b.log.split('\n').slice(-15).join('\n'));
  if (!b.ok) return;
  // the stand-in configure recorded the options it got: the branches rpm took, ldap off by the overlay
  const args = (await readFile(join(b.top, 'BUILD', 'openssh-7.4p1', 'configure.args'), 'utf8')).split('\n');
  for (const on of ['--with-pam', '--with-libedit', '--with-kerberos5', '--with-ssh1', '--with-sandbox=seccomp_filter'])
    t.ok(args.includes(on), on);
  for (const off of ['--with-ldap', '--without-pam', '--without-libedit', '--without-kerberos5'])
    t.notOk(args.includes(off), `no ${off}`);
  const main = await rpmFiles(join(b.top, 'RPMS', 'x86_64', 'openssh-7.4p1-21.lambda2.0.1.x86_64.rpm'));
  t.ok(main.includes('-rwxr-xr-x /opt/libexec/openssh/ssh-keysign'), main.join('\n'));
  const clients = await rpmFiles(join(b.top, 'RPMS', 'x86_64', 'openssh-clients-7.4p1-21.lambda2.0.1.x86_64.rpm'));
  t.ok(clients.includes('-rwxr-xr-x /opt/bin/ssh-agent'), clients.join('\n'));
  const server = await rpmFiles(join(b.top, 'RPMS', 'x86_64', 'openssh-server-7.4p1-21.lambda2.0.1.x86_64.rpm'));
  t.ok(server.includes('-rw-r--r-- /opt/etc/pam.d/sshd'), server.join('\n'));
  t.notOk(
    [...main, ...clients, ...server].some((f) => /\/(man|doc)\//.test(f)),
    'no documentation',
  );
});

t.test('set-id modes: cleared, and what can be executed can be read', async (t) => {
  const cases: Array<[number, number]> = [
    [0o2111, 0o755],
    [0o4755, 0o755],
    [0o4711, 0o755],
    [0o2710, 0o755],
    [0o2775, 0o775],
    [0o0711, 0o755],
    [0o0111, 0o555],
    [0o0750, 0o750],
    [0o0755, 0o755],
    [0o0644, 0o644],
    [0o0600, 0o600],
  ];
  for (const [mode, want] of cases)
    t.equal(layerMode(mode).toString(8), want.toString(8), `${mode.toString(8)} → ${want.toString(8)}`);
});

t.test('libedit: a dropped -devel whose %files lists man pages as %doc leaves no man page unpackaged', async (t) => {
  const r = rewriteSpec(await fixture('libedit-fragment.spec'), { ...shipped, date });
  t.same(r.dropped, ['libedit-devel']);
  t.match(r.text, /^%exclude %\{_mandir\}$/m);
  t.match(r.text, /^%exclude %\{_includedir\}\/histedit\.h$/m);
  t.notMatch(
    r.text,
    /%exclude %\{_includedir\}\/editline$/m,
    'a %dir of a dropped package is not excluded (that would take files of others)',
  );
  const b = await buildWithTargetMacros(t, 'libedit', r.text);
  t.ok(b.ok, b.ok ? 'rpmbuild: no unpackaged files' : b.log.split('\n').slice(-15).join('\n'));
  if (!b.ok) return;
  const files = await rpmFiles(join(b.top, 'RPMS', 'x86_64', 'libedit-3.0-12.20121213cvs.lambda2.0.2.x86_64.rpm'));
  t.ok(
    files.some((f) => f.endsWith(' /opt/lib/libedit.so.0.0.42')),
    files.join('\n'),
  );
  t.notOk(
    files.some((f) => /\/man\/|\.h$|libedit\.so$/.test(f)),
    'man pages, headers and the dev link stay out',
  );
});

t.test('git: a dropped subpackage with %files -f LIST (git-core-doc) is excluded through its list', async (t) => {
  const overlay = parseOverlay('dropSubpackages: [-n gitweb]\n', 'git.yaml');
  const r = rewriteSpec(await fixture('git-doc-fragment.spec'), { ...shipped, overlay, date });
  t.same(r.dropped.sort(), ['git-core-doc', 'gitweb']);
  t.match(r.text, /^%files -f bin-man-doc-git-files -f man-doc-files-core\.yumda-exclude$/m);
  t.match(
    r.text,
    /^%exclude %\{_sysconfdir\}\/gitweb\.conf$/m,
    'a directive glued to its path (%config(noreplace)%{_sysconfdir}/…) is read as rpm reads it',
  );
  const b = await buildWithTargetMacros(t, 'git', r.text);
  t.ok(b.ok, b.ok ? 'rpmbuild: no unpackaged files' : b.log.split('\n').slice(-15).join('\n'));
  if (!b.ok) return;
  const core = await rpmFiles(join(b.top, 'RPMS', 'x86_64', 'git-core-2.23.3-1.lambda2.x86_64.rpm'));
  t.ok(
    core.some((f) => f.endsWith(' /opt/bin/git')),
    core.join('\n'),
  );
  const main = await rpmFiles(join(b.top, 'RPMS', 'x86_64', 'git-2.23.3-1.lambda2.x86_64.rpm'));
  t.ok(
    main.some((f) => f.endsWith(' /opt/libexec/git-core/git-add--interactive')),
    main.join('\n'),
  );
  t.notOk(
    [...main, ...core].some((f) => /\/(man|doc)\//.test(f)),
    'no documentation in any package',
  );
});

t.test('a dropped subpackage whose %files -f list is empty (git built NO_PERL: perl-git-files)', async (t) => {
  const spec = [
    'Name: droplist',
    'Version: 1.0',
    'Release: 1',
    'Summary: A package with an optional part',
    'License: MIT',
    '%description',
    'Main.',
    '%package extras',
    'Summary: The optional part',
    '%description extras',
    'Extras.',
    '%install',
    'mkdir -p %{buildroot}%{_bindir}',
    'echo "#!/bin/sh" > %{buildroot}%{_bindir}/tool',
    ': > extras-files',
    '%files',
    '%{_bindir}/tool',
    '%files extras -f extras-files',
    '',
  ].join('\n');
  const r = rewriteSpec(spec, {
    ...shipped,
    overlay: parseOverlay('dropSubpackages: [extras]\n', 'droplist.yaml'),
    date,
  });
  t.match(r.text, /^%files -f extras-files\.yumda-exclude$/m);
  const b = await buildWithTargetMacros(t, 'droplist', r.text);
  t.ok(b.ok, b.ok ? 'rpmbuild accepts the (blank) exclude list' : b.log.split('\n').slice(-15).join('\n'));
});
