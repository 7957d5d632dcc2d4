/**
 * Benchmark for `yumda check`: a layer of 2,000 files of which 200 are ELF objects (100 programs
 * from the host's /usr/bin, 100 shared libraries from /usr/lib/x86_64-linux-gnu, chosen
 * deterministically), checked by the library call and by the CLI, against running `ldd` over the
 * same 200 objects one after the other (with LD_LIBRARY_PATH pointing at the layer's lib/).
 *
 *   npm run build && node dist/scripts/bench/check.js [--base al2] [--runs 3] [--keep]
 */
import { execa } from 'execa';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../../src/config/profile.js';
import { checkLayer } from '../../src/layer/check.js';
import { projectPath } from '../../src/util/paths.js';
import { median, option } from './common.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => option(name, fallback, args);
const base = opt('--base', 'al2');
const runs = Number(opt('--runs', '3'));
const keep = args.includes('--keep');

function elfFiles(
  dir: string,
  limit: number,
  maxSize: number,
  accept: (name: string) => boolean = () => true,
): string[] {
  const head = Buffer.alloc(4);
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!accept(name)) continue;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size > maxSize || st.size < 1024) continue;
    const fd = openSync(p, 'r');
    const n = readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    if (n === 4 && head.toString('latin1') === '\x7fELF') out.push(p);
    if (out.length >= limit) break;
  }
  return out;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

const layer = await mkdtemp(join(tmpdir(), 'yumda-bench-check-'));
const programs = elfFiles('/usr/bin', 100, 4 * 1024 * 1024);
const libraries = elfFiles('/usr/lib/x86_64-linux-gnu', 100, 4 * 1024 * 1024, (n) => /\.so(\.|$)/.test(n));
for (const p of programs) await copyFile(p, join(await ensure(join(layer, 'bin')), p.split('/').pop()!));
for (const p of libraries) await copyFile(p, join(await ensure(join(layer, 'lib')), p.split('/').pop()!));
const elfCount = programs.length + libraries.length;
let files = elfCount;
for (let i = 0; files < 2000; i++, files++) {
  const dir = await ensure(join(layer, 'share', 'data', String(i % 40)));
  const body =
    i % 10 === 0
      ? `path=/opt/share/data/${i}\nlog=/tmp/x.log\nmissing=/usr/share/bench-${i}\n`
      : `line ${i}\n`.repeat(20);
  await writeFile(join(dir, `file-${i}.txt`), body);
}

async function ensure(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

const objects = [
  ...programs.map((p) => join(layer, 'bin', p.split('/').pop()!)),
  ...libraries.map((p) => join(layer, 'lib', p.split('/').pop()!)),
];
const libTimes: number[] = [];
const cliTimes: number[] = [];
const lddTimes: number[] = [];
let summary = '';
for (let r = 0; r < runs; r++) {
  const profile = loadProfile(base);
  const lib = await time(() => checkLayer(layer, { profile }));
  libTimes.push(lib.ms);
  summary = `${lib.value.errors} errors, ${lib.value.warnings} warnings over ${lib.value.stats.files} files / ${lib.value.stats.elfObjects} ELF objects`;
  const cli = await time(() =>
    execa(process.execPath, [projectPath('dist/src/cli/main.js'), 'check', layer, '--base', base, '--json'], {
      reject: false,
    }),
  );
  cliTimes.push(cli.ms);
  const ldd = await time(async () => {
    for (const o of objects) await execa('ldd', [o], { reject: false, env: { LD_LIBRARY_PATH: join(layer, 'lib') } });
  });
  lddTimes.push(ldd.ms);
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(
  [
    `layer: ${files} files, ${elfCount} ELF objects (${programs.length} programs, ${libraries.length} libraries) at ${layer}`,
    `base profile: ${base}; result: ${summary}`,
    `runs: ${runs}; load average at end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${(await import('node:os')).cpus().length} CPUs`,
    `checkLayer() (library call):   median ${fmt(median(libTimes))}  [${libTimes.map(fmt).join(', ')}]`,
    `yumda check --json (CLI):      median ${fmt(median(cliTimes))}  [${cliTimes.map(fmt).join(', ')}]`,
    `ldd over the ${objects.length} objects:   median ${fmt(median(lddTimes))}  [${lddTimes.map(fmt).join(', ')}]`,
    `ratio check (library) / ldd: ${(median(libTimes) / median(lddTimes)).toFixed(2)}×`,
  ].join('\n') + '\n',
);
if (!keep) await rm(layer, { recursive: true, force: true });
