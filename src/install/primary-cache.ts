/**
 * The parsed-primary cache: one repository's packages and their index, in a form a warm run opens
 * without decoding it. A JSON header line, then a body of segments laid end to end:
 *
 *   header        format, the primary checksum it was built from, package count, per index kind
 *                 its first bucket segment and bucket count, and where every segment ends (byte
 *                 offsets into the body)
 *   packages      one segment each: its <package> element, exactly as primary.xml has it
 *   buckets       per kind (names, provides, files, obsoletes), hash buckets as JSON: [key,
 *                 position or [positions], key, ...] for the keys whose FNV-1a hash falls in it
 *
 * Building it reads primary.xml once for the index keys only and keeps each package's XML as it
 * is; a package is parsed (by the repodata reader) when a lookup first returns it. Opening it
 * parses the header only; a lookup parses one bucket. A resolution thus parses a few dozen
 * packages of thousands, cold or warm.
 */
import { StringDecoder } from 'node:string_decoder';
import { decompressedChunks, type MetadataSource } from '../repodata/decompress.js';
import { parsePrimaryXml } from '../repodata/reader.js';
import { XmlScanner, type XmlEvents } from '../repodata/xml-scan.js';
import { addKey, emptyIndexTables, positionSource, type IndexKind, type IndexTables, type PackageSource, type PoolPackage } from '../resolve/pool.js';
import { YumdaError } from '../util/errors.js';

export const PRIMARY_CACHE_FORMAT = 9;

const KINDS: readonly IndexKind[] = ['names', 'provides', 'files', 'obsoletes'];

interface Header {
  format: number;
  checksum: string;
  count: number;
  /** Per kind: first bucket segment, bucket count (a power of two). */
  buckets: Record<IndexKind, [number, number]>;
  /** Segment i ends at body byte ends[i] and starts where segment i - 1 ends (the first at 0). */
  ends: number[];
}

interface Repo {
  id: string;
  priority: number;
}

function decodePackage(xml: string, repo: Repo): PoolPackage {
  const [record] = parsePrimaryXml(xml, `${repo.id} metadata cache`);
  if (!record) throw new Error(`${repo.id} metadata cache: no package in ${xml.slice(0, 60)}`);
  return Object.assign(record, { repo: repo.id, priority: repo.priority });
}

/** FNV-1a of the key's UTF-16 code units, masked to a bucket. */
function bucketOf(key: string, mask: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) & mask;
}

/** About four keys a bucket: a lookup parses a short line. */
function bucketCount(keys: number): number {
  let n = 1;
  while (n * 4 < keys) n *= 2;
  return n;
}

/**
 * The index keys of primary.xml's packages (what pool.ts's addToIndex takes from a record: name,
 * provided names with the package's own, primary file paths, obsoleted names) and each package's
 * XML; source packages (arch src/nosrc) are left out.
 */
class PrimaryIndexer implements XmlEvents {
  readonly packages: string[] = [];
  readonly tables = emptyIndexTables();
  private name = '';
  private arch = '';
  private provides: string[] = [];
  private files: string[] = [];
  private obsoletes: string[] = [];
  private list: string[] | null = null;

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
    const i = this.packages.length;
    const t = this.tables;
    addKey(t.names, this.name, i);
    addKey(t.provides, this.name, i);
    for (const p of this.provides) addKey(t.provides, p, i);
    for (const f of this.files) addKey(t.files, f, i);
    for (const o of this.obsoletes) addKey(t.obsoletes, o, i);
    this.packages.push(xml);
  }
}

/** A repository's packages read from its primary.xml(.gz…), ready to look up and to write as a cache. */
export class BuiltPrimaryCache {
  constructor(
    private readonly packages: readonly string[],
    private readonly tables: IndexTables,
  ) {}

  /** The packages, parsed as they are looked up (what openPrimaryCache gives for the written file). */
  source(repo: Repo): PackageSource {
    const { packages, tables } = this;
    return positionSource((kind, key) => tables[kind].get(key), packages.length, (i) => decodePackage(packages[i]!, repo));
  }

  /** The cache file's text. */
  render(checksum: string): string {
    const out: string[] = [...this.packages];
    const buckets = {} as Header['buckets'];
    for (const kind of KINDS) {
      const table = this.tables[kind];
      const count = bucketCount(table.size);
      const lists = Array.from({ length: count }, (): Array<string | number | number[]> => []);
      for (const [key, positions] of table) lists[bucketOf(key, count - 1)]!.push(key, positions.length === 1 ? positions[0]! : positions);
      buckets[kind] = [out.length, count];
      for (const list of lists) out.push(JSON.stringify(list));
    }
    let at = 0;
    const ends = out.map((segment) => (at += Buffer.byteLength(segment)));
    const header: Header = { format: PRIMARY_CACHE_FORMAT, checksum, count: this.packages.length, buckets, ends };
    return JSON.stringify(header) + '\n' + out.join('');
  }
}

/** Reads a primary.xml(.gz|.xz|.bz2|.zst) file (or plain text) for the cache. */
export async function buildPrimaryCache(source: MetadataSource, label = typeof source === 'string' ? source : 'primary.xml'): Promise<BuiltPrimaryCache> {
  const indexer = new PrimaryIndexer();
  const scanner = new XmlScanner(indexer, { capture: 'package', attributesOf: (name) => indexer.wantsAttributes(name), textOf: (name) => name === 'name' || name === 'arch' || name === 'file' });
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of decompressedChunks(source, label)) scanner.write(decoder.write(chunk as Buffer));
    scanner.write(decoder.end());
    scanner.close();
  } catch (e) {
    throw new YumdaError('METADATA_CORRUPT', `${label}: malformed repository metadata: ${(e as Error).message}`, { cause: e });
  }
  return new BuiltPrimaryCache(indexer.packages, indexer.tables);
}

/**
 * The packages of a cache file's bytes, or null when they are not a complete cache of this
 * format for `checksum` (the caller rebuilds it from the metadata).
 */
export function openPrimaryCache(bytes: Buffer, checksum: string, repo: Repo): PackageSource | null {
  const body = bytes.indexOf(10) + 1;
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', 0, body - 1)) as Header;
  } catch {
    return null;
  }
  if (body === 0 || header.format !== PRIMARY_CACHE_FORMAT || header.checksum !== checksum) return null;
  // a file cut short (or grown): the segments must end where the header says
  const ends = header.ends;
  const segments = header.count + KINDS.reduce((sum, k) => sum + header.buckets[k][1], 0);
  if (ends.length !== segments || body + (ends[segments - 1] ?? 0) !== bytes.length) return null;
  const segment = (i: number): string => bytes.toString('utf8', body + (i === 0 ? 0 : ends[i - 1]!), body + ends[i]!);
  const parsedBuckets = new Map<number, Array<string | number | number[]>>();
  const positions = (kind: IndexKind, key: string): readonly number[] | undefined => {
    const [first, count] = header.buckets[kind];
    const at = first + bucketOf(key, count - 1);
    let bucket = parsedBuckets.get(at);
    if (!bucket) {
      bucket = JSON.parse(segment(at)) as Array<string | number | number[]>;
      parsedBuckets.set(at, bucket);
    }
    for (let i = 0; i < bucket.length; i += 2) {
      if (bucket[i] === key) {
        const v = bucket[i + 1] as number | number[];
        return typeof v === 'number' ? [v] : v;
      }
    }
    return undefined;
  };
  return positionSource(positions, header.count, (i) => decodePackage(segment(i), repo));
}
