/**
 * The parsed-primary cache: one repository's packages and their index, in a form a warm run reads
 * only the needed parts of. The file, written front to back in one pass over primary.xml:
 *
 *   segments      packages first, one each: its <package> element exactly as primary.xml has it.
 *                 Then per kind (names, provides, files, obsoletes), hash buckets as JSON:
 *                 [key, position or [positions], key, ...] for the keys whose FNV-1a hash falls in it
 *   segment ends  one float64 (this machine's byte order) per segment: where it ends
 *   segment sums  one uint32 per segment: the CRC-32 of its bytes
 *   header        a JSON line: format, the primary checksum it was built from, package count, per
 *                 index kind its first bucket segment and bucket count, the segment count, the
 *                 CRC-32 of the two tables; then a tab and the CRC-32 of that JSON (hex)
 *   trailer       8 hex digits: the header line's length in bytes
 *
 * Building it reads primary.xml once for the index keys only and streams each package's XML to
 * the file as it is met (nothing of the repository is held in memory but the index keys); a
 * package is parsed (by the repodata reader) when a lookup first returns it. Opening it reads the
 * trailer, header and tables; a lookup reads one bucket. A resolution thus reads and parses a few
 * dozen packages of thousands, cold or warm, whatever the size of the repository.
 *
 * Nothing read from it is trusted unchecked: the header, the tables and every segment are verified
 * against their CRC-32 as they are read (a flipped bit is always caught). A file that does not verify
 * at open is rebuilt by the caller; a segment that does not verify later removes the file and
 * raises CacheCorruptError, after which the caller opens the repository again (and so rebuilds).
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { decompressedChunks, type MetadataSource } from '../repodata/decompress.js';
import { boundedChunks, unwrapLimit } from '../repodata/limits.js';
import { parsePrimaryXml } from '../repodata/reader.js';
import type { PackageRecord } from '../repodata/types.js';
import { XmlScanner, type XmlEvents } from '../repodata/xml-scan.js';
import type { PoolPackage } from '../resolve/package.js';
import { forEachKey, type IndexKind } from '../resolve/pool-index.js';
import { positionSource, type PackageSource } from '../resolve/source.js';
import { fromWireError, YumdaError, type WireError } from '../util/errors.js';
import { tempSibling, writeFileAtomicSync } from '../util/fs.js';
import { fnv1a32 } from '../util/hash.js';

export const PRIMARY_CACHE_FORMAT = 12;

const KINDS: readonly IndexKind[] = ['names', 'provides', 'files', 'obsoletes'];

interface Header {
  format: number;
  checksum: string;
  count: number;
  /** Per kind: first bucket segment, bucket count (a power of two). */
  buckets: Record<IndexKind, [number, number]>;
  segments: number;
  /** CRC-32 of the segment ends and sums, as stored. */
  tables: number;
}

/** A cache file whose content does not match its checksums (a flipped bit, a torn write): removed, so the next open rebuilds it. */
export class CacheCorruptError extends YumdaError {
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(
      'CACHE_CORRUPT',
      `the metadata cache ${path} is corrupt (${what} does not match its checksum); it was removed`,
      {
        hint: 'run the command again: the cache is rebuilt from the repository metadata',
      },
    );
  }
}

/** Removes a corrupt cache file and its decoded memo (best effort) and says so. */
function corrupt(path: string, what: string): CacheCorruptError {
  for (const file of [path, memoPath(path)]) rmSync(file, { force: true });
  return new CacheCorruptError(path, what);
}

interface Repo {
  id: string;
  priority: number;
}

function decodeRecord(xml: string, repo: Repo): PackageRecord {
  const [record] = parsePrimaryXml(xml, `${repo.id} metadata cache`);
  if (!record) throw new Error(`${repo.id} metadata cache: no package in ${xml.slice(0, 60)}`);
  return record;
}

/** At most this many packages are remembered decoded: the memo is read whole by every run. */
const MEMO_LIMIT = 256;

/** Where the decoded memo of the cache file at `cachePath` lives (named for the same checksum, so pruned with it). */
function memoPath(cachePath: string): string {
  return cachePath.replace(/\.pool$/, '') + '.decoded.json';
}

