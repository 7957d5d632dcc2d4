/**
 * A streaming cpio reader for rpm payloads: "newc" (070701), "crc" (070702) and rpm's stripped
 * format (07070X: only a file index, metadata lives in the header; used when the header carries
 * LONGFILESIZES). Push-based and synchronous: feed decompressed chunks, get entry callbacks and
 * zero-copy data slices.
 */
import { YumdaError } from '../util/errors.js';

export interface CpioEntry {
  /** Name as stored (typically "./usr/bin/x"); for stripped entries, ''. */
  name: string;
  /** For stripped entries: the header file index; otherwise -1. */
  fileIndex: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
}

export interface CpioVisitor {
  entry(entry: CpioEntry): void;
  /** A piece of the current entry's data (valid only during the call). */
  data(chunk: Buffer): void;
  endEntry(entry: CpioEntry): void;
}

export interface CpioReaderOptions {
  label?: string;
  /** Data size of a stripped entry (from the header); required to read stripped payloads. */
  strippedSize?: (fileIndex: number) => number;
  /** Longest accepted name (bytes, without the NUL). */
  maxNameLength?: number;
}

const NEWC_HEADER = 110;
const STRIPPED_HEADER = 14;
const TRAILER = 'TRAILER!!!';

const enum State {
  Magic,
  NewcHeader,
  StrippedHeader,
  Name,
  Pad,
  Data,
  Done,
}

function parseHex(buf: Buffer, at: number, label: string): number {
  let n = 0;
  for (let i = at; i < at + 8; i++) {
    const c = buf[i]!;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else throw new YumdaError('RPM_BAD_PAYLOAD', `${label}: corrupt cpio header (non-hex field)`);
    n = n * 16 + d;
  }
  return n;
}

export class CpioReader {
  private readonly label: string;
  private readonly maxName: number;
  private state = State.Magic;
  /** Bytes of the uncompressed stream consumed so far (for 4-byte alignment). */
  private position = 0;
  private pending: Buffer = Buffer.alloc(0);
  private need = 6;
  private current: CpioEntry | undefined;
  private remaining = 0;
  private padLeft = 0;
  private afterPad: State = State.Magic;
  private entries = 0;

  constructor(
    private readonly visitor: CpioVisitor,
    private readonly options: CpioReaderOptions = {},
  ) {
    this.label = options.label ?? 'payload';
    this.maxName = options.maxNameLength ?? 4096;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  get entryCount(): number {
    return this.entries;
  }

  write(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      if (this.state === State.Done) return; // bytes after the trailer are padding
      if (this.state === State.Data) {
        const take = Math.min(this.remaining, len - off);
        if (take > 0) {
          this.visitor.data(chunk.subarray(off, off + take));
          off += take;
          this.position += take;
          this.remaining -= take;
        }
        if (this.remaining === 0) this.finishData();
        continue;
      }
      if (this.state === State.Pad) {
        const take = Math.min(this.padLeft, len - off);
        off += take;
        this.position += take;
        this.padLeft -= take;
        if (this.padLeft === 0) this.enter(this.afterPad);
        continue;
      }
      // header-like states: gather `need` bytes
      const have = this.pending.length;
      const take = Math.min(this.need - have, len - off);
      const piece = chunk.subarray(off, off + take);
      this.pending = have === 0 ? piece : Buffer.concat([this.pending, piece]);
      off += take;
      this.position += take;
      if (this.pending.length === this.need) {
        const buf = this.pending;
        this.pending = Buffer.alloc(0);
        this.consumeHeaderBytes(buf);
      }
    }
  }

  /** Call at end of input: a payload without its trailer is truncated. */
  end(): void {
    if (this.state !== State.Done) {
      throw new YumdaError(
        'RPM_TRUNCATED',
        `${this.label}: payload ends before the cpio trailer (after ${this.entries} entries)`,
      );
    }
  }

  private enter(state: State): void {
    this.state = state;
    if (state === State.Magic) this.need = 6;
  }

  private padTo4(next: State): void {
    const pad = (4 - (this.position % 4)) % 4;
    if (pad === 0) this.enter(next);
    else {
      this.padLeft = pad;
      this.afterPad = next;
      this.state = State.Pad;
    }
  }

  private consumeHeaderBytes(buf: Buffer): void {
    switch (this.state) {
      case State.Magic: {
        const magic = buf.toString('latin1', 0, 6);
        if (magic === '070701' || magic === '070702') {
          this.state = State.NewcHeader;
          this.need = NEWC_HEADER - 6;
        } else if (magic === '07070X') {
          this.state = State.StrippedHeader;
          this.need = STRIPPED_HEADER - 6;
        } else {
          throw new YumdaError(
            'RPM_BAD_PAYLOAD',
            `${this.label}: bad cpio magic after ${this.entries} entries (not a newc/stripped cpio payload)`,
          );
        }
        return;
      }
      case State.NewcHeader: {
        const f = (i: number): number => parseHex(buf, i * 8, this.label);
        const entry: CpioEntry = {
          name: '',
          fileIndex: -1,
          ino: f(0),
          mode: f(1),
          uid: f(2),
          gid: f(3),
          nlink: f(4),
          mtime: f(5),
          size: f(6),
          devMajor: f(7),
          devMinor: f(8),
          rdevMajor: f(9),
          rdevMinor: f(10),
        };
        const nameSize = f(11);
        if (nameSize < 2 || nameSize > this.maxName + 1) {
          throw new YumdaError('RPM_BAD_PAYLOAD', `${this.label}: corrupt cpio header (name size ${nameSize})`);
        }
        this.current = entry;
        this.state = State.Name;
        this.need = nameSize;
        return;
      }
      case State.Name: {
        const entry = this.current!;
        if (buf[buf.length - 1] !== 0)
          throw new YumdaError('RPM_BAD_PAYLOAD', `${this.label}: corrupt cpio header (unterminated name)`);
        const nameBytes = buf.subarray(0, buf.length - 1);
        if (nameBytes.includes(0))
          throw new YumdaError('RPM_BAD_PAYLOAD', `${this.label}: cpio entry name contains a NUL byte`);
        entry.name = nameBytes.toString('utf8');
        if (entry.name === TRAILER) {
          this.state = State.Done;
          return;
        }
        this.startData(entry);
        return;
      }
      case State.StrippedHeader: {
        const fileIndex = parseHex(buf, 0, this.label);
        if (!this.options.strippedSize) {
          throw new YumdaError(
            'RPM_BAD_PAYLOAD',
            `${this.label}: stripped cpio entry but the header has no file sizes for it`,
          );
        }
        const size = this.options.strippedSize(fileIndex);
        this.startData({
          name: '',
          fileIndex,
          ino: 0,
          mode: 0,
          uid: 0,
          gid: 0,
          nlink: 0,
          mtime: 0,
          size,
          devMajor: 0,
          devMinor: 0,
          rdevMajor: 0,
          rdevMinor: 0,
        });
        return;
      }
      default:
        throw new Error(`cpio reader in unexpected state ${this.state}`);
    }
  }

  private startData(entry: CpioEntry): void {
    this.current = entry;
    this.entries++;
    this.visitor.entry(entry);
    this.remaining = entry.size;
    // data starts on a 4-byte boundary; for an empty entry this pads to the next header
    this.padTo4(State.Data);
    if (this.state === State.Data && this.remaining === 0) this.finishData();
  }

  private finishData(): void {
    const entry = this.current!;
    this.current = undefined;
    this.visitor.endEntry(entry);
    this.padTo4(State.Magic);
  }
}
