/**
 * The ELF reader against binutils' readelf on every ELF file of the host's /usr/bin and
 * /usr/lib/x86_64-linux-gnu (recursively): needed, soname, rpath, runpath, version needs and
 * version definitions. readelf runs on batches of files (a bounded number of processes). The two
 * largest files (>50 MB, libLLVM) take readelf -V ~10 s to print their symbol-version tables, so
 * their version data is compared with `objdump -p` instead; their dynamic section still with readelf -d.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bufferSource, ElfFormatError, parseElf, readElfFile, type ElfInfo } from '../../src/layer/elf.js';

interface Expected {
  needed: string[];
  soname: string | null;
  rpath: string | null;
  runpath: string | null;
  verneed: string[];
  verdef: string[];
}

function listElfFiles(roots: string[]): string[] {
  const out: string[] = [];
  const head = Buffer.alloc(4);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        let fd: number;
        try {
          fd = openSync(p, 'r');
        } catch {
          continue;
        }
        const n = readSync(fd, head, 0, 4, 0);
        closeSync(fd);
        if (n === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) out.push(p);
      }
    }
  };
  for (const r of roots) if (existsSync(r)) walk(r);
  return out.sort();
}

function blank(): Expected {
  return { needed: [], soname: null, rpath: null, runpath: null, verneed: [], verdef: [] };
}

/** Splits multi-file readelf/objdump output into per-file chunks keyed by path. */
function chunks(output: string, header: RegExp): Map<string, string> {
  const map = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  for (const line of output.split('\n')) {
    const m = header.exec(line);
    if (m) {
      if (current) map.set(current, lines.join('\n'));
      current = m[1]!;
      lines = [];
    } else lines.push(line);
  }
  if (current) map.set(current, lines.join('\n'));
  return map;
}

function parseReadelfD(text: string, e: Expected): void {
  for (const line of text.split('\n')) {
    let m = /\(NEEDED\)\s+Shared library: \[(.*)\]$/.exec(line);
    if (m) e.needed.push(m[1]!);
    m = /\(SONAME\)\s+Library soname: \[(.*)\]$/.exec(line);
    if (m) e.soname = m[1]!;
    m = /\(RPATH\)\s+Library rpath: \[(.*)\]$/.exec(line);
    if (m) e.rpath = m[1]!;
    m = /\(RUNPATH\)\s+Library runpath: \[(.*)\]$/.exec(line);
    if (m) e.runpath = m[1]!;
  }
}

function parseReadelfV(text: string, e: Expected): void {
  let section: 'needs' | 'defs' | null = null;
  let file = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('Version needs section')) section = 'needs';
    else if (line.startsWith('Version definition section')) section = 'defs';
    else if (line.startsWith('Version symbols section')) section = null;
    if (section === 'needs') {
      const f = /^\s+[0-9a-fx]+: Version: \d+\s+File: (\S+)\s+Cnt:/.exec(line);
      if (f) file = f[1]!;
      const n = /^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags: (.*?)\s+Version:/.exec(line);
      if (n) e.verneed.push(`${file}:${n[1]}${/WEAK/.test(n[2]!) ? ' (weak)' : ''}`);
    } else if (section === 'defs') {
      const d = /^\s+[0-9a-fx]+: Rev: \d+\s+Flags: (.*?)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)/.exec(line);
      if (d && !/BASE/.test(d[1]!)) e.verdef.push(d[2]!);
    }
  }
}

function parseObjdumpVersions(text: string, e: Expected): void {
  let section: 'needs' | 'defs' | null = null;
  let file = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('Version References:')) section = 'needs';
    else if (line.startsWith('Version definitions:')) section = 'defs';
    else if (/^[A-Z].*:$/.test(line)) section = null;
    if (section === 'needs') {
      const f = /^\s+required from (\S+):$/.exec(line);
      if (f) file = f[1]!;
      const n = /^\s+0x[0-9a-f]+ 0x([0-9a-f]+) \d+ (\S+)$/.exec(line);
      if (n) e.verneed.push(`${file}:${n[2]}${(parseInt(n[1]!, 16) & 2) !== 0 ? ' (weak)' : ''}`);
    } else if (section === 'defs') {
      const d = /^\d+ 0x([0-9a-f]+) 0x[0-9a-f]+ (\S+)$/.exec(line);
      if (d && (parseInt(d[1]!, 16) & 1) === 0) e.verdef.push(d[2]!);
    }
  }
}

function actual(info: ElfInfo): Expected {
  return {
    needed: info.needed,
    soname: info.soname,
    rpath: info.hasRpath ? info.rpath.join(':') : null,
    runpath: info.hasRunpath ? info.runpath.join(':') : null,
    verneed: info.verneed.flatMap((n) => n.versions.map((v) => `${n.file}:${v.name}${v.weak ? ' (weak)' : ''}`)),
    verdef: info.verdef,
  };
}

