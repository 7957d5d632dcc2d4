/**
 * A small ELF reader: just what `yumda check` needs to predict what the dynamic loader will do
 * (interpreter, DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH, symbol version needs and definitions),
 * plus access to the read-only string data for hardcoded-path scanning.
 *
 * It reads through a ByteSource (random access), so only headers, the dynamic segment, the
 * dynamic string table and the version tables are read, never the whole file. Every offset and
 * count is bounds-checked: corrupt input raises ElfFormatError, never a RangeError or a hang.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { YumdaError } from '../util/errors.js';

export class ElfFormatError extends YumdaError {
  constructor(message: string) {
    super('ELF_CORRUPT', message);
    this.name = 'ElfFormatError';
  }
}

/** Random access to the bytes of a file (or a buffer). */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; throws ElfFormatError when out of range. */
  read(offset: number, length: number): Buffer;
}

export function bufferSource(data: Uint8Array): ByteSource {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    size: buf.length,
    read(offset, length) {
      checkRange(offset, length, buf.length);
      return buf.subarray(offset, offset + length);
    },
  };
}

function checkRange(offset: number, length: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new ElfFormatError(`truncated or corrupt: wants bytes ${offset}..${offset + length} of a ${size}-byte file`);
  }
}

/** Runs fn with a ByteSource over an open file descriptor; the file is closed afterwards. */
export function withFileSource<T>(path: string, fn: (source: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const source: ByteSource = {
      size,
      read(offset, length) {
        checkRange(offset, length, size);
        const out = Buffer.allocUnsafe(length);
        let done = 0;
        while (done < length) {
          const n = readSync(fd, out, done, length - done, offset + done);
          if (n === 0) throw new ElfFormatError(`file shrank while reading ${path}`);
          done += n;
        }
        return out;
      },
    };
    return fn(source);
  } finally {
    closeSync(fd);
  }
}

export function isElfMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

export type ElfType = 'none' | 'rel' | 'exec' | 'dyn' | 'core' | 'other';

/**
 * The e_machine of an ELF file the loader would run or load (ET_EXEC, ET_DYN), from its first 20
 * bytes; null for anything else. Relocatable objects are left out on purpose: packages ship them as
 * data for other machines (eBPF programs, firmware, test inputs), and nothing on Lambda loads them.
 */
export function loadableElfMachine(head: Uint8Array): number | null {
  if (head.length < 20 || !isElfMagic(head)) return null;
  const data = head[5];
  const u16 = (at: number): number | null =>
    data === 1 ? head[at]! | (head[at + 1]! << 8) : data === 2 ? (head[at]! << 8) | head[at + 1]! : null;
  const type = u16(16);
  if (type !== 2 && type !== 3) return null;
  return u16(18);
}