/** The decoded memo of the cache file at `cachePath` for `checksum`. */
function memoOf(cachePath: string, checksum: string): DecodedMemo {
  return new DecodedMemo(memoPath(cachePath), checksum);
}

/**
 * The packages a run decoded from a cache file, kept beside it as JSON so that the next run with
 * the same request (the usual case: a CI job, a rebuilt layer) reads them with JSON.parse instead
 * of parsing their XML again (a third of a warm dry run). The file: a JSON header line (format,
 * checksum, CRC-32 of the rest) and a JSON array of [position, record]. It holds what the last runs
 * decoded, up to MEMO_LIMIT packages; anything unreadable, altered (its CRC does not match) or of
 * another cache is ignored (the XML stays the truth).
 */
class DecodedMemo {
  private readonly kept: Map<number, PackageRecord>;
  private readonly used = new Map<number, PackageRecord>();
  private missed = false;

  /** `path` null: a memo of this run only (nothing read or written). */
  constructor(
    private readonly path: string | null,
    private readonly checksum: string,
  ) {
    this.kept = this.read();
  }

  private read(): Map<number, PackageRecord> {
    if (this.path === null) return new Map();
    try {
      const text = readFileSync(this.path, 'utf8');
      const newline = text.indexOf('\n');
      const header = JSON.parse(text.slice(0, newline)) as { format: number; checksum: string; crc: number };
      const body = text.slice(newline + 1);
      if (header.format !== PRIMARY_CACHE_FORMAT || header.checksum !== this.checksum || header.crc !== crc32(body))
        return new Map();
      return new Map(JSON.parse(body) as Array<[number, PackageRecord]>);
    } catch {
      return new Map();
    }
  }

  /** Package `i`, from the memo or else from its XML; a copy, so later changes to it stay out of the memo. */
  decode(i: number, xml: () => string, repo: Repo): PoolPackage {
    let record = this.kept.get(i);
    if (!record) {
      record = decodeRecord(xml(), repo);
      this.missed = true;
    }
    this.used.set(i, record);
    return { ...record, repo: repo.id, priority: repo.priority };
  }

  /** Writes the memo when this run decoded packages it did not have (best effort: it is a cache). */
  save(): void {
    if (!this.missed || this.path === null) return;
    const union = new Map([...this.kept, ...this.used]);
    const keep = union.size <= MEMO_LIMIT ? union : this.used.size <= MEMO_LIMIT ? this.used : null;
    if (!keep) return;
    try {
      const body = JSON.stringify([...keep]);
      writeFileAtomicSync(
        this.path,
        `${JSON.stringify({ format: PRIMARY_CACHE_FORMAT, checksum: this.checksum, crc: crc32(body) })}\n${body}`,
        { durable: false },
      );
      this.missed = false;
    } catch {
      // an unwritable cache directory only costs the next run the XML parsing
    }
  }
}

/** Every package of the concatenated <package> elements, in one pass (listing and searching read them all). */
function decodePackages(xml: string, count: number, repo: Repo): PoolPackage[] {
  const records = parsePrimaryXml(`<metadata>${xml}</metadata>`, `${repo.id} metadata cache`);
  if (records.length !== count)
    throw new Error(`${repo.id} metadata cache: ${records.length} packages instead of ${count}`);
  return records.map((r) => Object.assign(r, { repo: repo.id, priority: repo.priority }));
}

/** The key's bucket: FNV-1a, masked. */
function bucketOf(key: string, mask: number): number {
  return fnv1a32(key) & mask;
}

/** About four keys a bucket: a lookup parses a short line. */
function bucketCount(keys: number): number {
  let n = 1;
  while (n * 4 < keys) n *= 2;
  return n;
}

/**
 * The index keys of primary.xml's packages (pool.ts's PackageKeys, read straight from the XML);
 * each package's XML goes to `sink` with its position. Source packages (arch src/nosrc) are left
 * out. The keys are not kept as strings: each (key, position) goes to its kind's KeySpill as bytes.
 */