async function batched(cmd: string, args: string[], files: string[], size: number): Promise<string> {
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += size) batches.push(files.slice(i, i + size));
  const outputs: string[] = [];
  // two processes at a time
  for (let i = 0; i < batches.length; i += 2) {
    const rs = await Promise.all(
      batches
        .slice(i, i + 2)
        .map((b) => execa(cmd, [...args, ...b], { reject: false, env: { LC_ALL: 'C' }, maxBuffer: 1 << 30 })),
    );
    for (const r of rs) outputs.push(String(r.stdout));
  }
  return outputs.join('\n');
}

t.test('agrees with readelf on every host ELF in /usr/bin and /usr/lib/x86_64-linux-gnu', async (t) => {
  const files = listElfFiles(['/usr/bin', '/usr/lib/x86_64-linux-gnu']);
  // a Debian host always has them: finding none means the listing is broken, not that there is nothing to compare
  if (files.length === 0) {
    t.fail('no ELF files found under /usr/bin or /usr/lib/x86_64-linux-gnu');
    return;
  }
  const huge = new Set(files.filter((f) => statSync(f).size > 50 * 1024 * 1024));
  const normal = files.filter((f) => !huge.has(f));
  const header = /^File: (.+)$/;
  const [dOut, vOut, oOut] = [
    await batched('readelf', ['-d', '-W'], files, 400),
    await batched('readelf', ['-V', '-W'], normal, 200),
    huge.size ? await batched('objdump', ['-p'], [...huge], 10) : '',
  ];
  const dChunks = chunks(dOut, header);
  const vChunks = chunks(vOut, header);
  const oChunks = chunks(oOut, /^(\/\S+):\s+file format /);

  let compared = 0;
  const mismatches: string[] = [];
  const started = Date.now();
  let parseMs = 0;
  for (const file of files) {
    const expected = blank();
    parseReadelfD(dChunks.get(file) ?? '', expected);
    if (huge.has(file)) parseObjdumpVersions(oChunks.get(file) ?? '', expected);
    else parseReadelfV(vChunks.get(file) ?? '', expected);
    let got: Expected;
    const t0 = Date.now();
    try {
      got = actual(readElfFile(file));
    } catch (e) {
      mismatches.push(`${file}: threw ${(e as Error).message}`);
      continue;
    }
    parseMs += Date.now() - t0;
    const a = JSON.stringify(got);
    const b = JSON.stringify(expected);
    if (a !== b) mismatches.push(`${file}:\n  ours    ${a}\n  readelf ${b}`);
    compared++;
  }
  t.ok(dChunks.size >= files.length * 0.99, `readelf -d answered for ${dChunks.size} of ${files.length} files`);
  t.same(mismatches.slice(0, 10), [], `${compared} ELF files agree (${mismatches.length} mismatches)`);
  t.ok(compared > 100, `compared ${compared} files (parse time ${parseMs} ms, loop ${Date.now() - started} ms)`);
  // make sure the comparison is not vacuous
  const withVersions = files.filter((f) => (vChunks.get(f) ?? '').includes('Version needs section')).length;
  t.ok(withVersions > 50, `${withVersions} files carry version needs`);
});

