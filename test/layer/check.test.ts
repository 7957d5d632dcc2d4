import t from 'tap';
import { execa } from 'execa';
import { cp, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yazl from 'yazl';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { checkLayer, summarizeReport, type CheckReport } from '../../src/layer/check.js';
import { loadProfile } from '../../src/config/profile.js';
import { zipLayer } from '../../src/layer/zip.js';
import { yumda } from '../helpers/cli.js';
import {
  cleanLayer,
  gcc,
  hostGlibcVersion,
  lambdaLikeProfile,
  sharedLib,
  tempDir,
  writeText,
  HELLO_LIB,
} from './fixtures.js';

const scratch = await tempDir('yumda-check-test-');
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const glibc = await hostGlibcVersion();
/** A base like Lambda's but with this host's glibc, so host-built binaries are otherwise fine. */
const hostBase = lambdaLikeProfile(glibc);
/** The AL2-like base: glibc 2.26. */
const al2Base = lambdaLikeProfile('2.26');

let counter = 0;
async function layer(build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(scratch, `layer${++counter}`);
  await mkdir(dir, { recursive: true });
  await build(dir);
  return dir;
}

function codes(report: CheckReport): string[] {
  return report.findings.map((f) => `${f.severity}:${f.code}${f.file ? `:${f.file}` : ''}`).sort();
}

t.test('a clean layer reports nothing', async (t) => {
  const dir = await layer(cleanLayer);
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), [], 'no findings');
  t.equal(report.errors, 0);
  t.ok(report.ok);
  t.equal(report.stats.elfObjects, 2);
  t.equal(report.stats.scripts, 2);
  t.equal(report.stats.symlinks, 2);
  t.match(summarizeReport(report), /^check ok: 0 errors, 0 warnings — 2 ELF objects/);
});

t.test('a library found nowhere is an error', async (t) => {
  const build = join(scratch, 'build-missing');
  await sharedLib(join(build, 'libmissing.so.1'), 'libmissing.so.1', 'int missing(void) { return 1; }\n');
  const dir = await layer(async (d) => {
    await gcc(join(d, 'bin/needs-missing'), 'int missing(void);\nint main(void) { return missing(); }\n', [
      join(build, 'libmissing.so.1'),
    ]);
    // the library is in the layer, but somewhere the loader does not look
    await cp(join(build, 'libmissing.so.1'), join(d, 'share/stray/libmissing.so.1'));
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), ['error:missing-library:/opt/bin/needs-missing']);
  const f = report.findings[0]!;
  t.match(f.message, /needs libmissing\.so\.1/);
  t.match(f.details!.join('\n'), /searched: \/lib64:\/usr\/lib64:.*:\/opt\/lib/);
  t.match(f.details!.join('\n'), /layer has it at \/opt\/share\/stray\/libmissing\.so\.1/);
  t.notOk(report.ok);
});

