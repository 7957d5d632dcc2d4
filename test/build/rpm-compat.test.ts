import t from 'tap';
import { quoteBareWordComparisons, quoteBareWords } from '../../src/build/rpm-compat.js';

t.test("bare words in %if are quoted (rpm >= 4.15 rejects them; AL2's git.spec has them)", async (t) => {
  // lines of Amazon Linux 2's git.spec (2.23.3)
  const spec = [
    '%if 0%{?fedora} || ( 0%{?rhel} && ( 0%{?rhel} == 6 || 0%{?rhel} >= 7 && %{_arch} != ppc64 ))',
    'BuildRequires:  highlight',
    '%endif',
    '%if 0%{?fedora} && ! ( 0%{?fedora} > 30 || %{_arch} == i386 || %{_arch} == s390x )',
    '%if "%{_arch}" != "ppc64"',
    '%if 0%{?rhel} >= 7',
    '%if %{with docs}',
    '%ifarch ppc64',
  ].join('\n');
  const r = quoteBareWords(spec);
  t.same(r.text.split('\n'), [
    '%if 0%{?fedora} || ( 0%{?rhel} && ( 0%{?rhel} == 6 || 0%{?rhel} >= 7 && "%{_arch}" != "ppc64" ))',
    'BuildRequires:  highlight',
    '%endif',
    '%if 0%{?fedora} && ! ( 0%{?fedora} > 30 || "%{_arch}" == "i386" || "%{_arch}" == "s390x" )',
    '%if "%{_arch}" != "ppc64"',
    '%if 0%{?rhel} >= 7',
    '%if %{with docs}',
    '%ifarch ppc64',
  ]);
  t.same(
    r.edits.map((e) => e.line),
    [1, 4],
  );
  t.equal(quoteBareWordComparisons('%{rhel} == 7'), '%{rhel} == 7', 'numbers stay numbers');
  t.equal(quoteBareWordComparisons('%{a} == %{b}'), '%{a} == %{b}', 'two macros: unknown values, left alone');
});
