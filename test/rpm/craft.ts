/**
 * Builds RPM files byte by byte for tests that rpmbuild cannot produce: hostile paths, stripped
 * (07070X) payloads with LONGFILESIZES, broken indexes. Follows the layout rpm writes.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface CraftFile {
  path: string;
  mode: number;
  content?: string | Buffer;
  linkto?: string;
  mtime?: number;
  inode?: number;
}

export interface CraftPayloadEntry {
  name: string;
  mode: number;
  data: Buffer;
  ino?: number;
  nlink?: number;
  /** Stripped entry for this header file index instead of a newc header. */
  strippedIndex?: number;
}

export interface CraftOptions {
  files: CraftFile[];
  /** Payload entries; default: one per file, named "." + path. */
  payload?: CraftPayloadEntry[];
  /** rpm's stripped cpio (used when the header has LONGFILESIZES). */
  stripped?: boolean;
  /** Header LONGFILESIZES values to claim (implies LONGFILESIZES instead of FILESIZES). */
  longSizes?: number[];
  /** Add the signature SHA256 header digest and PAYLOADDIGEST (default true). */
  digests?: boolean;
  compressor?: string;
  /** Compress the payload (default gzip). */
  compress?: (cpio: Buffer) => Buffer;
}

type Value = string | string[] | number[] | bigint[] | Buffer;
interface Entry {
  tag: number;
  type: number;
  value: Value;
}

const TYPE = { INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8 } as const;

export function encodeHeader(entries: Entry[]): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const index: Buffer[] = [];
  const store: Buffer[] = [];
  let size = 0;
  for (const e of sorted) {
    const align = e.type === TYPE.INT16 ? 2 : e.type === TYPE.INT32 ? 4 : e.type === TYPE.INT64 ? 8 : 1;
    const pad = (align - (size % align)) % align;
    if (pad) {
      store.push(Buffer.alloc(pad));
      size += pad;
    }
    let data: Buffer;
    let count: number;
    const v = e.value;
    if (e.type === TYPE.STRING) {
      data = Buffer.from(`${v as string}\0`);
      count = 1;
    } else if (e.type === TYPE.STRING_ARRAY) {
      data = Buffer.concat((v as string[]).map((s) => Buffer.from(`${s}\0`)));
      count = (v as string[]).length;
    } else if (e.type === TYPE.BIN) {
      data = v as Buffer;
      count = data.length;
    } else {
      const nums = v as (number | bigint)[];
      const width = e.type === TYPE.INT16 ? 2 : e.type === TYPE.INT32 ? 4 : 8;
      data = Buffer.alloc(nums.length * width);
      nums.forEach((n, i) => {
        if (width === 2) data.writeUInt16BE(Number(n), i * 2);
        else if (width === 4) data.writeUInt32BE(Number(n), i * 4);
        else data.writeBigUInt64BE(BigInt(n), i * 8);
      });
      count = nums.length;
    }
    const idx = Buffer.alloc(16);
    idx.writeUInt32BE(e.tag, 0);
    idx.writeUInt32BE(e.type, 4);
    idx.writeUInt32BE(size, 8);
    idx.writeUInt32BE(count, 12);
    index.push(idx);
    store.push(data);
    size += data.length;
  }
  const intro = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  intro.writeUInt32BE(sorted.length, 8);
  intro.writeUInt32BE(size, 12);
  return Buffer.concat([intro, ...index, ...store]);
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

export function newcEntry(name: string, mode: number, data: Buffer, position: number, ino = 1, nlink = 1): Buffer {
  const nameBuf = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBuf.length, 0];
  const head = Buffer.from('070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join(''));
  const headerPart = Buffer.concat([head, nameBuf]);
  const p1 = pad4(position + headerPart.length);
  const p2 = pad4(position + headerPart.length + p1.length + data.length);
  return Buffer.concat([headerPart, p1, data, p2]);
}

export function cpioArchive(entries: CraftPayloadEntry[]): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0, data: Buffer.alloc(0) }]) {
    let b: Buffer;
    if ('strippedIndex' in e && e.strippedIndex !== undefined) {
      const head = Buffer.from('07070X' + e.strippedIndex.toString(16).padStart(8, '0'));
      const p1 = pad4(pos + head.length);
      const p2 = pad4(pos + head.length + p1.length + e.data.length);
      b = Buffer.concat([head, p1, e.data, p2]);
    } else {
      b = newcEntry(
        e.name,
        e.mode,
        e.data,
        pos,
        (e as CraftPayloadEntry).ino ?? 1,
        (e as CraftPayloadEntry).nlink ?? 1,
      );
    }
    parts.push(b);
    pos += b.length;
  }
  return Buffer.concat(parts);
}

function fileData(f: CraftFile): Buffer {
  if ((f.mode & 0o170000) === 0o120000) return Buffer.from(f.linkto ?? '');
  if ((f.mode & 0o170000) === 0o100000) return Buffer.from(f.content ?? '');
  return Buffer.alloc(0);
}