export class PrimaryIndexer implements XmlEvents {
  readonly spills: Record<IndexKind, KeySpill> = {
    names: new KeySpill(),
    provides: new KeySpill(),
    files: new KeySpill(),
    obsoletes: new KeySpill(),
  };
  count = 0;
  private name = '';
  private arch = '';
  private provides: string[] = [];
  private files: string[] = [];
  private obsoletes: string[] = [];
  private list: string[] | null = null;
  /** One package's keys so far, per kind: a key it lists twice (its name as a provide) is one entry. */
  private readonly seen: Record<IndexKind, Set<string>> = {
    names: new Set(),
    provides: new Set(),
    files: new Set(),
    obsoletes: new Set(),
  };

  constructor(private readonly sink: (xml: string) => void) {}

  open(name: string, attrs: Record<string, string>): void {
    switch (name) {
      case 'package':
        this.name = this.arch = '';
        this.provides = [];
        this.files = [];
        this.obsoletes = [];
        break;
      case 'provides':
        this.list = this.provides;
        break;
      case 'obsoletes':
        this.list = this.obsoletes;
        break;
      case 'entry':
        this.list?.push(attrs.name ?? '');
        break;
    }
  }

  close(name: string, text: string): void {
    switch (name) {
      case 'name':
        this.name = text;
        break;
      case 'arch':
        this.arch = text;
        break;
      case 'file':
        this.files.push(text);
        break;
      case 'provides':
      case 'obsoletes':
        this.list = null;
        break;
    }
  }

  /** Only the names of provided and obsoleted capabilities are read from attributes. */
  wantsAttributes(name: string): boolean {
    return name === 'entry' && this.list !== null;
  }

  captured(xml: string): void {
    if (this.arch === 'src' || this.arch === 'nosrc') return;
    const position = this.count++;
    const keys = { name: this.name, provides: this.provides, files: this.files, obsoletes: this.obsoletes };
    forEachKey(keys, (kind, key) => {
      const seen = this.seen[kind];
      if (seen.has(key)) return;
      seen.add(key);
      this.spills[kind].add(key, position);
    });
    for (const kind of KINDS) this.seen[kind].clear();
    this.sink(xml);
  }
}

/**
 * The (key, position) pairs of one kind of key, in the order met, as bytes in one growing buffer:
 * for each, the position (uint32), the key's length in bytes (uint32) and the key in UTF-8. A
 * quarter of the memory of a map of strings to position lists, outside the JS heap, and no garbage
 * per key.
 */
export class KeySpill {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  count = 0;

  add(key: string, position: number): void {
    const text = utf8Key(key);
    const length = Buffer.byteLength(text, 'utf8');
    const need = 8 + length;
    if (this.used + need > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + need));
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    this.buffer.writeUInt32LE(position, this.used);
    this.buffer.writeUInt32LE(length, this.used + 4);
    this.buffer.write(text, this.used + 8, 'utf8');
    this.used += need;
    this.count++;
  }

  /** The records so far, as stored (for comparing two scans of the same input). */
  contents(): Buffer {
    return this.buffer.subarray(0, this.used);
  }

  /**
   * Writes the hash buckets (about four keys each, by FNV-1a of the key as a lookup computes it)
   * as one JSON segment each: [key, position or [positions], …], a key's positions increasing.
   * Returns the bucket count. A counting sort by bucket over the records, then one bucket at a time.
   */
  writeBuckets(out: SegmentWriter): number {
    const { buffer, count: n } = this;
    const buckets = bucketCount(n);
    const mask = buckets - 1;
    const offsets = new Uint32Array(n);
    const bucketIds = new Uint32Array(n);
    for (let r = 0, at = 0; r < n; r++) {
      offsets[r] = at;
      const length = buffer.readUInt32LE(at + 4);
      bucketIds[r] = fnv1a32(buffer.toString('utf8', at + 8, at + 8 + length)) & mask;
      at += 8 + length;
    }
    const starts = new Uint32Array(buckets + 1);
    for (let r = 0; r < n; r++) starts[bucketIds[r]! + 1]!++;
    for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
    const order = new Uint32Array(n);
    const fill = starts.slice(0, buckets);
    for (let r = 0; r < n; r++) order[fill[bucketIds[r]!]!++] = r;
    for (let b = 0; b < buckets; b++) {
      const entries = new Map<string, number | number[]>();
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        const at = offsets[order[j]!]!;
        const position = buffer.readUInt32LE(at);
        const key = buffer.toString('utf8', at + 8, at + 8 + buffer.readUInt32LE(at + 4));
        const known = entries.get(key);
        if (known === undefined) entries.set(key, position);
        else if (typeof known === 'number') entries.set(key, [known, position]);
        else known.push(position);
      }
      const list: Array<string | number | number[]> = [];
      for (const [key, positions] of entries) list.push(key, positions);
      out.add(JSON.stringify(list), 'utf8');
    }
    this.buffer = Buffer.alloc(0);
    return buckets;
  }
}

