/**
 * The RPM container: lead, signature header, main header. Reads only those (a few partial reads
 * from the start of the file), never the payload. Every malformed input becomes a YumdaError.
 *
 * Layout: lead (96 bytes) | signature header, padded to 8 | main header | compressed payload.
 * A header is: magic 8E AD E8 01, 4 reserved bytes, index count (BE32), store size (BE32),
 * index entries (tag, type, offset, count: 4 x BE32), store.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ExitCode, YumdaError, type ErrorCode } from '../util/errors.js';
import { HeaderType, SigTag } from './tags.js';

const LEAD_SIZE = 96;
const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
const HEADER_INTRO_SIZE = 16;
const ENTRY_SIZE = 16;
/** rpm's own limits (hdrchkTags/hdrchkData): beyond these a header is corrupt, not big. */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_STORE_SIZE = 0x0fffffff;
const MAX_SIGNATURE_STORE_SIZE = 64 * 1024 * 1024;

export type TagValue = string | string[] | number[] | Buffer;

export interface HeaderEntry {
  tag: number;
  type: number;
  count: number;
  value: TagValue;
}

export interface RpmLead {
  major: number;
  minor: number;
  /** 0 binary, 1 source. */
  type: number;
  archnum: number;
  name: string;
  osnum: number;
  signatureType: number;
}

/** One decoded header (signature or main): raw tag values with typed accessors. */
export class RpmHeader {
  constructor(
    readonly entries: ReadonlyMap<number, HeaderEntry>,
    /** Byte range of this header in the file. */
    readonly start: number,
    readonly end: number,
  ) {}

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  get(tag: number): HeaderEntry | undefined {
    return this.entries.get(tag);
  }

  /** A STRING/I18NSTRING (first locale) value; undefined when absent. */
  string(tag: number): string | undefined {
    const v = this.entries.get(tag)?.value;
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
    throw this.typeError(tag, 'a string');
  }