/** loadableElfMachine of the file at `path` (null when it is not one, or shorter than an ELF header). */
export function loadableElfMachineOfFile(path: string): number | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(20);
    const n = readSync(fd, head, 0, 20, 0);
    return loadableElfMachine(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

export interface VersionNeed {
  /** The needed file the versions are expected from (vn_file), e.g. "libc.so.6". */
  file: string;
  versions: { name: string; weak: boolean }[];
}

export interface ElfInfo {
  bits: 32 | 64;
  endian: 'little' | 'big';
  type: ElfType;
  machine: number;
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2 */
  interpreter: string | null;
  needed: string[];
  soname: string | null;
  /** DT_RPATH split on ':' (empty when absent). */
  rpath: string[];
  /** DT_RUNPATH split on ':' (empty when absent). */
  runpath: string[];
  /** Has DT_RPATH/DT_RUNPATH at all (an empty string entry still counts). */
  hasRpath: boolean;
  hasRunpath: boolean;
  /** DF_1_PIE set, or an interpreter: a program rather than a library. */
  pie: boolean;
  verneed: VersionNeed[];
  /** Version names this object defines (verdef), without the base entry (the soname). */
  verdef: string[];
  /** Sections (when section headers exist): name, file offset, size, type. */
  sections: ElfSection[];
}

export interface ElfSection {
  name: string;
  type: number;
  offset: number;
  size: number;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_NOBITS = 8;
const SHT_DYNAMIC = 6;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;
const DT_VERDEF = 0x6ffffffc;
const DT_VERDEFNUM = 0x6ffffffd;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;
const DF_1_PIE = 0x08000000;
const VER_FLG_BASE = 1;
const VER_FLG_WEAK = 2;
/** Enough for any real file; a loop beyond this means a corrupt or hostile chain. */
const MAX_ENTRIES = 1 << 16;

class Reader {
  constructor(
    readonly source: ByteSource,
    readonly bits: 32 | 64,
    readonly little: boolean,
  ) {}
  u8(b: Buffer, o: number): number {
    return b.readUInt8(o);
  }
  u16(b: Buffer, o: number): number {
    return this.little ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.little ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  /** A native-width word (address/offset/size); must fit in a JS number. */
  word(b: Buffer, o: number): number {
    if (this.bits === 32) return this.u32(b, o);
    const v = this.little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER; // fails range checks later
    return Number(v);
  }
  /** Signed native-width word, used for d_tag (DT_* values above 2^31 are fine unsigned). */
  tag(b: Buffer, o: number): number {
    if (this.bits === 32) return this.u32(b, o);
    const v = this.little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    return v > 0xffffffffn ? -1 : Number(v);
  }
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** Reads the NUL-terminated string at `offset` of a string table held in `table`. */
function tableString(table: Buffer, offset: number): string {
  if (offset >= table.length)
    throw new ElfFormatError(`string offset ${offset} outside a ${table.length}-byte string table`);
  let end = table.indexOf(0, offset);
  if (end < 0) end = table.length;
  return table.toString('utf8', offset, end);
}

function splitPath(value: string): string[] {
  return value === '' ? [] : value.split(':');
}

/** Parses an ELF file's dynamic-linking information. Throws ElfFormatError on anything malformed. */
export function parseElf(source: ByteSource): ElfInfo {
  if (source.size < 16) throw new ElfFormatError('too short to be an ELF file');
  const ident = source.read(0, 16);
  if (!isElfMagic(ident)) throw new ElfFormatError('not an ELF file (bad magic)');
  const cls = ident[4];
  const data = ident[5];
  if (cls !== 1 && cls !== 2) throw new ElfFormatError(`unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw new ElfFormatError(`unknown ELF data encoding ${data}`);
  const r = new Reader(source, cls === 1 ? 32 : 64, data === 1);
  const ehSize = r.bits === 32 ? 52 : 64;
  const eh = source.read(0, ehSize);
  const eType = r.u16(eh, 16);
  const machine = r.u16(eh, 18);
  const phoff = r.word(eh, r.bits === 32 ? 28 : 32);
  const shoff = r.word(eh, r.bits === 32 ? 32 : 40);
  const phentsize = r.u16(eh, r.bits === 32 ? 42 : 54);
  const phnum = r.u16(eh, r.bits === 32 ? 44 : 56);
  const shentsize = r.u16(eh, r.bits === 32 ? 46 : 58);
  let shnum = r.u16(eh, r.bits === 32 ? 48 : 60);
  let shstrndx = r.u16(eh, r.bits === 32 ? 50 : 62);

  // program headers
  const segments: Segment[] = [];
  if (phnum > 0 && phoff > 0) {
    const minPh = r.bits === 32 ? 32 : 56;
    if (phentsize < minPh) throw new ElfFormatError(`program header entry size ${phentsize} is too small`);
    const table = source.read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (r.bits === 32) {
        segments.push({
          type: r.u32(table, o),
          offset: r.u32(table, o + 4),
          vaddr: r.u32(table, o + 8),
          filesz: r.u32(table, o + 16),
        });
      } else {
        segments.push({
          type: r.u32(table, o),
          offset: r.word(table, o + 8),
          vaddr: r.word(table, o + 16),
          filesz: r.word(table, o + 32),
        });
      }
    }
  }

  // section headers (optional: stripped or sstripped files may have none)
  const sections: ElfSection[] = [];
  const rawSections: { nameOff: number; type: number; offset: number; size: number; link: number }[] = [];
  if (shoff > 0 && shentsize > 0) {
    const minSh = r.bits === 32 ? 40 : 64;
    if (shentsize < minSh) throw new ElfFormatError(`section header entry size ${shentsize} is too small`);
    if (shnum === 0 || shstrndx === 0xffff) {
      // extended numbering: the real counts live in section 0
      const s0 = source.read(shoff, shentsize);
      if (shnum === 0) shnum = r.bits === 32 ? r.u32(s0, 20) : r.word(s0, 32);
      if (shstrndx === 0xffff) shstrndx = r.u32(s0, r.bits === 32 ? 24 : 40);
    }
    if (shnum > MAX_ENTRIES) throw new ElfFormatError(`implausible section count ${shnum}`);
    const table = shnum > 0 ? source.read(shoff, shentsize * shnum) : Buffer.alloc(0);
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      if (r.bits === 32) {
        rawSections.push({
          nameOff: r.u32(table, o),
          type: r.u32(table, o + 4),
          offset: r.u32(table, o + 16),
          size: r.u32(table, o + 20),
          link: r.u32(table, o + 24),
        });
      } else {
        rawSections.push({
          nameOff: r.u32(table, o),
          type: r.u32(table, o + 4),
          offset: r.word(table, o + 24),
          size: r.word(table, o + 32),
          link: r.u32(table, o + 40),
        });
      }
    }
    const strSec = rawSections[shstrndx];
    let names: Buffer | null = null;
    if (strSec && strSec.type !== SHT_NOBITS && strSec.size > 0) names = source.read(strSec.offset, strSec.size);
    for (const s of rawSections) {
      const name = names && s.nameOff < names.length ? tableString(names, s.nameOff) : '';
      sections.push({ name, type: s.type, offset: s.offset, size: s.type === SHT_NOBITS ? 0 : s.size });
    }
  }

  const loads = segments.filter((s) => s.type === PT_LOAD);
  const vaddrToOffset = (vaddr: number): number => {
    for (const s of loads) {
      if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return s.offset + (vaddr - s.vaddr);
    }
    // objects without PT_LOAD (e.g. relocatable) or with addresses equal to offsets
    if (loads.length === 0) return vaddr;
    throw new ElfFormatError(`address 0x${vaddr.toString(16)} is not in any loaded segment`);
  };

  let interpreter: string | null = null;
  const interpSeg = segments.find((s) => s.type === PT_INTERP);
  if (interpSeg) {
    const raw = source.read(interpSeg.offset, Math.min(interpSeg.filesz, 4096));
    const end = raw.indexOf(0);
    interpreter = raw.toString('utf8', 0, end < 0 ? raw.length : end);
  }

  // dynamic section: PT_DYNAMIC, else the SHT_DYNAMIC section
  let dynOffset = -1;
  let dynSize = 0;
  const dynSeg = segments.find((s) => s.type === PT_DYNAMIC);
  const dynSec = rawSections.find((s) => s.type === SHT_DYNAMIC);
  if (dynSeg) {
    dynOffset = dynSeg.offset;
    dynSize = dynSeg.filesz;
  } else if (dynSec) {
    dynOffset = dynSec.offset;
    dynSize = dynSec.size;
  }

  const info: ElfInfo = {
    bits: r.bits,
    endian: r.little ? 'little' : 'big',
    type: (['none', 'rel', 'exec', 'dyn', 'core'] as const)[eType] ?? 'other',
    machine,
    interpreter,
    needed: [],
    soname: null,
    rpath: [],
    runpath: [],
    hasRpath: false,
    hasRunpath: false,
    pie: false,
    verneed: [],
    verdef: [],
    sections,
  };
  if (dynOffset < 0 || dynSize === 0) {
    info.pie = interpreter !== null;
    return info;
  }

  const entSize = r.bits === 32 ? 8 : 16;
  const count = Math.min(Math.floor(dynSize / entSize), MAX_ENTRIES);
  const dyn = source.read(dynOffset, count * entSize);
  const entries: { tag: number; val: number }[] = [];
  for (let i = 0; i < count; i++) {
    const tag = r.tag(dyn, i * entSize);
    if (tag === DT_NULL) break;
    entries.push({ tag, val: r.word(dyn, i * entSize + entSize / 2) });
  }
  const one = (tag: number): number | undefined => entries.find((e) => e.tag === tag)?.val;

  const strtabAddr = one(DT_STRTAB);
  let strtab: Buffer | null = null;
  if (strtabAddr !== undefined) {
    const strsz = one(DT_STRSZ);
    const off = vaddrToOffset(strtabAddr);
    // DT_STRSZ is mandatory with DT_STRTAB, but be lenient: fall back to the linked section's size
    const size = strsz ?? (dynSec ? rawSections[dynSec.link]?.size : undefined) ?? 0;
    strtab = source.read(off, Math.min(size, source.size - off));
  } else if (dynSec && rawSections[dynSec.link]) {
    const link = rawSections[dynSec.link]!;
    strtab = source.read(link.offset, link.size);
  }
  const str = (offset: number): string => {
    if (!strtab) throw new ElfFormatError('dynamic section has strings but no string table');
    return tableString(strtab, offset);
  };

  let flags1 = 0;
  for (const e of entries) {
    switch (e.tag) {
      case DT_NEEDED:
        info.needed.push(str(e.val));
        break;
      case DT_SONAME:
        info.soname = str(e.val);
        break;
      case DT_RPATH:
        info.hasRpath = true;
        info.rpath.push(...splitPath(str(e.val)));
        break;
      case DT_RUNPATH:
        info.hasRunpath = true;
        info.runpath.push(...splitPath(str(e.val)));
        break;
      case DT_FLAGS_1:
        flags1 = e.val;
        break;
    }
  }
  info.pie = (flags1 & DF_1_PIE) !== 0 || interpreter !== null;

  const verneedAddr = one(DT_VERNEED);
  const verneedNum = one(DT_VERNEEDNUM) ?? 0;
  if (verneedAddr !== undefined && verneedNum > 0)
    info.verneed = readVerneed(r, vaddrToOffset(verneedAddr), verneedNum, str);
  const verdefAddr = one(DT_VERDEF);
  const verdefNum = one(DT_VERDEFNUM) ?? 0;
  if (verdefAddr !== undefined && verdefNum > 0) info.verdef = readVerdef(r, vaddrToOffset(verdefAddr), verdefNum, str);
  return info;
}

function readVerneed(r: Reader, start: number, num: number, str: (o: number) => string): VersionNeed[] {
  const out: VersionNeed[] = [];
  let offset = start;
  for (let i = 0; i < Math.min(num, MAX_ENTRIES); i++) {
    const vn = r.source.read(offset, 16);
    const cnt = r.u16(vn, 2);
    const file = str(r.u32(vn, 4));
    const aux = r.u32(vn, 8);
    const next = r.u32(vn, 12);
    const need: VersionNeed = { file, versions: [] };
    let auxOffset = offset + aux;
    for (let j = 0; j < cnt; j++) {
      const a = r.source.read(auxOffset, 16);
      const flags = r.u16(a, 4);
      need.versions.push({ name: str(r.u32(a, 8)), weak: (flags & VER_FLG_WEAK) !== 0 });
      const an = r.u32(a, 12);
      if (an === 0) break;
      auxOffset += an;
    }
    out.push(need);
    if (next === 0) break;
    offset += next;
  }
  return out;
}

function readVerdef(r: Reader, start: number, num: number, str: (o: number) => string): string[] {
  const out: string[] = [];
  let offset = start;
  for (let i = 0; i < Math.min(num, MAX_ENTRIES); i++) {
    const vd = r.source.read(offset, 20);
    const flags = r.u16(vd, 2);
    const cnt = r.u16(vd, 6);
    const aux = r.u32(vd, 12);
    const next = r.u32(vd, 16);
    if (cnt > 0 && (flags & VER_FLG_BASE) === 0) {
      // the first verdaux names the version; later ones name its parents
      const a = r.source.read(offset + aux, 8);
      out.push(str(r.u32(a, 0)));
    }
    if (next === 0) break;
    offset += next;
  }
  return out;
}

/** Parses the ELF file at `path` (reads only what is needed). */
export function readElfFile(path: string): ElfInfo {
  return withFileSource(path, parseElf);
}

/**
 * The printable strings (≥ minLength) of the read-only data sections (.rodata, .data.rel.ro,
 * .data): where compiled-in paths such as "/usr/share/foo" live. At most `maxBytes` are read.
 */
export function readElfStrings(
  source: ByteSource,
  info: ElfInfo,
  options: { minLength?: number; maxBytes?: number } = {},
): string[] {
  const minLength = options.minLength ?? 4;
  let budget = options.maxBytes ?? 16 * 1024 * 1024;
  const out: string[] = [];
  for (const s of info.sections) {
    if (s.name !== '.rodata' && s.name !== '.data' && s.name !== '.data.rel.ro') continue;
    const size = Math.min(s.size, budget, Math.max(0, source.size - s.offset));
    if (size <= 0) continue;
    budget -= size;
    out.push(...printableStrings(source.read(s.offset, size), minLength));
  }
  return out;
}

/** Runs of printable ASCII of at least minLength, like strings(1). */
function printableStrings(buf: Buffer, minLength: number): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= buf.length; i++) {
    const c = i < buf.length ? buf[i]! : 0;
    const printable = (c >= 0x20 && c < 0x7f) || c === 0x09;
    if (printable) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= minLength) out.push(buf.toString('latin1', start, i));
      start = -1;
    }
  }
  return out;
}
