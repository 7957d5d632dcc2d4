/**
 * --target on the client (install, list, check, repo index, source) with real RPMs built by
 * rpmbuild: the repository layout …/$target/$basearch/ of the default .repo file, the target the
 * layer's manifest records (and refuses to mix), aarch64 packages and AArch64 ELF files against an
 * x86_64 layer, and zstd payloads accepted for al2023 and refused for al2.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { yumda } from '../helpers/cli.js';
import { repoAt, STATIC_ELF, targetRpms } from './fixtures.js';
import { configuredRepos } from '../../src/config/repos.js';
import { chooseLayerTarget, resolveTarget, targetRepoVariables } from '../../src/config/target.js';

const rpms = await targetRpms();
const work = await mkdtemp(join(tmpdir(), 'yumda-targets-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const cache = join(work, 'cache');

// one tree in the published layout: PREFIX/TARGET/ARCH/
const tree = join(work, 'published');
await Promise.all([
  repoAt(join(tree, 'al2', 'x86_64'), [rpms.hello!, rpms.nat!, rpms.liar!, rpms.zst!, rpms.bpfdata!]),
  repoAt(join(tree, 'al2023', 'x86_64'), [rpms.hello!, rpms.nat!, rpms.zst!]),
  repoAt(join(tree, 'al2023', 'aarch64'), [rpms.hello!, rpms.armonly!]),
]);
// a .repo file written like the shipped one: the target and arch come from --target
const repofile = join(work, 'yumda.repo');
writeFileSync(repofile, `[yumda]\nname=test - $target/$basearch\nbaseurl=file://${tree}/$target/$basearch/\n`);
// and a flat repository holding every arch, given as --repo (used as given)
const flat = await repoAt(join(work, 'flat'), Object.values(rpms));

const repo = (...extra: string[]): string[] => ['--repofile', repofile, '--cache-dir', cache, ...extra];
const flatRepo = (...extra: string[]): string[] => ['--repo', `file://${flat}`, '--cache-dir', cache, ...extra];
const manifestOf = (dir: string): { target?: string; arch: string; packages: { name: string }[] } =>
  JSON.parse(readFileSync(join(dir, '.yumda', 'installed.json'), 'utf8'));

t.test('the default .repo URL carries the target and the arch; --repo is used as given', async (t) => {
  const shipped = configuredRepos({ vars: targetRepoVariables(resolveTarget('al2023/aarch64')), env: {} });
  t.equal(shipped[0]!.baseurls[0], 'https://yumda.s3.amazonaws.com/al2023/aarch64/');
  const old = configuredRepos({ arch: 'x86_64', env: {} });
  t.equal(old[0]!.baseurls[0], 'https://yumda.s3.amazonaws.com/al2/x86_64/', 'no target: al2, as before');
  t.same(targetRepoVariables(resolveTarget('al2023')), {
    basearch: 'x86_64',
    arch: 'x86_64',
    releasever: '2023',
    target: 'al2023',
  });
  const explicit = configuredRepos({
    repo: ['https://example.com/al2/x86_64/'],
    vars: targetRepoVariables(resolveTarget('al2023/aarch64')),
  });
  t.same(explicit[0]!.baseurls, ['https://example.com/al2/x86_64/']);

  const arm = await yumda(['list', '--json', ...repo('--target', 'al2023/aarch64')]);
  t.equal(arm.exitCode, 0, arm.stderr);
  t.same(
    JSON.parse(arm.stdout).map((p: { name: string; arch: string }) => `${p.name}.${p.arch}`),
    ['armonly.aarch64', 'hello.noarch'],
    'al2023/aarch64 reads …/al2023/aarch64/',
  );
  const al2 = await yumda(['list', '--json', ...repo()]);
  t.same(
    JSON.parse(al2.stdout).map((p: { name: string }) => p.name),
    ['bpfdata', 'hello', 'liar', 'nat', 'zst'],
    'no --target: al2/x86_64',
  );
  const archOnly = await yumda(['list', '--json', ...repo('--target', 'al2023', '--arch', 'aarch64')]);
  t.same(
    JSON.parse(archOnly.stdout).map((p: { name: string }) => p.name),
    ['armonly', 'hello'],
  );
  const preset = await yumda(['list', '--json', ...repo()], { env: { YUMDA_TARGET: 'al2023/aarch64' } });
  t.same(
    JSON.parse(preset.stdout).map((p: { name: string }) => p.name),
    ['armonly', 'hello'],
    '$YUMDA_TARGET sets the default',
  );
  const flagWins = await yumda(['list', '--json', ...repo('--target', 'al2')], {
    env: { YUMDA_TARGET: 'al2023/aarch64' },
  });
  t.same(
    JSON.parse(flagWins.stdout).map((p: { name: string }) => p.name),
    ['bpfdata', 'hello', 'liar', 'nat', 'zst'],
  );
  const conflict = await yumda(['list', ...repo('--target', 'al2023/aarch64', '--arch', 'x86_64')]);
  t.equal(conflict.exitCode, 2);
  t.match(conflict.stderr, /--target al2023\/aarch64 names aarch64 but --arch is x86_64/);
});

t.test('install records the target; later installs use it; mixing targets is refused', async (t) => {
  const dest = join(work, 'layer-2023');
  const first = await yumda(['install', 'hello', '-d', dest, '--base', 'none', ...repo('--target', 'al2023')]);
  t.equal(first.exitCode, 0, first.stderr);
  t.equal(manifestOf(dest).target, 'al2023/x86_64');

  // no --target: the layer's own (al2023/x86_64), so its repository and its rules (zstd is fine)
  const second = await yumda(['install', 'zst', 'nat', '-d', dest, '--base', 'none', '--json', ...repo()]);
  t.equal(second.exitCode, 0, second.stderr);
  t.equal(JSON.parse(second.stdout).target, 'al2023/x86_64', 'the JSON names the target');
  t.same(
    manifestOf(dest).packages.map((p) => p.name),
    ['hello', 'nat', 'zst'],
  );
  t.equal(manifestOf(dest).target, 'al2023/x86_64');

  const mixed = await yumda(['install', 'hello', '-d', dest, '--base', 'none', ...repo('--target', 'al2')]);
  t.equal(mixed.exitCode, 2);
  t.equal(
    mixed.stderr.split('\n')[0],
    `yumda: error: ${dest} is a layer for al2023/x86_64; installing al2/x86_64 packages into it would mix targets in one layer`,
  );
  const mixedArch = await yumda(['install', 'hello', '-d', dest, '--base', 'none', ...repo('--arch', 'aarch64')]);
  t.equal(mixedArch.exitCode, 2, '--arch alone keeps the distribution and still may not mix');
  t.match(mixedArch.stderr, /is a layer for al2023\/x86_64; installing al2023\/aarch64 packages/);
  t.same(
    manifestOf(dest).packages.map((p) => p.name),
    ['hello', 'nat', 'zst'],
    'nothing changed',
  );

  // the layer's check uses its target too (al2023 has no captured profile: it says so)
  const noProfile = await yumda(['check', dest]);
  t.equal(noProfile.exitCode, 1);
  t.match(noProfile.stderr, /no base profile for al2023\/x86_64 yet/);
  const checked = await yumda(['check', dest, '--base', 'none', '--json']);
  t.equal(checked.exitCode, 0, checked.stdout + checked.stderr);
});

t.test('a layer made before targets learns its target on its next install', async (t) => {
  const dest = join(work, 'legacy');
  const r = await yumda(['install', 'hello', '-d', dest, '--base', 'none', '--no-check', ...flatRepo()]);
  t.equal(r.exitCode, 0, r.stderr);
  const m = manifestOf(dest);
  delete m.target;
  writeFileSync(join(dest, '.yumda', 'installed.json'), JSON.stringify(m));
  const arm = await yumda(['install', 'zst', '-d', dest, '--base', 'none', ...flatRepo('--arch', 'aarch64')]);
  t.equal(arm.exitCode, 2, 'its arch still holds');
  t.match(arm.stderr, /holds x86_64 packages; the target is al2\/aarch64/);
  const again = await yumda(['install', 'zst', '-d', dest, '--base', 'none', '--no-check', ...flatRepo()]);
  t.equal(again.exitCode, 0, again.stderr);
  t.equal(manifestOf(dest).target, 'al2/x86_64');
});

t.test('an aarch64 package into an x86_64 layer is an error naming both', async (t) => {
  const dest = join(work, 'layer-x86');
  const r = await yumda(['install', 'armonly', '-d', dest, '--base', 'none', ...flatRepo('--target', 'al2023')]);
  t.equal(r.exitCode, 1);
  t.match(
    r.stderr,
    /armonly is aarch64 only \(armonly-1\.0-1\.lambda2\.aarch64 in flat-[0-9a-f]+\), but .*layer-x86 is an x86_64 layer \(al2023\/x86_64\)/,
  );
  const dotted = await yumda(['install', 'armonly.aarch64', '-d', dest, '--base', 'none', ...flatRepo()]);
  t.equal(dotted.exitCode, 1);
  t.match(dotted.stderr, /armonly\.aarch64 is aarch64 only .* x86_64 layer \(al2\/x86_64\)/);
  t.match(dotted.stderr, /hint: install it into a layer of its own: -d DIR --target al2\/aarch64/);
  t.notOk(existsSync(dest), 'no layer directory was left');

  // the other way round: x86_64 into an aarch64 layer
  const arm = join(work, 'layer-arm');
  const ok = await yumda([
    'install',
    'armonly',
    'hello',
    '-d',
    arm,
    '--base',
    'none',
    ...flatRepo('--target', 'al2023/aarch64'),
  ]);
  t.equal(ok.exitCode, 0, ok.stderr);
  t.equal(manifestOf(arm).target, 'al2023/aarch64');
  const x86 = await yumda(['install', 'nat', '-d', arm, '--base', 'none', ...flatRepo()]);
  t.equal(x86.exitCode, 1);
  t.match(x86.stderr, /nat is x86_64 only .* is an aarch64 layer \(al2023\/aarch64\)/);

  // check on the aarch64 layer: its own target finds nothing wrong; checked as x86_64, the ELF is named
  const own = await yumda(['check', arm, '--base', 'none', '--json']);
  t.equal(own.exitCode, 0, own.stdout);
  t.equal(JSON.parse(own.stdout).runtime, 'al2023/aarch64', "the layer's recorded target");
  // its zip carries the manifest, so the zip is checked for the same target
  const armZip = join(work, 'layer-arm.zip');
  const zipped = await yumda(['zip', arm, '-o', armZip]);
  t.equal(zipped.exitCode, 0, zipped.stderr);
  const zipCheck = await yumda(['check', armZip, '--base', 'none']);
  t.equal(zipCheck.exitCode, 0, zipCheck.stdout);
  t.match(zipCheck.stdout, /\(target: al2023\/aarch64, base: none\)/);
  const asX86 = await yumda(['check', arm, '--base', 'none', '--target', 'al2023/x86_64', '--json']);
  t.equal(asX86.exitCode, 5);
  t.match(asX86.stderr, /was installed for al2023\/aarch64; checking it against al2023\/x86_64/);
  t.match(JSON.parse(asX86.stdout).findings, [
    {
      code: 'wrong-machine',
      severity: 'error',
      file: '/opt/bin/armonly',
      message: /an ELF file for AArch64, but the layer is for x86_64 \(x86-64, al2023\/x86_64\)/,
    },
  ]);
});

t.test('a repository that lies about the arch: the header decides', async (t) => {
  // primary.xml says x86_64 for the aarch64 package; repomd.xml is made to match, as a hostile server would
  const dir = await repoAt(join(work, 'lying'), [rpms.armonly!]);
  const repomdPath = join(dir, 'repodata', 'repomd.xml');
  let repomd = readFileSync(repomdPath, 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="(repodata\/[^"]+)"/.exec(repomd)![1]!;
  const plain = gunzipSync(readFileSync(join(dir, href)))
    .toString('utf8')
    .replace('<arch>aarch64</arch>', '<arch>x86_64</arch>');
  const packed = gzipSync(plain);
  const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
  const newHref = `repodata/${sha(packed)}-primary.xml.gz`;
  writeFileSync(join(dir, newHref), packed);
  repomd = repomd.replace(/<data type="primary">[\s\S]*?<\/data>/, (block) =>
    block
      .replace(/<checksum type="sha256">[0-9a-f]+</, `<checksum type="sha256">${sha(packed)}<`)
      .replace(/<open-checksum type="sha256">[0-9a-f]+</, `<open-checksum type="sha256">${sha(plain)}<`)
      .replace(href, newHref)
      .replace(/<size>\d+</, `<size>${packed.length}<`)
      .replace(/<open-size>\d+</, `<open-size>${Buffer.byteLength(plain)}<`),
  );
  writeFileSync(repomdPath, repomd);
  const dest = join(work, 'lied-to');
  const r = await yumda([
    'install',
    'armonly',
    '-d',
    dest,
    '--base',
    'none',
    '--repo',
    `file://${dir}`,
    '--cache-dir',
    cache,
  ]);
  t.equal(r.exitCode, 1, r.stdout);
  t.match(r.stdout, /armonly +x86_64/, 'the plan believed the metadata');
  t.match(
    r.stderr,
    /armonly-1\.0-1\.lambda2\.x86_64 is an aarch64 package \(its header\), but the layer is x86_64 \(al2\/x86_64\): nothing was installed/,
  );
  t.notOk(existsSync(dest));
});

t.test('a mislabelled package: an AArch64 ELF in an x86_64 RPM is refused after extraction', async (t) => {
  const dest = join(work, 'liar');
  const info = await execa('rpm', ['-qp', '--qf', '%{ARCH}', rpms.liar!]);
  t.equal(info.stdout, 'x86_64', 'the metadata and the header say x86_64');
  const r = await yumda(['install', 'liar', '-d', dest, '--base', 'none', ...flatRepo()]);
  t.equal(r.exitCode, 1);
  t.match(
    r.stderr,
    /liar-1\.0-1\.lambda2\.x86_64 ships \/opt\/bin\/liar, an ELF file for AArch64, but the layer is x86_64 \(x86-64, al2\/x86_64\): nothing was installed/,
  );
  t.notOk(existsSync(dest));

  // a relocatable object for another machine (an eBPF program) is data: installed, and check is quiet
  const bpf = join(work, 'bpf');
  const data = await yumda(['install', 'bpfdata', '-d', bpf, '--base', 'none', ...flatRepo('--target', 'al2')]);
  t.equal(data.exitCode, 0, data.stderr);
  const file = await execa('file', ['-b', join(bpf, 'share/bpfdata/prog.o')]);
  t.match(file.stdout, /ELF 64-bit LSB relocatable, (eBPF|\*unknown arch 0xf7\*)/);
  const quiet = await yumda(['check', bpf, '--base', 'none', '--json']);
  t.notMatch(quiet.stdout, /wrong-machine/);
});

t.test('check flags an ELF of the wrong machine in any layer (directory or zip)', async (t) => {
  const dir = join(work, 'handmade');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(STATIC_ELF, join(dir, 'bin', 'ok'));
  const arm = join(dir, 'bin', 'arm');
  copyFileSync(STATIC_ELF, arm);
  const bytes = readFileSync(arm);
  bytes.writeUInt16LE(183, 18);
  writeFileSync(arm, bytes);
  const r = await yumda(['check', dir, '--base', 'none']);
  t.equal(r.exitCode, 5);
  t.match(r.stdout, /\/opt\/bin\/arm/);
  t.match(r.stdout, /an ELF file for AArch64, but the layer is for x86_64 \(x86-64, al2\/x86_64\)/);
  t.notMatch(r.stdout, /\/opt\/bin\/ok: an ELF/, 'the x86-64 one is fine');
  t.match(r.stdout, /checked 2 files, 0 symlinks, 2 ELF objects/);
  const asArm = await yumda(['check', dir, '--base', 'none', '--target', 'al2/aarch64', '--json']);
  const findings = JSON.parse(asArm.stdout).findings as { code: string; file: string; message: string }[];
  t.same(
    findings.filter((f) => f.code === 'wrong-machine').map((f) => [f.file, f.message.slice(0, 29)]),
    [['/opt/bin/ok', 'an ELF file for x86-64, but t']],
  );
  const zip = join(work, 'handmade.zip');
  await execa('zip', ['-qr', zip, '.'], { cwd: dir });
  const zipped = await yumda(['check', zip, '--base', 'none', '--json']);
  t.equal(zipped.exitCode, 5);
  t.match(JSON.parse(zipped.stdout).findings, [{ code: 'wrong-machine', file: '/opt/bin/arm' }]);
});

t.test('zstd payloads: accepted for al2023, refused for al2 (install and repo index)', async (t) => {
  const payload = await execa('rpm', ['-qp', '--qf', '%{PAYLOADCOMPRESSOR}', rpms.zst!]);
  t.equal(payload.stdout, 'zstd', 'rpmbuild wrote a zstd payload');
  const al2 = await yumda(['install', 'zst', '-d', join(work, 'z2'), '--base', 'none', ...flatRepo('--target', 'al2')]);
  t.equal(al2.exitCode, 1);
  t.match(al2.stderr, /zst-1\.0-1\.lambda2\.noarch needs rpmlib\(PayloadIsZstd\).*rpm 4\.11\.3 on none/);
  t.match(al2.stderr, /zstd-compressed payload: rebuild it with xz/);
  t.notOk(existsSync(join(work, 'z2')));
  const al2023 = await yumda([
    'install',
    'zst',
    '-d',
    join(work, 'z2023'),
    '--base',
    'none',
    ...flatRepo('--target', 'al2023'),
  ]);
  t.equal(al2023.exitCode, 0, al2023.stderr);
  t.equal(readFileSync(join(work, 'z2023', 'share/zst/data'), 'utf8'), 'zstd payload\n');
  const noTarget = await yumda([
    'install',
    'zst',
    '-d',
    join(work, 'zn'),
    '--base',
    'none',
    '--no-check',
    ...flatRepo(),
  ]);
  t.equal(noTarget.exitCode, 0, '--base none without --target has no rpm rules, as before: ' + noTarget.stderr);

  const repoDir = join(work, 'index-me');
  mkdirSync(repoDir);
  copyFileSync(rpms.zst!, join(repoDir, 'zst.rpm'));
  copyFileSync(rpms.hello!, join(repoDir, 'hello.rpm'));
  const refused = await yumda(['repo', 'index', repoDir, '--target', 'al2']);
  t.equal(refused.exitCode, 1);
  t.match(refused.stderr, /zst\.rpm has a zstd payload, which rpm 4\.11\.3 on al2 \(Amazon Linux 2\) cannot read/);
  t.match(refused.stderr, /al2 reads gzip, bzip2, xz, lzma payloads/);
  t.notOk(existsSync(join(repoDir, 'repodata')), 'nothing written');
  const indexed = await yumda(['repo', 'index', repoDir, '--target', 'al2023']);
  t.equal(indexed.exitCode, 0, indexed.stderr);
  t.ok(existsSync(join(repoDir, 'repodata', 'repomd.xml')));
});

t.test('source: --target picks the upstream; an upstream of another target is refused', async (t) => {
  const r = await yumda(['source', 'list', '--target', 'al2023', '--upstream', 'al2-core']);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /upstream al2-core holds al2 sources, not al2023's \(--target al2023\)/);
  const bad = await yumda(['source', 'list', '--target', 'al3']);
  t.equal(bad.exitCode, 2);
  t.match(bad.stderr, /unknown target "al3"/);
  t.equal(resolveTarget('al2023').upstream, 'al2023-core');
});

t.test('chooseLayerTarget: flags, the layer record, legacy layers', async (t) => {
  const key = (choice: { target?: string; arch?: string }, layer: Parameters<typeof chooseLayerTarget>[1]): string =>
    chooseLayerTarget(choice, layer, {}).key;
  t.equal(key({}, null), 'al2/x86_64');
  t.equal(key({ arch: 'aarch64' }, null), 'al2/aarch64');
  t.equal(key({}, { dir: 'l', target: 'al2023/aarch64', arch: 'aarch64' }), 'al2023/aarch64');
  t.equal(key({ arch: 'aarch64' }, { dir: 'l', target: 'al2023/aarch64', arch: 'aarch64' }), 'al2023/aarch64');
  t.equal(key({}, { dir: 'l', arch: 'aarch64' }), 'al2/aarch64', 'a legacy layer: al2 on its arch');
  t.equal(key({ target: 'al2023' }, { dir: 'l', arch: 'x86_64' }), 'al2023/x86_64');
  const env = { YUMDA_TARGET: 'al2023/aarch64' };
  t.equal(chooseLayerTarget({}, null, env).key, 'al2023/aarch64', '$YUMDA_TARGET');
  t.equal(chooseLayerTarget({ arch: 'x86_64' }, null, env).key, 'al2023/x86_64');
  t.equal(chooseLayerTarget({ target: 'al2' }, null, env).key, 'al2/x86_64', '--target wins');
  t.equal(
    chooseLayerTarget({}, { dir: 'l', target: 'al2/x86_64', arch: 'x86_64' }, env).key,
    'al2/x86_64',
    "the layer's own wins",
  );
  t.equal(
    chooseLayerTarget({}, { dir: 'l', arch: 'x86_64' }, env).key,
    'al2023/x86_64',
    'a legacy layer keeps its arch',
  );
  t.throws(() => key({}, { dir: 'l', target: 'al9/x86_64', arch: 'x86_64' }), {
    code: 'UNKNOWN_TARGET',
    message: /^l\/\.yumda\/installed\.json records target "al9\/x86_64": unknown target "al9"/,
  });
  t.throws(() => chooseLayerTarget({}, null, { YUMDA_TARGET: 'al2023/sparc' }), {
    message: /^\$YUMDA_TARGET is "al2023\/sparc": cannot read target/,
  });
  t.equal(chooseLayerTarget({ arch: 'aarch64' }, null, { YUMDA_TARGET: 'al2023-x86_64' }).key, 'al2023/aarch64');
  t.equal(
    chooseLayerTarget(
      { target: 'al2' },
      { dir: 'l', target: 'al2023/x86_64', arch: 'x86_64' },
      {},
      { allowOther: true },
    ).key,
    'al2/x86_64',
    'a command that only reads the layer may ask about another target',
  );
  t.throws(() => key({ target: 'al2' }, { dir: 'l', target: 'al2023/x86_64', arch: 'x86_64' }), {
    code: 'TARGET_MISMATCH',
  });
});