  strings(tag: number): string[] {
    const v = this.entries.get(tag)?.value;
    if (v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string')) return v as string[];
    throw this.typeError(tag, 'a string array');
  }

  numbers(tag: number): number[] {
    const v = this.entries.get(tag)?.value;
    if (v === undefined) return [];
    if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number')) return v as number[];
    throw this.typeError(tag, 'an integer');
  }

  number(tag: number): number | undefined {
    return this.numbers(tag)[0];
  }

  binary(tag: number): Buffer | undefined {
    const v = this.entries.get(tag)?.value;
    if (v === undefined) return undefined;
    if (Buffer.isBuffer(v)) return v;
    throw this.typeError(tag, 'binary data');
  }

  private typeError(tag: number, expected: string): YumdaError {
    return new YumdaError(
      'RPM_BAD_HEADER',
      `RPM header tag ${tag} is not ${expected} (type ${this.entries.get(tag)?.type})`,
    );
  }
}

export interface RpmHeaders {
  lead: RpmLead;
  signature: RpmHeader;
  header: RpmHeader;
  /** Start of the main header (its magic): repodata header-range start. */
  headerStart: number;
  /** End of the main header: repodata header-range end and start of the payload. */
  headerEnd: number;
  payloadOffset: number;
  /** Size of the file when read from a file; payload length = fileSize - payloadOffset. */
  fileSize: number | undefined;
  /** Which header digests were present and verified. */
  verifiedDigests: ('sha256' | 'sha1')[];
}

export interface ReadHeadersOptions {
  /** Check SHA256/SHA1 header digests (default true). */
  verify?: boolean;
  /** Label used in error messages (defaults to the path). */
  label?: string;
}

function corrupt(label: string, message: string, code: ErrorCode = 'RPM_BAD_HEADER'): YumdaError {
  return new YumdaError(code, `${label}: ${message}`);
}

function parseLead(buf: Buffer, label: string): RpmLead {
  if (buf.length < LEAD_SIZE) throw corrupt(label, 'file is too short to be an RPM (truncated lead)', 'RPM_TRUNCATED');
  if (buf.readUInt32BE(0) !== LEAD_MAGIC) throw corrupt(label, 'not an RPM file (bad lead magic)', 'RPM_BAD_MAGIC');
  const major = buf[4]!;
  if (major !== 3 && major !== 4) throw corrupt(label, `unsupported RPM format version ${major}`, 'RPM_BAD_MAGIC');
  const nameEnd = buf.indexOf(0, 10);
  const lead: RpmLead = {
    major,
    minor: buf[5]!,
    type: buf.readUInt16BE(6),
    archnum: buf.readUInt16BE(8),
    name: buf.toString('latin1', 10, nameEnd >= 10 && nameEnd < 76 ? nameEnd : 76),
    osnum: buf.readUInt16BE(76),
    signatureType: buf.readUInt16BE(78),
  };
  if (lead.signatureType !== 5)
    throw corrupt(label, `unsupported signature type ${lead.signatureType} in the lead`, 'RPM_BAD_MAGIC');
  return lead;
}

/** Reads the 16-byte header intro; returns the index count and store size. */
function parseHeaderIntro(
  buf: Buffer,
  at: number,
  label: string,
  what: string,
  maxStore = MAX_STORE_SIZE,
): { indexCount: number; storeSize: number } {
  if (buf.length < at + HEADER_INTRO_SIZE) throw corrupt(label, `truncated ${what}`, 'RPM_TRUNCATED');
  if (!buf.subarray(at, at + 4).equals(HEADER_MAGIC)) throw corrupt(label, `bad ${what} magic`, 'RPM_BAD_MAGIC');
  const indexCount = buf.readUInt32BE(at + 8);
  const storeSize = buf.readUInt32BE(at + 12);
  if (indexCount < 1 || indexCount > MAX_INDEX_ENTRIES)
    throw corrupt(label, `${what} has an implausible index count ${indexCount}`);
  if (storeSize > maxStore) throw corrupt(label, `${what} has an implausible data size ${storeSize}`);
  return { indexCount, storeSize };
}

function headerBlobSize(indexCount: number, storeSize: number): number {
  return HEADER_INTRO_SIZE + indexCount * ENTRY_SIZE + storeSize;
}

const FIXED_SIZES: Record<number, number> = {
  [HeaderType.CHAR]: 1,
  [HeaderType.INT8]: 1,
  [HeaderType.INT16]: 2,
  [HeaderType.INT32]: 4,
  [HeaderType.INT64]: 8,
  [HeaderType.BIN]: 1,
};

/**
 * Decodes a header blob (magic through end of store) whose first byte is at `blob[0]`;
 * `fileOffset` is only used to report the byte range.
 */
export function parseHeaderBlob(blob: Buffer, fileOffset: number, label: string, what: string): RpmHeader {
  const { indexCount, storeSize } = parseHeaderIntro(blob, 0, label, what);
  const size = headerBlobSize(indexCount, storeSize);
  if (blob.length < size) throw corrupt(label, `truncated ${what}`, 'RPM_TRUNCATED');
  const storeStart = HEADER_INTRO_SIZE + indexCount * ENTRY_SIZE;
  const store = blob.subarray(storeStart, storeStart + storeSize);
  const entries = new Map<number, HeaderEntry>();
  for (let i = 0; i < indexCount; i++) {
    const at = HEADER_INTRO_SIZE + i * ENTRY_SIZE;
    const tag = blob.readUInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);
    const where = `${what} tag ${tag}`;
    if (offset < 0 || offset > storeSize)
      throw corrupt(label, `${where} points outside the header data (offset ${offset}, size ${storeSize})`);
    if (count === 0 || count > storeSize) throw corrupt(label, `${where} has an implausible count ${count}`);
    let value: TagValue;
    const fixed = FIXED_SIZES[type];
    if (fixed !== undefined) {
      const end = offset + fixed * count;
      if (end > storeSize)
        throw corrupt(
          label,
          `${where} points outside the header data (offset ${offset}, ${count} x ${fixed} bytes, size ${storeSize})`,
        );
      value = decodeFixed(store, type, offset, count);
    } else if (type === HeaderType.STRING || type === HeaderType.STRING_ARRAY || type === HeaderType.I18NSTRING) {
      if (type === HeaderType.STRING && count !== 1) throw corrupt(label, `${where} is a string with count ${count}`);
      const strings: string[] = [];
      let pos = offset;
      for (let n = 0; n < count; n++) {
        const nul = store.indexOf(0, pos);
        if (nul < 0) throw corrupt(label, `${where} has an unterminated string running past the header data`);
        strings.push(store.toString('utf8', pos, nul));
        pos = nul + 1;
      }
      value = type === HeaderType.STRING ? strings[0]! : strings;
    } else {
      throw corrupt(label, `${where} has unknown type ${type}`);
    }
    if (!entries.has(tag)) entries.set(tag, { tag, type, count, value });
  }
  return new RpmHeader(entries, fileOffset, fileOffset + size);
}

function decodeFixed(store: Buffer, type: number, offset: number, count: number): number[] | Buffer {
  switch (type) {
    case HeaderType.BIN:
      return Buffer.from(store.subarray(offset, offset + count));
    case HeaderType.CHAR:
    case HeaderType.INT8:
      return Array.from(store.subarray(offset, offset + count));
    case HeaderType.INT16: {
      const out = new Array<number>(count);
      for (let i = 0; i < count; i++) out[i] = store.readUInt16BE(offset + 2 * i);
      return out;
    }
    case HeaderType.INT32: {
      const out = new Array<number>(count);
      for (let i = 0; i < count; i++) out[i] = store.readUInt32BE(offset + 4 * i);
      return out;
    }
    default: {
      const out = new Array<number>(count);
      for (let i = 0; i < count; i++) out[i] = Number(store.readBigUInt64BE(offset + 8 * i));
      return out;
    }
  }
}

/** Random access to the bytes of an RPM: a file or an in-memory buffer. */
type ReadAt = (position: number, length: number) => Promise<Buffer>;