t.test('corrupt input raises ElfFormatError, never crashes', async (t) => {
  const sample = readElfFileBytes('/usr/bin/ls') ?? readElfFileBytes(process.execPath);
  if (!sample) {
    t.fail('neither /usr/bin/ls nor the node binary reads as ELF');
    return;
  }
  t.throws(() => parseElf(bufferSource(Buffer.from('hello'))), ElfFormatError);
  t.throws(() => parseElf(bufferSource(Buffer.from('#!/bin/sh\necho hi\n'))), ElfFormatError);
  // truncations at every interesting length
  for (const len of [16, 40, 64, 100, 500, 4096, Math.floor(sample.length / 2)]) {
    try {
      parseElf(bufferSource(sample.subarray(0, len)));
    } catch (e) {
      t.type(e, ElfFormatError, `truncated to ${len}: ${(e as Error).message}`);
    }
  }
  // deterministic byte garbage in the headers and dynamic data
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  let errors = 0;
  for (let i = 0; i < 2000; i++) {
    const copy = Buffer.from(sample.subarray(0, Math.min(sample.length, 64 * 1024)));
    for (let k = 0; k < 8; k++) copy[16 + (rand() % Math.min(copy.length - 16, 16 * 1024))] = rand() & 0xff;
    try {
      parseElf(bufferSource(copy));
    } catch (e) {
      if (!(e instanceof ElfFormatError)) {
        t.fail(`mutation ${i} threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
        return;
      }
      errors++;
    }
  }
  t.pass(`2000 mutated headers parsed or rejected cleanly (${errors} rejected)`);
});

t.test('reads 32-bit and big-endian objects built from scratch', async (t) => {
  for (const bits of [32, 64] as const) {
    for (const endian of ['little', 'big'] as const) {
      const buf = synthesizeElf(bits, endian);
      const info = parseElf(bufferSource(buf));
      t.equal(info.bits, bits);
      t.equal(info.endian, endian);
      t.same(info.needed, ['libfoo.so.1', 'libc.so.6'], `${bits}-bit ${endian}: needed`);
      t.equal(info.soname, 'libbar.so.2');
      t.same(info.runpath, ['$ORIGIN/../lib', '/opt/lib']);
      t.equal(info.interpreter, '/lib/ld.so.1');
      t.same(info.verneed, [
        {
          file: 'libc.so.6',
          versions: [
            { name: 'GLIBC_2.34', weak: false },
            { name: 'GLIBC_2.2', weak: true },
          ],
        },
      ]);
    }
  }
});

function readElfFileBytes(path: string): Buffer | null {
  try {
    const fd = openSync(path, 'r');
    const size = statSync(path).size;
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    closeSync(fd);
    return buf;
  } catch {
    return null;
  }
}

/** A minimal ELF (header, PT_LOAD, PT_INTERP, PT_DYNAMIC, dynstr, verneed) in any class/byte order. */
function synthesizeElf(bits: 32 | 64, endian: 'little' | 'big'): Buffer {
  const le = endian === 'little';
  const buf = Buffer.alloc(4096);
  const w16 = (o: number, v: number): void => void (le ? buf.writeUInt16LE(v, o) : buf.writeUInt16BE(v, o));
  const w32 = (o: number, v: number): void => void (le ? buf.writeUInt32LE(v, o) : buf.writeUInt32BE(v, o));
  const word = (o: number, v: number): void => {
    if (bits === 32) w32(o, v);
    else if (le) buf.writeBigUInt64LE(BigInt(v), o);
    else buf.writeBigUInt64BE(BigInt(v), o);
  };
  const strings = ['', 'libfoo.so.1', 'libc.so.6', 'libbar.so.2', '$ORIGIN/../lib:/opt/lib', 'GLIBC_2.34', 'GLIBC_2.2'];
  const strOff: Record<string, number> = {};
  const strtabAt = 0x400;
  let p = strtabAt;
  for (const s of strings) {
    strOff[s] = p - strtabAt;
    buf.write(s + '\0', p, 'latin1');
    p += s.length + 1;
  }
  const strsz = p - strtabAt;
  const interpAt = 0x300;
  buf.write('/lib/ld.so.1\0', interpAt, 'latin1');
  const verneedAt = 0x600;
  // Elf_Verneed + 2 Elf_Vernaux
  w16(verneedAt, 1);
  w16(verneedAt + 2, 2);
  w32(verneedAt + 4, strOff['libc.so.6']!);
  w32(verneedAt + 8, 16);
  w32(verneedAt + 12, 0);
  const aux1 = verneedAt + 16;
  w32(aux1, 0);
  w16(aux1 + 4, 0);
  w16(aux1 + 6, 3);
  w32(aux1 + 8, strOff['GLIBC_2.34']!);
  w32(aux1 + 12, 16);
  const aux2 = aux1 + 16;
  w16(aux2 + 4, 2); // VER_FLG_WEAK
  w16(aux2 + 6, 2);
  w32(aux2 + 8, strOff['GLIBC_2.2']!);
  w32(aux2 + 12, 0);
  const dynAt = 0x800;
  const dyn: [number, number][] = [
    [1, strOff['libfoo.so.1']!],
    [1, strOff['libc.so.6']!],
    [14, strOff['libbar.so.2']!],
    [29, strOff['$ORIGIN/../lib:/opt/lib']!],
    [5, strtabAt],
    [10, strsz],
    [0x6ffffffe, verneedAt],
    [0x6fffffff, 1],
    [0, 0],
  ];
  const ent = bits === 32 ? 8 : 16;
  dyn.forEach(([tag, val], i) => {
    word(dynAt + i * ent, tag);
    word(dynAt + i * ent + ent / 2, val);
  });
  // ELF header
  buf.set([0x7f, 0x45, 0x4c, 0x46, bits === 32 ? 1 : 2, le ? 1 : 2, 1], 0);
  w16(16, 3); // ET_DYN
  w16(18, bits === 32 ? 20 : 43);
  const phoff = bits === 32 ? 52 : 64;
  const phent = bits === 32 ? 32 : 56;
  word(bits === 32 ? 28 : 32, phoff);
  w16(bits === 32 ? 42 : 54, phent);
  w16(bits === 32 ? 44 : 56, 3);
  const phdr = (i: number, type: number, offset: number, size: number): void => {
    const o = phoff + i * phent;
    w32(o, type);
    if (bits === 32) {
      w32(o + 4, offset);
      w32(o + 8, offset);
      w32(o + 16, size);
    } else {
      word(o + 8, offset);
      word(o + 16, offset);
      word(o + 32, size);
    }
  };
  phdr(0, 1, 0, buf.length); // PT_LOAD identity-mapped
  phdr(1, 3, interpAt, 13); // PT_INTERP
  phdr(2, 2, dynAt, dyn.length * ent); // PT_DYNAMIC
  return buf;
}
