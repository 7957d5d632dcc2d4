/**
 * Benchmark: `yumda rpm extract` against `rpm2cpio FILE | cpio -idm` on the same RPMs.
 *
 * Builds (once, cached under $TMPDIR/yumda-bench-extract) two RPMs with rpmbuild from a generated
 * spec: ~35 MB of payload each (a few thousand small text files, some larger binaries-like files,
 * symlinks), one xz- and one gzip-compressed. Then times both extractors, alternating, and prints
 * the median wall times and the ratio yumda / pipeline (target: <= 1.5).
 *
 *   npm run build && node dist/scripts/bench/extract.js [--runs 5]
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectPath } from '../../src/util/paths.js';
import { readRpmInfo } from '../../src/rpm/package.js';
import { extractPackage } from '../../src/rpm/extract.js';
import { median, option } from './common.js';

const RUNS = Number(option('--runs', '5'));
const work = join(tmpdir(), 'yumda-bench-extract');

const SPEC = `
Name:           bench-%{flavor}
Version:        1.0
Release:        1
Summary:        extraction benchmark payload
License:        MIT
BuildArch:      noarch
Prefix:         /opt
%description
Generated at benchmark time.
%install
b=%{buildroot}/opt
mkdir -p $b/share/text $b/lib $b/bin
# 3000 small text files (~6 KB each): many entries, like a real package's share/
for d in $(seq 1 30); do
  mkdir -p $b/share/text/d$d
  for f in $(seq 1 100); do seq $((d * f)) $((d * f + 700)) > $b/share/text/d$d/f$f.txt; done
done
# 12 larger, binary-like files (~1.5 MB each, partly compressible)
for i in $(seq 1 12); do
  head -c 600000 /dev/urandom > $b/lib/lib$i.so
  seq 1 120000 >> $b/lib/lib$i.so
  ln -s lib$i.so $b/lib/lib$i.so.1
done
# a few big text files
for i in $(seq 1 3); do seq 1 300000 | sed 's/$/ benchmark text line/' > $b/share/big$i.txt; done
%files
/opt
`;

async function buildRpm(flavor: string, payload: string): Promise<string> {
  const top = join(work, flavor);
  const rpmDir = join(top, 'RPMS', 'noarch');
  if (existsSync(rpmDir)) {
    const found = (await readdir(rpmDir)).filter((n) => n.endsWith('.rpm'));
    if (found.length === 1) return join(rpmDir, found[0]!);
  }
  await rm(top, { recursive: true, force: true });
  await mkdir(top, { recursive: true });
  const spec = join(top, 'bench.spec');
  await writeFile(spec, SPEC);
  process.stderr.write(`building the ${flavor} RPM (${payload})...\n`);
  await execa(
    'rpmbuild',
    [
      '--define',
      `_topdir ${top}`,
      '--define',
      `flavor ${flavor}`,
      '--define',
      `_binary_payload ${payload}`,
      '--define',
      'debug_package %{nil}',
      '--define',
      '__brp_strip %{nil}',
      '--define',
      '_build_id_links none',
      '--define',
      '__os_install_post %{nil}',
      '-bb',
      '--nodeps',
      spec,
    ],
    { env: { LC_ALL: 'C' } },
  );
  const found = (await readdir(rpmDir)).filter((n) => n.endsWith('.rpm'));
  return join(rpmDir, found[0]!);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const cli = projectPath('dist/src/cli/main.js');
const rpms = [await buildRpm('xz', 'w2.xzdio'), await buildRpm('gzip', 'w6.gzdio')];
let payloadBytes = 0;
for (const rpm of rpms) {
  const info = await readRpmInfo(rpm);
  payloadBytes += info.archiveSize;
  process.stderr.write(
    `${info.name}: ${info.files.length} files, payload ${(info.archiveSize / 1e6).toFixed(1)} MB uncompressed (${info.payloadCompressor}), file ${((await stat(rpm)).size / 1e6).toFixed(1)} MB\n`,
  );
}

const ours: number[] = [];
const library: number[] = [];
const theirs: number[] = [];
const out = join(work, 'out');
for (let run = 0; run < RUNS; run++) {
  for (const order of run % 2 === 0 ? ['yumda', 'cpio', 'library'] : ['library', 'cpio', 'yumda']) {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    if (order === 'yumda') {
      ours.push(
        await timed(async () => {
          for (const rpm of rpms) await execa(process.execPath, [cli, 'rpm', 'extract', rpm, out]);
        }),
      );
    } else if (order === 'library') {
      library.push(
        await timed(async () => {
          for (const rpm of rpms) await extractPackage(rpm, out);
        }),
      );
    } else {
      theirs.push(
        await timed(async () => {
          for (const rpm of rpms)
            await execa('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm], { cwd: out });
        }),
      );
    }
  }
}
await rm(out, { recursive: true, force: true });
const a = median(ours);
const b = median(theirs);
console.log(
  `payload: ${(payloadBytes / 1e6).toFixed(1)} MB uncompressed across ${rpms.length} RPMs (xz, gzip), ${RUNS} runs each`,
);
console.log(`yumda rpm extract:        median ${a.toFixed(0)} ms  (runs: ${ours.map((x) => x.toFixed(0)).join(', ')})`);
const c = median(library);
console.log(
  `extractPackage in-process: median ${c.toFixed(0)} ms  (runs: ${library.map((x) => x.toFixed(0)).join(', ')}; no CLI start-up)`,
);
console.log(
  `rpm2cpio | cpio -idm:     median ${b.toFixed(0)} ms  (runs: ${theirs.map((x) => x.toFixed(0)).join(', ')})`,
);
console.log(`ratio yumda / pipeline:   ${(a / b).toFixed(2)}  (target <= 1.5)`);
console.log(`ratio in-process / pipeline: ${(c / b).toFixed(2)}`);
