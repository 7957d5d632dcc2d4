/**
 * `yumda build` holds its output to the target's rpm: a package built with zstd payloads (rpmbuild
 * with `%_binary_payload w19.zstdio`, the real local builder) fails for al2, whose rpm 4.11 cannot
 * read them, with the reason in its log, and builds for al2023.
 */
import t from 'tap';
import { shipped } from '../helpers/shipped.js';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LocalBuilder } from '../../src/build/builders/local.js';
import { buildMacroFiles } from '../../src/config/macros.js';
import { runBuild } from '../../src/build/run.js';
import { resolveTarget } from '../../src/config/target.js';
import { packSampleSrpm, sampleDistDir } from '../e2e/sample-dist.js';

const root = await mkdtemp(join(tmpdir(), 'yumda-build-payload-'));
t.teardown(() => rm(root, { recursive: true, force: true }));
const srpms = join(root, 'srpms');
const specs = join(root, 'specs');
await cp(join(sampleDistDir, 'specs'), specs, { recursive: true });
for (const f of await readdir(specs)) if (f !== 'libsample.yaml') await rm(join(specs, f), { recursive: true });
await packSampleSrpm('libsample', srpms);
const zstdMacros = join(root, 'zstd.macros');
await writeFile(zstdMacros, '%_binary_payload w19.zstdio\n');
const builder = new LocalBuilder({ macroFiles: [...buildMacroFiles(), zstdMacros] });
const paths = { specsDir: specs, patchesDir: join(sampleDistDir, 'patches'), macroFiles: builder.macroFiles };

/** The whole (one-package) set built for a target into its own OUT. */
async function buildFor(target: string) {
  const out = join(root, `out-${target}`);
  const run = await runBuild({
    ...shipped.plan,
    names: [],
    all: true,
    builder,
    paths,
    outDir: out,
    srpmDir: srpms,
    target: resolveTarget(target),
  });
  return { out, run };
}

const listRpms = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.rpm'));

t.test('al2: the zstd output is refused, the package fails with the reason', async (t) => {
  const { out, run } = await buildFor('al2');
  t.notOk(run.ok);
  const lib = run.results.find((r) => r.name === 'libsample')!;
  t.equal(lib.status, 'failed');
  t.match(
    lib.error,
    /libsample-1\.2-3\.lambda2\.x86_64\.rpm has a zstd payload, which rpm 4\.11\.3 on al2 \(Amazon Linux 2\) cannot read/,
  );
  t.match(await readFile(join(out, lib.log), 'utf8'), /has a zstd payload/);
  t.same(await listRpms(join(out, 'RPMS')), [], 'nothing placed in RPMS/');
});

t.test('al2023: the same build is accepted', async (t) => {
  const { out, run } = await buildFor('al2023');
  t.ok(run.ok, JSON.stringify(run.results));
  const built = run.results.find((r) => r.name === 'libsample')!;
  t.ok(built.rpms.length > 0);
  const payload = await execa('rpm', ['-qp', '--qf', '%{PAYLOADCOMPRESSOR}', join(out, built.rpms[0]!)]);
  t.equal(payload.stdout, 'zstd');
});