t.test('a layer library shadowed by a base library of the same soname is a warning naming the winner', async (t) => {
  const dir = await layer(async (d) => {
    await sharedLib(join(d, 'lib/libz.so.1'), 'libz.so.1', 'int zlibVersion_mine(void) { return 2; }\n');
    await gcc(join(d, 'bin/uses-z'), 'int zlibVersion_mine(void);\nint main(void) { return zlibVersion_mine(); }\n', [
      join(d, 'lib/libz.so.1'),
    ]);
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), ['warning:shadowed-library:/opt/lib/libz.so.1']);
  const f = report.findings[0]!;
  t.match(f.message, /shadowed by the base's \/usr\/lib64\/libz\.so\.1/);
  t.match(
    f.details!.join('\n'),
    /\/opt\/bin\/uses-z finds libz\.so\.1 first in \/lib64 \(Lambda's LD_LIBRARY_PATH: \/lib64:\/usr\/lib64/,
  );
  t.ok(report.ok, 'warnings alone pass');
  const strict = await checkLayer(dir, { profile: hostBase, strict: true });
  t.notOk(strict.ok, '--strict fails on warnings');
});

t.test('RUNPATH overridden by LD_LIBRARY_PATH is a warning; DT_RPATH is not', async (t) => {
  const dir = await layer(async (d) => {
    await sharedLib(join(d, 'lib/private/libz.so.1'), 'libz.so.1', 'int z_private(void) { return 3; }\n');
    const src = 'int z_private(void);\nint main(void) { return z_private(); }\n';
    await gcc(join(d, 'bin/runpath'), src, [
      `-L${join(d, 'lib/private')}`,
      '-l:libz.so.1',
      '-Wl,-rpath,$ORIGIN/../lib/private',
      '-Wl,--enable-new-dtags',
    ]);
    await gcc(join(d, 'bin/rpath'), src, [
      `-L${join(d, 'lib/private')}`,
      '-l:libz.so.1',
      '-Wl,-rpath,/opt/lib/private',
      '-Wl,--disable-new-dtags',
    ]);
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), [
    'warning:runpath-overridden:/opt/bin/runpath',
    'warning:shadowed-library:/opt/lib/private/libz.so.1',
  ]);
  const f = report.findings.find((x) => x.code === 'runpath-overridden')!;
  t.match(f.message, /DT_RUNPATH would load \/opt\/lib\/private\/libz\.so\.1 .* loads \/usr\/lib64\/libz\.so\.1/);
  t.match(f.hint!, /--disable-new-dtags/);
});

t.test('a library built on this host needs a newer glibc than AL2 has: error', async (t) => {
  const dir = await layer(async (d) => {
    await sharedLib(
      join(d, 'lib/libnew.so.1'),
      'libnew.so.1',
      '#include <dlfcn.h>\nvoid *open_it(const char *n) { return dlopen(n, RTLD_NOW); }\n',
    );
  });
  const report = await checkLayer(dir, { profile: al2Base });
  t.same(codes(report), ['error:glibc-version:/opt/lib/libnew.so.1']);
  t.match(report.findings[0]!.message, /needs GLIBC_2\.34 \(libc\.so\.6\).*base has glibc 2\.26/);
  const fine = await checkLayer(dir, { profile: hostBase });
  t.same(codes(fine), [], `no error against a base with glibc ${glibc}`);
});

t.test('C++ symbol versions are checked against what the base defines', async (t) => {
  const dir = await layer(async (d) => {
    await gcc(
      join(d, 'bin/cxx'),
      '#include <string>\n#include <iostream>\nint main(){ std::string s("x"); s += "y"; std::cout << s << std::endl; return 0; }\n',
      [],
      'c++',
    );
  });
  const report = await checkLayer(dir, { profile: hostBase });
  const f = report.findings.find((x) => x.code === 'symbol-version');
  t.ok(f, 'GLIBCXX versions newer than the profile lists are an error');
  t.match(f?.message ?? '', /GLIBCXX_3\.4\.\d+ from libstdc\+\+\.so\.6/);
});

t.test('#!/usr/bin/perl with perl only in the layer is an error with the fix', async (t) => {
  const dir = await layer(async (d) => {
    await writeText(join(d, 'bin/perl'), '#!/bin/sh\necho fake perl\n', 0o755);
    await writeText(join(d, 'bin/tool.pl'), '#!/usr/bin/perl -w\nprint "hi\\n";\n', 0o755);
    await writeText(join(d, 'bin/ok.pl'), '#!/usr/bin/env perl\nprint "hi\\n";\n', 0o755);
    await writeText(join(d, 'bin/ok2.pl'), '#!/opt/bin/perl\nprint "hi\\n";\n', 0o755);
    await writeText(join(d, 'bin/nope.py'), '#!/usr/bin/env python3\nprint(1)\n', 0o755);
    await writeText(join(d, 'share/example.pl'), '#!/usr/bin/perl\n# not executable: never run directly\n');
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), [
    'error:missing-script-interpreter:/opt/bin/nope.py',
    'error:missing-script-interpreter:/opt/bin/tool.pl',
  ]);
  const perl = report.findings.find((f) => f.file === '/opt/bin/tool.pl')!;
  t.match(perl.message, /\/usr\/bin\/perl .* does not exist on Lambda/);
  t.equal(perl.hint, "use #!/usr/bin/env perl (Lambda's PATH includes /opt/bin) or #!/opt/bin/perl");
});

t.test('a path compiled into a binary that exists nowhere is a warning, grouped per file and capped', async (t) => {
  const dir = await layer(async (d) => {
    await gcc(
      join(d, 'bin/datafile'),
      '#include <stdio.h>\nint main(void) { FILE *f = fopen("/usr/share/foo/data.txt", "r"); puts("/etc/passwd"); return f == 0; }\n',
    );
    const many = Array.from({ length: 8 }, (_, i) => `/usr/lib/nothing${i}/x`).join('\n');
    await writeText(join(d, 'etc/many.conf'), many + '\n');
    await writeText(join(d, 'share/doc/README'), 'ignored: /usr/share/doc/never\n');
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), ['warning:hardcoded-path:/opt/bin/datafile', 'warning:hardcoded-path:/opt/etc/many.conf']);
  t.match(
    report.findings.find((f) => f.file === '/opt/bin/datafile')!.message,
    /a path that will not exist on Lambda: \/usr\/share\/foo\/data\.txt$/,
  );
  t.match(report.findings.find((f) => f.file === '/opt/etc/many.conf')!.message, /8 paths .* \(3 more\)$/);
  const capped = await checkLayer(dir, { profile: hostBase, maxPathFiles: 1 });
  t.equal(capped.findings.filter((f) => f.code === 'hardcoded-path').length, 2, 'one listed, one "more files" line');
});

t.test('a missing program interpreter is an error', async (t) => {
  const dir = await layer(async (d) => {
    await gcc(join(d, 'bin/odd-interp'), 'int main(void) { return 0; }\n', [
      '-Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1',
    ]);
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), ['error:missing-interpreter:/opt/bin/odd-interp']);
});

t.test('a layer over 250 MB unzipped is an error listing the largest directories', async (t) => {
  const dir = await layer(async (d) => {
    await mkdir(join(d, 'lib/big'), { recursive: true });
    await writeFile(join(d, 'lib/big/blob.bin'), '');
    await truncate(join(d, 'lib/big/blob.bin'), 200 * 1024 * 1024);
    await mkdir(join(d, 'share'), { recursive: true });
    await writeFile(join(d, 'share/more.bin'), '');
    await truncate(join(d, 'share/more.bin'), 60 * 1024 * 1024);
  });
  const report = await checkLayer(dir, { profile: hostBase });
  t.same(codes(report), ['error:size-unzipped']);
  t.match(report.findings[0]!.message, /260 MB unzipped; Lambda allows 250 MB/);
  t.match(
    report.findings[0]!.details!.join('\n'),
    /200 MB\s+\/opt\/lib\n\s+200 MB\s+\/opt\/lib\/big\n\s+60 MB\s+\/opt\/share/,
  );
});

t.test('zips: symlinks kept (yumda zip, zip -y) pass; copies and text files are reported', async (t) => {
  const dir = await layer(cleanLayer);
  const viaYumda = join(scratch, 'yumda.zip');
  await zipLayer(dir, viaYumda);
  const viaZipY = join(scratch, 'zip-y.zip');
  await execa('zip', ['-q', '-r', '-y', viaZipY, '.'], { cwd: dir });
  const viaZipNoY = join(scratch, 'zip-no-y.zip');
  await execa('zip', ['-q', '-r', viaZipNoY, '.'], { cwd: dir });

  for (const z of [viaYumda, viaZipY]) {
    const report = await checkLayer(z, { profile: hostBase });
    t.same(codes(report), [], `${z}: clean`);
    t.equal(report.stats.symlinks, 2, 'symlinks came back as symlinks');
    t.type(report.stats.zippedBytes, 'number');
  }
  const copies = await checkLayer(viaZipNoY, { profile: hostBase });
  t.same(codes(copies), ['warning:zip-symlink-copied']);
  t.match(copies.findings[0]!.details!.join('\n'), /lib\/libhello\.so = libhello\.so\.1 = libhello\.so\.1\.0\.0/);

  // a tool that stores the link target as a small text file
  const asText = join(scratch, 'as-text.zip');
  const zip = new yazl.ZipFile();
  zip.addFile(join(dir, 'lib/libhello.so.1.0.0'), 'lib/libhello.so.1.0.0', { mode: 0o100755 });
  zip.addBuffer(Buffer.from('libhello.so.1.0.0'), 'lib/libhello.so.1', { mode: 0o100644 });
  zip.addFile(join(dir, 'bin/hello'), 'bin/hello', { mode: 0o100755 });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(asText));
  const text = await checkLayer(asText, { profile: hostBase });
  t.ok(codes(text).includes('error:zip-symlink-as-text:/opt/lib/libhello.so.1'), codes(text).join(', '));
});

t.test('a zip over 50 MB is a warning', async (t) => {
  const dir = await layer(async (d) => {
    await mkdir(join(d, 'share'), { recursive: true });
    await writeFile(join(d, 'share/zeros.bin'), '');
    await truncate(join(d, 'share/zeros.bin'), 51 * 1024 * 1024);
  });
  const z = join(scratch, 'big.zip');
  const result = await zipLayer(dir, z, { compressionLevel: 0 });
  t.match(result.warnings.join('\n'), /over the 50 MB direct-upload limit/);
  const report = await checkLayer(z, { profile: hostBase });
  t.same(codes(report), ['warning:size-zipped']);
  await rm(dir, { recursive: true, force: true });
  await rm(z, { force: true });
});

t.test('the CLI: readable report, --json, exit codes, --strict', async (t) => {
  const profilePath = join(scratch, 'host-profile.json');
  await writeFile(profilePath, JSON.stringify(hostBase));
  t.equal(loadProfile(profilePath).glibc.version, glibc, 'the test profile passes the schema');
  const clean = await layer(cleanLayer);
  const broken = await layer(async (d) => {
    await cleanLayer(d);
    await rm(join(d, 'lib/libhello.so.1'));
    await sharedLib(join(d, 'lib/libz.so.1'), 'libz.so.1', HELLO_LIB);
  });
  const warnOnly = await layer(async (d) => {
    await cleanLayer(d);
    await sharedLib(join(d, 'lib/libz.so.1'), 'libz.so.1', HELLO_LIB);
  });
  // the CLI processes are independent: run them together
  const [ok, text, json, strict, missing] = await Promise.all([
    yumda(['check', clean, '--base', profilePath]),
    yumda(['check', broken, '--base', profilePath]),
    yumda(['check', broken, '--base', profilePath, '--json']),
    yumda(['check', warnOnly, '--base', profilePath, '--strict']),
    yumda(['check', join(scratch, 'nope'), '--base', profilePath]),
  ]);
  t.equal(ok.exitCode, 0, ok.stderr);
  t.match(ok.stdout, /check ok: 0 errors, 0 warnings/);
  t.equal(text.exitCode, 5, 'errors: exit 5');
  t.match(text.stdout, /ERRORS \(1\)\n {2}error: \/opt\/bin\/hello: needs libhello\.so\.1/);
  t.match(text.stdout, /WARNINGS \(1\)\n {2}warning: \/opt\/lib\/libz\.so\.1: is shadowed/);
  const report = JSON.parse(json.stdout) as CheckReport;
  t.equal(report.errors, 1);
  t.equal(report.warnings, 1);
  t.equal(json.exitCode, 5);
  t.equal(strict.exitCode, 5, 'warnings fail with --strict');
  t.equal(missing.exitCode, 1);
  t.match(missing.stderr, /does not exist/);
});

t.test('against the shipped AL2 profile', async (t) => {
  const al2 = loadProfile('al2');
  const dir = await layer(cleanLayer);
  const report = await checkLayer(dir, { profile: al2 });
  // host-built: GLIBC_2.34 is more than AL2's 2.26, and that is all that is wrong
  t.same([...new Set(report.findings.map((f) => f.code))], ['glibc-version'], codes(report).join(', '));
  const shadow = await layer(async (d) => {
    await sharedLib(join(d, 'lib/libz.so.1'), 'libz.so.1', HELLO_LIB);
    await writeText(join(d, 'bin/tool.pl'), '#!/usr/bin/perl\n', 0o755);
    await writeText(join(d, 'bin/ok.sh'), '#!/bin/sh\n', 0o755);
    await writeText(join(d, 'bin/ok.bash'), '#!/usr/bin/env bash\n', 0o755);
  });
  const r2 = await checkLayer(shadow, { profile: al2 });
  t.ok(codes(r2).includes('warning:shadowed-library:/opt/lib/libz.so.1'), codes(r2).join(', '));
  t.ok(codes(r2).includes('error:missing-script-interpreter:/opt/bin/tool.pl'));
  t.notOk(
    codes(r2).some((c) => c.includes('ok.sh') || c.includes('ok.bash')),
    '/bin/sh and env bash exist on AL2',
  );
});