/**
 * A key read from XML decoded as latin1 (one character a byte), as the string it stands for. The
 * scanner reads primary.xml as latin1 (no UTF-8 decoding of the whole file; byte offsets are string
 * offsets; each package's XML is written back byte for byte), so bytes past ASCII arrive one
 * character each and are decoded here; a character past U+00FF can only come from a numeric
 * character reference (&#x1F600;) and is already what it stands for.
 */
function utf8Key(key: string): string {
  return /[\x80-\xff]/.test(key) ? Buffer.from(key, 'latin1').toString('utf8') : key;
}

class SegmentWriter {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private end = 0;
  readonly ends: number[] = [];
  readonly sums: number[] = [];

  constructor(private readonly fd: number) {}

  /** Appends a segment: XML scanned as latin1 is written back as latin1 (its bytes as read), JSON as UTF-8. */
  add(text: string, encoding: 'latin1' | 'utf8'): void {
    // at most 3 UTF-8 bytes a UTF-16 code unit
    const most = encoding === 'latin1' ? text.length : text.length * 3;
    if (this.used + most > this.buffer.length) this.flush();
    let bytes: Buffer;
    if (most > this.buffer.length) {
      bytes = Buffer.from(text, encoding);
      this.write(bytes);
    } else {
      const n = this.buffer.write(text, this.used, encoding);
      bytes = this.buffer.subarray(this.used, this.used + n);
      this.used += n;
    }
    this.sums.push(crc32(bytes));
    this.ends.push((this.end += bytes.length));
  }