export function craftRpm(o: CraftOptions): Buffer {
  const files = o.files;
  const datas = files.map(fileData);
  const payloadEntries =
    o.payload ??
    files.map((f, i) =>
      o.stripped
        ? { name: '', mode: f.mode, data: datas[i]!, strippedIndex: i }
        : { name: `.${f.path}`, mode: f.mode, data: datas[i]!, ino: i + 1 },
    );
  const cpio = cpioArchive(payloadEntries);
  const payload = (o.compress ?? ((b: Buffer) => gzipSync(b)))(cpio);

  const dirs: string[] = [];
  const dirIndexes: number[] = [];
  const basenames: string[] = [];
  for (const f of files) {
    const slash = f.path.lastIndexOf('/');
    const dir = f.path.slice(0, slash + 1);
    if (!dirs.includes(dir)) dirs.push(dir);
    dirIndexes.push(dirs.indexOf(dir));
    basenames.push(f.path.slice(slash + 1));
  }
  const sizes = files.map((f, i) => ((f.mode & 0o170000) === 0o040000 ? 4096 : datas[i]!.length));
  const long = o.stripped || o.longSizes !== undefined;
  const digests = files.map((f, i) =>
    (f.mode & 0o170000) === 0o100000 ? createHash('sha256').update(datas[i]!).digest('hex') : '',
  );
  const entries: Entry[] = [
    { tag: 1000, type: TYPE.STRING, value: 'crafted' },
    { tag: 1001, type: TYPE.STRING, value: '1.0' },
    { tag: 1002, type: TYPE.STRING, value: '1' },
    { tag: 1004, type: TYPE.STRING, value: 'crafted for tests' },
    { tag: 1005, type: TYPE.STRING, value: 'crafted' },
    { tag: 1006, type: TYPE.INT32, value: [1700000000] },
    { tag: 1007, type: TYPE.STRING, value: 'craft' },
    { tag: 1014, type: TYPE.STRING, value: 'MIT' },
    { tag: 1021, type: TYPE.STRING, value: 'linux' },
    { tag: 1022, type: TYPE.STRING, value: 'noarch' },
    { tag: 1044, type: TYPE.STRING, value: 'crafted-1.0-1.src.rpm' },
    { tag: 1124, type: TYPE.STRING, value: 'cpio' },
    { tag: 1125, type: TYPE.STRING, value: o.compressor ?? 'gzip' },
    { tag: 1126, type: TYPE.STRING, value: '9' },
    { tag: 5011, type: TYPE.INT32, value: [8] },
  ];
  if (files.length > 0) {
    entries.push(
      long
        ? { tag: 5008, type: TYPE.INT64, value: o.longSizes ?? sizes }
        : { tag: 1028, type: TYPE.INT32, value: sizes },
      { tag: long ? 5009 : 1009, type: long ? TYPE.INT64 : TYPE.INT32, value: [sizes.reduce((a, b) => a + b, 0)] },
      { tag: 1030, type: TYPE.INT16, value: files.map((f) => f.mode) },
      { tag: 1034, type: TYPE.INT32, value: files.map((f) => f.mtime ?? 1700000000) },
      { tag: 1035, type: TYPE.STRING_ARRAY, value: digests },
      { tag: 1036, type: TYPE.STRING_ARRAY, value: files.map((f) => f.linkto ?? '') },
      { tag: 1037, type: TYPE.INT32, value: files.map(() => 0) },
      { tag: 1039, type: TYPE.STRING_ARRAY, value: files.map(() => 'root') },
      { tag: 1040, type: TYPE.STRING_ARRAY, value: files.map(() => 'root') },
      { tag: 1095, type: TYPE.INT32, value: files.map(() => 1) },
      { tag: 1096, type: TYPE.INT32, value: files.map((f, i) => f.inode ?? i + 1) },
      { tag: 1116, type: TYPE.INT32, value: dirIndexes },
      { tag: 1117, type: TYPE.STRING_ARRAY, value: basenames },
      { tag: 1118, type: TYPE.STRING_ARRAY, value: dirs },
    );
  }
  if (o.digests !== false) {
    entries.push(
      { tag: 5092, type: TYPE.STRING_ARRAY, value: [createHash('sha256').update(payload).digest('hex')] },
      { tag: 5093, type: TYPE.INT32, value: [8] },
    );
  }
  const header = encodeHeader(entries);
  const sigEntries: Entry[] = [{ tag: 1000, type: TYPE.INT32, value: [header.length + payload.length] }];
  if (o.digests !== false)
    sigEntries.push({ tag: 273, type: TYPE.STRING, value: createHash('sha256').update(header).digest('hex') });
  const signature = encodeHeader(sigEntries);
  const lead = Buffer.alloc(96);
  lead.writeUInt32BE(0xedabeedb, 0);
  lead[4] = 3;
  lead.writeUInt16BE(1, 8);
  lead.write('crafted-1.0-1', 10, 'latin1');
  lead.writeUInt16BE(1, 76);
  lead.writeUInt16BE(5, 78);
  return Buffer.concat([lead, signature, Buffer.alloc((8 - (signature.length % 8)) % 8), header, payload]);
}
