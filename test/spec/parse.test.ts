import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec, printSpec } from '../../src/spec/parse.js';
import { projectPath } from '../../src/util/paths.js';

const corpus = projectPath('..', 'shared', 'corpus', 'al2-specs');

t.test('parse then print gives back the identical text', async (t) => {
  const samples = [
    'Name: a\r\nVersion: 1\r\n%description\r\nx\r\n',
    'Name: a\n%files\n/x', // no final newline
    '',
    '\n\n',
    '%define foo \\\n  bar \\\n  baz\nName: %{foo}\n',
  ];
  for (const s of samples) t.equal(printSpec(parseSpec(s)), s, JSON.stringify(s.slice(0, 20)));
  const fixture = readFileSync(projectPath('test/fixtures/spec/porting.spec'), 'utf8');
  t.equal(printSpec(parseSpec(fixture)), fixture);
});

t.test(
  'round trip of every corpus spec',
  { skip: existsSync(corpus) ? false : `no corpus at ${corpus} (../shared is only on developer machines and CI)` },
  async (t) => {
    const files: Record<string, string[]> = {};
    for (const dir of ['amzn2', 'lambda2']) {
      files[dir] = readdirSync(join(corpus, dir))
        .filter((f) => f.endsWith('.spec'))
        .sort();
      for (const file of files[dir]) {
        const text = readFileSync(join(corpus, dir, file), 'utf8');
        t.equal(printSpec(parseSpec(text)), text, `${dir}/${file}`);
      }
    }
    // the corpus grows (54 pairs since less, audit, libcap-ng, nghttp2, libidn2, libunistring came):
    // every upstream spec has its hand port, and none went missing
    t.same(files.amzn2, files.lambda2, 'every amzn2 spec has its lambda2 hand port');
    t.ok(files.amzn2!.length >= 54, `${files.amzn2!.length} pairs (at least 54)`);
  },
);

t.test('model: tags, sections, subpackages, scriptlets, files, conditionals', async (t) => {
  const spec = parseSpec(readFileSync(projectPath('test/fixtures/spec/porting.spec'), 'utf8'));
  const names = spec.tags.map((tag) => tag.name);
  t.ok(names.includes('Name') && names.includes('BuildRequires') === false);
  const reqPost = spec.tags.find((tag) => tag.qualifier === 'post');
  t.equal(reqPost?.value, '/sbin/ldconfig');
  const kinds = spec.sections.map((s) => `${s.kind}:${s.keyword}`);
  t.same(kinds.slice(0, 4), ['preamble:', 'description:description', 'package:package', 'description:description']);
  const extras = spec.sections.find((s) => s.kind === 'package' && s.subpackage?.full);
  t.same(extras?.subpackage, { name: '%{shortname}-extras', full: true });
  const post = spec.sections.find((s) => s.keyword === 'post');
  t.equal(post?.program, '/sbin/ldconfig');
  const filesExtras = spec.sections.filter((s) => s.kind === 'files');
  t.equal(filesExtras.length, 3);
  t.equal(spec.sections.find((s) => s.kind === 'changelog')?.kind, 'changelog');
  // %files -n x -f list
  const f = parseSpec(
    '%files -n foo -f foo.lang\n/x\n%post -n bar -p <lua>\nprint(1)\n%triggerin -n baz -- glibc\n:\n',
  );
  t.same(f.sections[1]!.subpackage, { name: 'foo', full: true });
  t.equal(f.sections[1]!.fileList, 'foo.lang');
  t.equal(f.sections[2]!.program, '<lua>');
  t.equal(f.sections[3]!.triggerOn, 'glibc');
  t.same(f.sections[3]!.subpackage, { name: 'baz', full: true });
  // nesting and continuations
  const n = parseSpec('%if 1\n%ifarch x86_64\nA: b\n%else\nA: c\n%endif\n%endif\n%global x 1 \\\n 2\nName: n\n');
  t.same(n.condStack[2], [0, 1]);
  t.equal(n.conditionals.find((c) => c.line === 1)?.partners.length, 2);
  t.equal(n.defines[0]?.body, '1 \\\n 2'.replace(' \\\n', ' \\\n'));
  t.ok(n.continued[8]);
  // a %{?x: ...} block spanning lines is a conditional block around its sections
  const m = parseSpec('%{?_with_test:\n%check\nmake test\n}\n%files\n');
  t.same(
    m.sections.map((s) => s.keyword),
    ['', 'check', 'files'],
  );
  t.same(
    m.conditionals.map((c) => c.kind),
    ['macroif', 'macroend'],
  );
  // other unbalanced macros continue the line
  const u = parseSpec('%global x %{expand:\n%%check\n}\n%files\n');
  t.same(
    u.sections.map((s) => s.keyword),
    ['', 'files'],
  );
});
