/**
 * Streaming readers for repodata: primary, filelists and other (gzip/xz/bzip2/zstd or plain)
 * yield one record per package as the bytes arrive, never a DOM of the whole file, so a
 * 100 MB filelists costs the memory of one package. Parser: xml-scan.ts (checks nesting, quoting
 * and entities). In one pass over a file, htmlparser2 takes 1.5-1.9x its time and saxes 1.7-2.2x;
 * the parsers that come near it check almost nothing and tell no element offsets, which the
 * metadata cache needs (scripts/bench/xml.ts, README section on reading repository XML).
 */
import { StringDecoder } from 'node:string_decoder';
import type { ChangelogEntry, DepFlag, Dependency } from '../rpm/types.js';
import { YumdaError } from '../util/errors.js';
import { decompressedChunks, type MetadataSource } from './decompress.js';
import { XmlScanner } from './xml-scan.js';
import {
  emptyPackageRecord,
  type FilelistsRecord,
  type OtherRecord,
  type PackageRecord,
  type RepoFile,
  type RepoFileType,
} from './types.js';

export type { MetadataSource } from './decompress.js';

/** Receives parser events; pushes finished records into `out`. */
interface Handler<T> {
  open(name: string, attrs: Record<string, string>): void;
  close(name: string, text: string): void;
  out: T[];
}

