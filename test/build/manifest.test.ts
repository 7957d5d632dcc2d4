import t from 'tap';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  changedInputs,
  changedPackages,
  emptyManifest,
  inputsHash,
  readManifest,
  writeManifest,
  type PackageInputs,
} from '../../src/package-set/manifest.js';

const inputs: PackageInputs = {
  srpm: { nevr: 'libsample-1.0-1.amzn2', sha256: 'aa' },
  overlay: null,
  patches: { 'b.patch': '02', 'a.patch': '01' },
  macros: { 'lambda2.macros': 'cc' },
  builder: 'local:rpmbuild-4.18.0',
};

t.test('the input hash does not depend on key order and changes with every input', async (t) => {
  const reordered: PackageInputs = {
    builder: inputs.builder,
    macros: inputs.macros,
    patches: { 'a.patch': '01', 'b.patch': '02' },
    overlay: null,
    srpm: inputs.srpm,
  };
  t.equal(inputsHash(reordered), inputsHash(inputs));
  t.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
  const variants: PackageInputs[] = [
    { ...inputs, srpm: { ...inputs.srpm, sha256: 'ab' } },
    { ...inputs, overlay: 'ff' },
    { ...inputs, patches: { ...inputs.patches, 'c.patch': '03' } },
    { ...inputs, macros: { 'lambda2.macros': 'cd' } },
    { ...inputs, builder: 'docker:yumda-build:al2:1234' },
  ];
  for (const v of variants) t.not(inputsHash(v), inputsHash(inputs));
  t.same(changedInputs(variants[1]!, inputs), ['overlay']);
  t.same(changedInputs(inputs, undefined), ['new']);
});

t.test('write, read back, compare', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-manifest-'));
  const file = join(dir, 'build-manifest.json');
  t.same(await readManifest(file), emptyManifest(), 'a missing manifest is empty (first build)');
  const manifest = emptyManifest();
  manifest.packages.libsample = {
    inputsHash: inputsHash(inputs),
    inputs,
    rpms: ['RPMS/x86_64/libsample-1.0-1.lambda2.x86_64.rpm'],
    srpms: [],
    provides: ['libsample'],
    buildRequires: ['gcc'],
    builtAt: new Date().toISOString(),
  };
  await writeManifest(file, manifest);
  const back = await readManifest(`file://${file}`);
  t.same(back, manifest);
  t.same(
    changedPackages(
      new Map([
        ['libsample', inputsHash(inputs)],
        ['new', 'x'],
      ]),
      back,
    ),
    ['new'],
  );
  t.same(changedPackages(new Map([['libsample', 'other']]), back), ['libsample']);
  await writeFile(file, '{"schema": 2}');
  await t.rejects(readManifest(file), { code: 'MANIFEST_INVALID' });
  t.ok((await readFile(join(dir, 'build-manifest.json'), 'utf8')).length > 0);
});
