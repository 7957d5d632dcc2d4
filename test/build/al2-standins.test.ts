/**
 * The AL2 stand-in macros (repo-metadata/macros/al2-standins.macros) measured against the macros
 * Amazon Linux 2's own specs use: every macro a corpus spec uses that Debian's rpm, the lambda2
 * layout and the spec itself (outside conditionals) do not define is either defined by the stand-ins
 * or listed there as "# not defined: NAME: reason". A new spec in the corpus that uses a new AL2
 * macro fails here until someone decides.
 */
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';
import { parseMacrosFile } from '../../src/spec/macros.js';

const corpus = projectPath('..', 'shared', 'corpus', 'al2-specs', 'amzn2');
const standinsFile = projectPath('repo-metadata/macros/al2-standins.macros');
const lambda2File = projectPath('repo-metadata/macros/lambda2.macros');

/** Section keywords, spec directives and rpm built-ins that look like macros but are not definitions to make. */
const NOT_MACROS = new Set(
  (
    'if else endif elif ifarch ifnarch ifos ifnos elifarch elifos package files description prep build install check clean pre post preun postun ' +
    'pretrans posttrans changelog setup autosetup autopatch attr defattr doc docdir license dir config exclude ghost verify lang define global undefine ' +
    'include triggerin triggerun triggerpostun triggerprein filetriggerin filetriggerun transfiletriggerin transfiletriggerun expand lua with without ' +
    'bcond_with bcond_without name version release epoch summary url sources patches verifyscript caps artifact readme missingok noreplace conf ' +
    'generate_buildrequires sourcelist patchlist'
  ).split(' '),
);

/**
 * Macro names a spec uses, minus what the spec itself defines on every path: outside conditionals,
 * or in both branches of an %if/%else. A definition on one branch only (git's %build_ldflags under
 * `%if 0%{?rhel} == 6`) leaves the other branch to the build environment, so it counts as used.
 */
export function macrosUsed(text: string): Set<string> {
  const body = text.split(/^%changelog\b/m)[0]!;
  // one frame per open %if: definitions of its if-branch and of its else-branch (null until %else)
  const frames: Array<{ then: Set<string>; otherwise: Set<string> | null }> = [];
  const topLevel = new Set<string>();
  const current = (): Set<string> =>
    frames.length === 0 ? topLevel : (frames.at(-1)!.otherwise ?? frames.at(-1)!.then);
  for (const line of body.split('\n')) {
    if (/^\s*%if/.test(line)) frames.push({ then: new Set(), otherwise: null });
    else if (/^\s*%el(se|if)/.test(line) && frames.length > 0) frames.at(-1)!.otherwise = new Set();
    else if (/^\s*%endif/.test(line) && frames.length > 0) {
      const frame = frames.pop()!;
      for (const name of frame.then) if (frame.otherwise?.has(name)) current().add(name);
    } else {
      const def = /^\s*%(?:define|global)\s+([A-Za-z_]\w*)/.exec(line);
      if (def) current().add(def[1]!);
    }
  }
  const used = new Set<string>();
  // %% is a literal percent sign; %{?name}, %{!?name:…}, %name, %{name}
  for (const m of body.replace(/%%/g, '').matchAll(/%(?:\{[!?]*|[!?]*)([A-Za-z_]\w*)/g)) {
    const name = m[1]!;
    if (topLevel.has(name) || NOT_MACROS.has(name) || /^(SOURCE|PATCH|patch|P|S)\d*$/.test(name)) continue;
    used.add(name);
  }
  return used;
}

const rpmMissing = (await execa('rpm', ['--version'], { reject: false })).failed;
const skip = !existsSync(corpus)
  ? `no corpus at ${corpus}`
  : rpmMissing
    ? 'rpm is not installed: apt-get install rpm'
    : false;

t.test(
  "every macro AL2's specs use and Debian's rpm lacks is defined or left out with a reason",
  { skip },
  async (t) => {
    const usedBy = new Map<string, string[]>();
    for (const file of readdirSync(corpus)
      .filter((f) => f.endsWith('.spec'))
      .sort()) {
      for (const name of macrosUsed(readFileSync(join(corpus, file), 'utf8')))
        usedBy.set(name, [...(usedBy.get(name) ?? []), file.replace(/\.spec$/, '')]);
    }
    // what Debian's rpm defines, asked of rpm itself (one call: %{?NAME:1} per name)
    const names = [...usedBy.keys()].sort();
    const answer = await execa('rpm', ['--eval', names.map((n) => `%{?${n}:1}%{!?${n}:0}`).join(' ')]);
    const rpmDefines = new Set(names.filter((_, i) => String(answer.stdout).trim().split(/\s+/)[i] === '1'));
    const defined = new Set(
      [
        ...parseMacrosFile(readFileSync(standinsFile, 'utf8')),
        ...parseMacrosFile(readFileSync(lambda2File, 'utf8')),
      ].map((e) => e.name),
    );
    const standins = readFileSync(standinsFile, 'utf8');
    const leftOut = new Map(
      [...standins.matchAll(/^# not defined: ([A-Za-z_]\w*): (.+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    const undecided = names.filter((n) => !rpmDefines.has(n) && !defined.has(n) && !leftOut.has(n));
    t.same(
      undecided.map((n) => `${n} (${usedBy.get(n)!.join(', ')})`),
      [],
      'define these in al2-standins.macros or list them as "# not defined: NAME: reason"',
    );
    for (const [name] of leftOut) t.notOk(defined.has(name), `${name} is listed as not defined but is defined`);
    // the ones the issue named: AL2 takes its EL7 branches, and git's config.mak gets real LDFLAGS
    for (const name of ['rhel', 'build_ldflags', '_emacs_sitelispdir']) t.ok(defined.has(name), `%${name} is defined`);
    const stale = [...leftOut.keys()].filter((n) => !usedBy.has(n));
    t.same(stale, [], 'every "not defined" entry is a macro a corpus spec uses');
  },
);

t.test('the stand-ins evaluate as AL2 does', { skip: rpmMissing ? 'rpm is not installed' : false }, async (t) => {
  const r = await execa('rpm', [
    '--load',
    standinsFile,
    '--load',
    lambda2File,
    '--define',
    'name git',
    '--eval',
    '%{rhel} %{amzn} %{build_ldflags}|%{_pkgdocdir}',
  ]);
  t.equal(String(r.stdout).trim(), '7 2 -Wl,-z,relro -Wl,-z,now|/opt/share/doc/git');
  // nghttp2 and curl call %ldconfig_scriptlets with -n: the stand-in must accept the option
  const n = await execa('rpm', ['--load', standinsFile, '--eval', '%ldconfig_scriptlets -n libnghttp2'], {
    reject: false,
    all: true,
  });
  t.equal(n.exitCode, 0, String(n.all));
  t.equal(String(n.stdout).trim(), '');
});