async function readHeadersWith(
  readAt: ReadAt,
  fileSize: number | undefined,
  options: ReadHeadersOptions & { label: string },
): Promise<RpmHeaders> {
  const label = options.label;
  const first = await readAt(0, LEAD_SIZE + HEADER_INTRO_SIZE);
  const lead = parseLead(first, label);
  const sigIntro = parseHeaderIntro(first, LEAD_SIZE, label, 'signature header', MAX_SIGNATURE_STORE_SIZE);
  const sigSize = headerBlobSize(sigIntro.indexCount, sigIntro.storeSize);
  const headerStart = LEAD_SIZE + sigSize + ((8 - (sigSize % 8)) % 8);
  // one read: the rest of the signature, its padding and the main header's intro
  const rest = await readAt(first.length, headerStart + HEADER_INTRO_SIZE - first.length);
  const sigBlob = Buffer.concat([first.subarray(LEAD_SIZE), rest]);
  const signature = parseHeaderBlob(sigBlob, LEAD_SIZE, label, 'signature header');
  const mainIntro = parseHeaderIntro(sigBlob, headerStart - LEAD_SIZE, label, 'header');
  const mainSize = headerBlobSize(mainIntro.indexCount, mainIntro.storeSize);
  const mainRest = await readAt(headerStart + HEADER_INTRO_SIZE, mainSize - HEADER_INTRO_SIZE);
  const mainBlob = Buffer.concat([
    sigBlob.subarray(headerStart - LEAD_SIZE, headerStart - LEAD_SIZE + HEADER_INTRO_SIZE),
    mainRest,
  ]);
  const header = parseHeaderBlob(mainBlob, headerStart, label, 'header');
  const headerEnd = headerStart + mainSize;

  const verifiedDigests: ('sha256' | 'sha1')[] = [];
  if (options.verify !== false) {
    const sha256 = signature.has(SigTag.SHA256) ? signature.string(SigTag.SHA256) : undefined;
    if (sha256 !== undefined) {
      const actual = createHash('sha256').update(mainBlob).digest('hex');
      if (actual !== sha256.toLowerCase()) {
        throw new YumdaError(
          'RPM_DIGEST_MISMATCH',
          `${label}: header SHA256 digest mismatch (expected ${sha256}, got ${actual})`,
          { exitCode: ExitCode.integrity },
        );
      }
      verifiedDigests.push('sha256');
    }
    const sha1 = signature.has(SigTag.SHA1) ? signature.string(SigTag.SHA1) : undefined;
    if (sha1 !== undefined) {
      const actual = createHash('sha1').update(mainBlob).digest('hex');
      if (actual !== sha1.toLowerCase()) {
        throw new YumdaError(
          'RPM_DIGEST_MISMATCH',
          `${label}: header SHA1 digest mismatch (expected ${sha1}, got ${actual})`,
          { exitCode: ExitCode.integrity },
        );
      }
      verifiedDigests.push('sha1');
    }
    if (fileSize !== undefined) {
      // SIZE/LONGSIZE is header + payload: a shorter file was cut off in transit
      const expected = signature.number(SigTag.LONGSIZE) ?? signature.number(SigTag.SIZE);
      if (expected !== undefined && fileSize < headerStart + expected) {
        throw new YumdaError(
          'RPM_TRUNCATED',
          `${label}: file is truncated (${fileSize} bytes, the signature says ${headerStart + expected})`,
          { exitCode: ExitCode.integrity },
        );
      }
    }
  }
  return { lead, signature, header, headerStart, headerEnd, payloadOffset: headerEnd, fileSize, verifiedDigests };
}

function fileReader(fh: FileHandle, label: string, fileSize: number): ReadAt {
  return async (position, length) => {
    if (position + length > fileSize)
      throw corrupt(label, `file is truncated (needs ${position + length} bytes, has ${fileSize})`, 'RPM_TRUNCATED');
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, position + done);
      if (bytesRead === 0) throw corrupt(label, 'file is truncated', 'RPM_TRUNCATED');
      done += bytesRead;
    }
    return buf;
  };
}

/** Reads lead, signature and main header of an RPM file, with raw tag values and the payload offset. */
export async function readRpmHeaders(path: string, options: ReadHeadersOptions = {}): Promise<RpmHeaders> {
  const label = options.label ?? path;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new YumdaError('RPM_UNREADABLE', `cannot open ${path}: ${err.code ?? err.message}`, { cause: e });
  }
  try {
    const size = (await fh.stat()).size;
    return await readHeadersWith(fileReader(fh, label, size), size, { ...options, label });
  } finally {
    await fh.close();
  }
}

/** Same as readRpmHeaders for bytes already in memory (at least through the end of the main header). */
export async function parseRpmHeaders(
  bytes: Buffer,
  options: ReadHeadersOptions & { wholeFile?: boolean } = {},
): Promise<RpmHeaders> {
  const label = options.label ?? 'RPM';
  const readAt: ReadAt = async (position, length) => {
    if (position + length > bytes.length)
      throw corrupt(
        label,
        `data is truncated (needs ${position + length} bytes, has ${bytes.length})`,
        'RPM_TRUNCATED',
      );
    return bytes.subarray(position, position + length);
  };
  return readHeadersWith(readAt, options.wholeFile ? bytes.length : undefined, { ...options, label });
}