  flush(): void {
    this.write(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  write(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at, bytes.length - at);
  }
}

/**
 * Reads a primary.xml(.gz|.xz|.bz2|.zst) file (or plain text) and writes its cache file at `path`
 * (through a temporary sibling, renamed when complete) for the metadata's `checksum`.
 */
export async function writePrimaryCache(
  source: MetadataSource,
  path: string,
  checksum: string,
  label = typeof source === 'string' ? source : 'primary.xml',
): Promise<void> {
  const staging = tempSibling(path);
  const fd = openSync(staging, 'w');
  try {
    const out = new SegmentWriter(fd);
    const indexer = new PrimaryIndexer((xml) => out.add(xml, 'latin1'));
    const scanner = new XmlScanner(indexer, {
      capture: 'package',
      attributesOf: (name) => indexer.wantsAttributes(name),
      textOf: (name) => name === 'name' || name === 'arch' || name === 'file',
    });
    try {
      // a few MB of XML inflate faster in one call than through a stream (nothing here to overlap with it)
      for await (const chunk of decompressedChunks(source, label, { inflateAtOnceUpTo: 2 << 20 })) {
        scanner.write((chunk as Buffer).toString('latin1'));
      }
      scanner.close();
    } catch (e) {
      throw new YumdaError('METADATA_CORRUPT', `${label}: malformed repository metadata: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const buckets = {} as Header['buckets'];
    let first = indexer.count;
    for (const kind of KINDS) {
      const count = indexer.spills[kind].writeBuckets(out);
      buckets[kind] = [first, count];
      first += count;
    }
    out.flush();
    const segments = out.ends.length;
    const tables = Buffer.alloc(segments * 12);
    new Float64Array(tables.buffer, tables.byteOffset, segments).set(out.ends);
    new Uint32Array(tables.buffer, tables.byteOffset + segments * 8, segments).set(out.sums);
    const header: Header = {
      format: PRIMARY_CACHE_FORMAT,
      checksum,
      count: indexer.count,
      buckets,
      segments,
      tables: crc32(tables),
    };
    const json = JSON.stringify(header);
    const line = Buffer.from(`${json}\t${crc32(json).toString(16)}\n`);
    out.write(tables);
    out.write(line);
    out.write(Buffer.from(line.length.toString(16).padStart(8, '0')));
    closeSync(fd);
    renameSync(staging, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(staging, { force: true });
    throw e;
  }
}

export interface PrimaryIndexJob {
  /** The downloaded primary.xml(.gz|…), verified. */
  xmlPath: string;
  /** repomd.xml's open-size for it (null: none declared), enforced while decompressing. */
  openSize: number | null;
  label: string;
  cachePath: string;
  checksum: string;
}

/** The job itself, on whichever thread runs it: writePrimaryCache with boundedChunks' size limits. */
export function indexPrimaryFile(job: PrimaryIndexJob): Promise<void> {
  return unwrapLimit(
    writePrimaryCache(boundedChunks(job.xmlPath, job.openSize, job.label), job.cachePath, job.checksum, job.label),
  );
}

export type PrimaryIndexResult = { ok: true } | { ok: false; error: WireError };

/**
 * The young generation of the thread that builds an index. One pass over primary.xml makes a great
 * deal of short-lived garbage (every chunk as a string); V8 lets the young generation grow to tens
 * of MB, all of it resident. On a 63,000-package repository a 3 MB one costs a cold run about 4%
 * more time than 16 MB and saves it 12 MB of peak RSS (142 MiB against 155): memory is the
 * scarcer of the two where the client runs (CI runners, small containers).
 */
const INDEX_YOUNG_GENERATION_MB = 3;

/**
 * A primary.xml file (as stored, compressed) from this size up is indexed in a worker thread:
 * below it the worker's start-up (a new isolate loading the reader: 60 ms here, where node -e 0
 * takes 75) costs more than the memory it saves (a 5,000-package primary.xml.gz is under 1 MB;
 * Debian's 63,000 packages, 10 MB).
 */
const INDEX_IN_WORKER_FROM = 4 << 20;

/**
 * Builds the index file of a primary.xml (writePrimaryCache with the size limits of
 * boundedChunks): for a large one in a worker thread, where its heap can be sized for the job and
 * is freed when it ends; for a small one here.
 */
export async function buildPrimaryCache(job: PrimaryIndexJob, options: { workerFrom?: number } = {}): Promise<void> {
  if (statSync(job.xmlPath).size < (options.workerFrom ?? INDEX_IN_WORKER_FROM)) return indexPrimaryFile(job);
  await new Promise<void>((resolve, reject) => {
    let answered = false;
    const worker = new Worker(new URL('./primary-cache-worker.js', import.meta.url), {
      workerData: job,
      resourceLimits: { maxYoungGenerationSizeMb: INDEX_YOUNG_GENERATION_MB },
    });
    worker.once('message', (result: PrimaryIndexResult) => {
      answered = true;
      if (result.ok) resolve();
      else reject(fromWireError(result.error));
    });
    worker.once('error', (e) => {
      answered = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the metadata index worker stopped (exit code ${code}) before it answered`));
    });
  });
}

/** Closes a cache file once its source is unreachable (a CLI run simply exits). */
const openFiles = new FinalizationRegistry<number>((fd) => closeSync(fd));

/**
 * The packages of a cache file, or null when it is not a complete cache of this format for
 * `checksum` (the caller rebuilds it from the metadata). The file stays open while the source is
 * used, so a cache replaced meanwhile by another run is not mixed in.
 */