function int(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

const DEP_FLAGS = new Set(['EQ', 'LT', 'LE', 'GT', 'GE']);

function dependency(attrs: Record<string, string>): Dependency {
  const flags = attrs.flags !== undefined && DEP_FLAGS.has(attrs.flags) ? (attrs.flags as DepFlag) : null;
  return {
    name: attrs.name ?? '',
    flags,
    epoch: attrs.epoch === undefined || attrs.epoch === '' ? null : int(attrs.epoch),
    version: attrs.ver ?? null,
    release: attrs.rel ?? null,
    pre: attrs.pre === '1' || attrs.pre === 'true',
  };
}

function fileType(type: string | undefined): RepoFileType {
  return type === 'dir' ? 'dir' : type === 'ghost' ? 'ghost' : 'file';
}

async function* parseRecords<T>(source: MetadataSource, handler: Handler<T>, label: string): AsyncGenerator<T> {
  const scanner = new XmlScanner(handler);
  // StringDecoder (keeps a character cut by a chunk boundary for the next chunk) decodes about
  // 30 ms faster than a streaming TextDecoder on a 6 MB primary.xml
  const decoder = new StringDecoder('utf8');
  const fail = (e: unknown): YumdaError =>
    e instanceof YumdaError
      ? e
      : new YumdaError('METADATA_CORRUPT', `${label}: malformed repository metadata: ${(e as Error).message}`, {
          cause: e,
        });
  try {
    for await (const chunk of decompressedChunks(source, label)) {
      scanner.write(decoder.write(chunk as Buffer));
      if (handler.out.length > 0) {
        const batch = handler.out.splice(0, handler.out.length);
        for (const record of batch) yield record;
      }
    }
    scanner.write(decoder.end());
    scanner.close();
  } catch (e) {
    throw fail(e);
  }
  for (const record of handler.out.splice(0, handler.out.length)) yield record;
}

function labelOf(source: MetadataSource, fallback: string): string {
  return typeof source === 'string' ? source : fallback;
}

/** Exported for scripts/bench/xml.ts, which drives every candidate parser through the readers' own handlers. */
export class PrimaryHandler implements Handler<PackageRecord> {
  out: PackageRecord[] = [];
  private p: PackageRecord | undefined;
  private deps: Dependency[] | undefined;
  private fileType: RepoFileType = 'file';

  open(name: string, a: Record<string, string>): void {
    if (name === 'package') {
      this.p = emptyPackageRecord();
      return;
    }
    const p = this.p;
    if (!p) return;
    switch (name) {
      case 'entry':
        this.deps?.push(dependency(a));
        break;
      case 'file':
        this.fileType = fileType(a.type);
        break;
      case 'version':
        p.epoch = int(a.epoch);
        p.version = a.ver ?? '';
        p.release = a.rel ?? '';
        break;
      case 'checksum':
        p.checksumType = a.type ?? 'sha256';
        break;
      case 'time':
        p.timeFile = int(a.file);
        p.timeBuild = int(a.build);
        break;
      case 'size':
        p.sizePackage = int(a.package);
        p.sizeInstalled = int(a.installed);
        p.sizeArchive = int(a.archive);
        break;
      case 'location':
        p.locationHref = a.href ?? '';
        if (a['xml:base']) p.locationBase = a['xml:base'];
        break;
      case 'header-range':
        p.headerStart = int(a.start);
        p.headerEnd = int(a.end);
        break;
      case 'provides':
      case 'requires':
      case 'conflicts':
      case 'obsoletes':
      case 'recommends':
      case 'suggests':
      case 'supplements':
      case 'enhances':
        this.deps = p[name];
        break;
    }
  }

  close(name: string, text: string): void {
    const p = this.p;
    if (!p) return;
    switch (name) {
      case 'package':
        this.out.push(p);
        this.p = undefined;
        break;
      case 'name':
        p.name = text;
        break;
      case 'arch':
        p.arch = text;
        break;
      case 'checksum':
        p.pkgId = text.trim();
        break;
      case 'summary':
        p.summary = text;
        break;
      case 'description':
        p.description = text;
        break;
      case 'packager':
        p.packager = text;
        break;
      case 'url':
        p.url = text;
        break;
      case 'license':
        p.license = text;
        break;
      case 'vendor':
        p.vendor = text;
        break;
      case 'group':
        p.group = text;
        break;
      case 'buildhost':
        p.buildhost = text;
        break;
      case 'sourcerpm':
        p.sourcerpm = text;
        break;
      case 'file':
        p.primaryFiles.push({ path: text, type: this.fileType });
        break;
      case 'provides':
      case 'requires':
      case 'conflicts':
      case 'obsoletes':
      case 'recommends':
      case 'suggests':
      case 'supplements':
      case 'enhances':
        this.deps = undefined;
        break;
    }
  }
}

export class FilelistsHandler implements Handler<FilelistsRecord> {
  out: FilelistsRecord[] = [];
  private f: FilelistsRecord | undefined;
  private files: RepoFile[] = [];
  private fileType: RepoFileType = 'file';

  open(name: string, a: Record<string, string>): void {
    if (name === 'package') {
      this.files = [];
      this.f = {
        pkgId: a.pkgid ?? '',
        name: a.name ?? '',
        arch: a.arch ?? '',
        epoch: 0,
        version: '',
        release: '',
        files: this.files,
      };
    } else if (name === 'file') {
      this.fileType = fileType(a.type);
    } else if (name === 'version' && this.f) {
      this.f.epoch = int(a.epoch);
      this.f.version = a.ver ?? '';
      this.f.release = a.rel ?? '';
    }
  }

  close(name: string, text: string): void {
    if (name === 'file') {
      this.files.push({ path: text, type: this.fileType });
    } else if (name === 'package' && this.f) {
      this.out.push(this.f);
      this.f = undefined;
    }
  }
}

class OtherHandler implements Handler<OtherRecord> {
  out: OtherRecord[] = [];
  private o: OtherRecord | undefined;
  private author = '';
  private date = 0;

  open(name: string, a: Record<string, string>): void {
    if (name === 'package') {
      this.o = {
        pkgId: a.pkgid ?? '',
        name: a.name ?? '',
        arch: a.arch ?? '',
        epoch: 0,
        version: '',
        release: '',
        changelog: [],
      };
    } else if (name === 'changelog') {
      this.author = a.author ?? '';
      this.date = int(a.date);
    } else if (name === 'version' && this.o) {
      this.o.epoch = int(a.epoch);
      this.o.version = a.ver ?? '';
      this.o.release = a.rel ?? '';
    }
  }

  close(name: string, text: string): void {
    if (!this.o) return;
    if (name === 'changelog') {
      this.o.changelog.push({ author: this.author, time: this.date, text } satisfies ChangelogEntry);
    } else if (name === 'package') {
      // other.xml lists entries oldest first; records keep the header's newest-first order
      this.o.changelog.reverse();
      this.out.push(this.o);
      this.o = undefined;
    }
  }
}

/** Packages of a primary.xml(.gz|.xz|.bz2|.zst), one by one, from a path or a byte stream. */
export function readPrimary(source: MetadataSource): AsyncIterable<PackageRecord> {
  return parseRecords(source, new PrimaryHandler(), labelOf(source, 'primary.xml'));
}

/** The packages of primary.xml text at hand (a whole document, or one <package> element), synchronously. */
export function parsePrimaryXml(xml: string, label = 'primary.xml'): PackageRecord[] {
  const handler = new PrimaryHandler();
  const scanner = new XmlScanner(handler);
  try {
    scanner.write(xml);
    scanner.close();
  } catch (e) {
    throw new YumdaError('METADATA_CORRUPT', `${label}: malformed repository metadata: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return handler.out;
}

/** File lists of a filelists.xml(.gz…), one package at a time. */
export function readFilelists(source: MetadataSource): AsyncIterable<FilelistsRecord> {
  return parseRecords(source, new FilelistsHandler(), labelOf(source, 'filelists.xml'));
}

/** Changelogs of an other.xml(.gz…), one package at a time (entries newest first). */
export function readOther(source: MetadataSource): AsyncIterable<OtherRecord> {
  return parseRecords(source, new OtherHandler(), labelOf(source, 'other.xml'));
}