export function openPrimaryCache(path: string, checksum: string, repo: Repo): PackageSource | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  const read = (length: number, position: number): Buffer => {
    const buf = Buffer.allocUnsafe(length);
    if (readSync(fd, buf, 0, length, position) !== length) throw new Error('short read');
    return buf;
  };
  let header: Header;
  let ends: Float64Array;
  let sums: Uint32Array;
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new Error('no trailer');
    const lineLength = parseInt(read(8, size - 8).toString('latin1'), 16);
    if (!(lineLength > 0 && lineLength <= size - 8)) throw new Error('bad trailer');
    const line = read(lineLength, size - 8 - lineLength).toString('utf8');
    const tab = line.lastIndexOf('\t');
    if (!line.endsWith('\n') || tab < 0 || crc32(line.slice(0, tab)).toString(16) !== line.slice(tab + 1, -1))
      throw new Error('header checksum');
    header = JSON.parse(line.slice(0, tab)) as Header;
    if (header.format !== PRIMARY_CACHE_FORMAT || header.checksum !== checksum) throw new Error('another cache');
    const segments = header.count + KINDS.reduce((sum, k) => sum + header.buckets[k][1], 0);
    if (header.segments !== segments) throw new Error('bad header');
    const tablesAt = size - 8 - lineLength - segments * 12;
    if (tablesAt < 0) throw new Error('truncated');
    const tables = read(segments * 12, tablesAt);
    if (crc32(tables) !== header.tables) throw new Error('tables checksum');
    // copied out: a Float64Array needs an 8-aligned offset
    ends = new Float64Array(segments);
    sums = new Uint32Array(segments);
    Buffer.from(ends.buffer).set(tables.subarray(0, segments * 8));
    Buffer.from(sums.buffer).set(tables.subarray(segments * 8));
    // a file cut short (or grown): the segments must end where the tables start
    if ((ends[segments - 1] ?? 0) !== tablesAt) throw new Error('truncated');
  } catch {
    closeSync(fd);
    return null;
  }
  const body = 0;
  /** The bytes of segments `from` to `to` (exclusive), each verified against its sum. */
  const verified = (from: number, to: number): Buffer => {
    const start = from === 0 ? 0 : ends[from - 1]!;
    const bytes = read(ends[to - 1]! - start, body + start);
    for (let i = from; i < to; i++) {
      const at = (i === 0 ? 0 : ends[i - 1]!) - start;
      if (crc32(bytes.subarray(at, ends[i]! - start)) !== sums[i])
        throw corrupt(path, i < header.count ? `package ${i}` : `index bucket ${i - header.count}`);
    }
    return bytes;
  };
  const segment = (i: number): string => verified(i, i + 1).toString('utf8');
  const parsedBuckets = new Map<number, Array<string | number | number[]>>();
  const bucketAt = (at: number): Array<string | number | number[]> => {
    let bucket = parsedBuckets.get(at);
    if (!bucket) {
      bucket = JSON.parse(segment(at)) as Array<string | number | number[]>;
      parsedBuckets.set(at, bucket);
    }
    return bucket;
  };
  const positions = (kind: IndexKind, key: string): readonly number[] | undefined => {
    const [first, count] = header.buckets[kind];
    const bucket = bucketAt(first + bucketOf(key, count - 1));
    for (let i = 0; i < bucket.length; i += 2) {
      if (bucket[i] === key) {
        const v = bucket[i + 1] as number | number[];
        return typeof v === 'number' ? [v] : v;
      }
    }
    return undefined;
  };
  const memo = memoOf(path, checksum);
  const source: PackageSource = {
    ...positionSource(
      positions,
      header.count,
      (i) => memo.decode(i, () => segment(i), repo),
      () => decodePackages(header.count === 0 ? '' : verified(0, header.count).toString('utf8'), header.count, repo),
    ),
    remember: () => memo.save(),
    keys: (kind) => {
      const [first, count] = header.buckets[kind];
      const keys: string[] = [];
      for (let at = first; at < first + count; at++) {
        const bucket = bucketAt(at);
        for (let i = 0; i < bucket.length; i += 2) keys.push(bucket[i] as string);
      }
      return keys;
    },
  };
  openFiles.register(source, fd);
  return source;
}
