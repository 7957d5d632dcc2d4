/**
 * Benchmark: streaming XML parsers on repository metadata, against src/repodata/xml-scan.ts.
 *
 *   npx tsc -p . && node dist/scripts/bench/xml.js [--packages 5000] [--runs 5] [--chunk 65536] [--parsers xml-scan,htmlparser2,...] [--keep]
 *
 * Candidates other than xml-scan and saxes are not dependencies; install them for a measurement only:
 *   flock /tmp/yumda-npm.lock npm install --no-save htmlparser2 sax sax-wasm ltx saxophone
 * A candidate that is not installed is skipped with a message.
 *
 * Documents: a primary.xml and a filelists.xml of `packages` generated packages, rendered by yumda's
 * own writer (src/repodata/render.ts) in createrepo_c's layout, with a realistic spread of sizes
 * (provides/requires with flags and versions, escaped characters in descriptions, 1-400 files).
 * Every parser gets the same decompressed bytes in the same chunks; those that take strings get
 * them through a StringDecoder (as the readers do), sax-wasm takes the bytes.
 *
 * Workloads, each parser driven through the same events (open(name, attrs) / close(name, text),
 * the text since the previous tag, names without prefix):
 *   primary    primary.xml → the reader's PackageRecords (src/repodata/reader.ts PrimaryHandler)
 *   filelists  filelists.xml → FilelistsRecords (FilelistsHandler)
 *   index      primary.xml → the metadata cache's index keys and each <package> element's source
 *              (src/install/primary-cache.ts PrimaryIndexer: the client's cold path). Needs the
 *              parser to tell where an element starts and ends in the input; parsers that cannot
 *              are left out.
 * Each measurement runs in a fresh process (the client parses metadata once per run, before the
 * JIT has warmed up): the time of the first pass, of a second pass in the same process (warm), the
 * process's peak RSS after the first pass, and the time to import the parser (WebAssembly
 * compilation included). Medians of `runs`. Before timing, every parser's output is checked
 * against xml-scan's (a digest of the records, or of the cache file they make): "NO" for sax-wasm
 * on primary.xml, which splits text at line breaks and drops them (multi-line descriptions).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the other parsers are optional and untyped: installed by hand, loaded by name */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { PrimaryIndexer } from '../../src/install/primary-cache.js';
import type { Dependency } from '../../src/rpm/types.js';
import { FilelistsHandler, PrimaryHandler } from '../../src/repodata/reader.js';
import {
  filelistsFooter,
  filelistsHeader,
  primaryFooter,
  primaryHeader,
  renderFilelistsPackage,
  renderPrimaryPackage,
} from '../../src/repodata/render.js';
import {
  emptyPackageRecord,
  type FilelistsRecord,
  type PackageRecord,
  type RepoFile,
} from '../../src/repodata/types.js';
import type { XmlEvents } from '../../src/repodata/xml-scan.js';
import { median, option, rng } from './common.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => option(name, fallback, args);

type Workload = 'primary' | 'filelists' | 'index';

// ---------------------------------------------------------------------------------------------
// Documents

const WORDS =
  'lib core utils tools devel common data python3 perl ruby gtk3 qt5 x11 font icon theme ssl crypto xml json yaml http net dns ldap krb5 sasl pam udev dbus glib zlib bz2 lzma zstd curl git vim emacs bash sh'.split(
    ' ',
  );
const DIRS = [
  '/usr/bin',
  '/usr/sbin',
  '/usr/lib64',
  '/usr/lib',
  '/usr/libexec',
  '/usr/share/doc',
  '/usr/share/man/man1',
  '/usr/share/locale',
  '/usr/include',
  '/etc',
  '/usr/lib64/python3.7/site-packages',
  '/usr/share/licenses',
];

function generated(i: number, rand: () => number): { p: PackageRecord; f: FilelistsRecord } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const name = `${pick(WORDS)}-${pick(WORDS)}${i % 3 === 0 ? '-devel' : ''}-${i}`;
  const version = `${1 + Math.floor(rand() * 9)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 10)}`;
  const release = `${1 + Math.floor(rand() * 20)}.amzn2`;
  const dep = (n: string, flags: Dependency['flags'] = null, v: string | null = null, pre = false): Dependency => ({
    name: n,
    flags,
    epoch: flags ? 0 : null,
    version: v,
    release: flags && rand() < 0.5 ? release : null,
    pre,
  });
  const soname = (k: number): string => `lib${pick(WORDS)}${k}.so.${1 + (k % 4)}()(64bit)`;
  const provides = [dep(name, 'EQ', version), dep(`${name}(x86-64)`, 'EQ', version)];
  for (let k = Math.floor(rand() * rand() * 25); k > 0; k--)
    provides.push(rand() < 0.7 ? dep(soname(k)) : dep(`lib${name}.so.1(V_${k}.0)(64bit)`));
  const requires = [dep('rtld(GNU_HASH)'), dep('libc.so.6(GLIBC_2.14)(64bit)')];
  for (let k = 2 + Math.floor(rand() * 30); k > 0; k--) {
    const r = rand();
    requires.push(
      r < 0.5
        ? dep(soname(Math.floor(rand() * 200)))
        : r < 0.8
          ? dep(`${pick(WORDS)}-${pick(WORDS)}-${Math.floor(rand() * 5000)}`, 'GE', version)
          : r < 0.9
            ? dep('/bin/sh', null, null, true)
            : dep(`config(${name})`, 'EQ', version),
    );
  }
  const fileCount = 1 + Math.floor(rand() * rand() * rand() * 400);
  const files: RepoFile[] = [];
  for (let k = 0; k < fileCount; k++) {
    const dir = pick(DIRS);
    const depth = Math.floor(rand() * 3);
    let path = `${dir}/${name}`;
    for (let d = 0; d < depth; d++) path += `/${pick(WORDS)}`;
    files.push({
      path: `${path}/${pick(WORDS)}-${k}${pick(['', '.so.1', '.py', '.pyc', '.h', '.1.gz', '.mo', '.conf'])}`,
      type: rand() < 0.08 ? 'dir' : rand() < 0.01 ? 'ghost' : 'file',
    });
  }
  const lines = 1 + Math.floor(rand() * 6);
  let description = '';
  for (let k = 0; k < lines; k++)
    description += `${name} ${pick(WORDS)} provides ${pick(WORDS)} & ${pick(WORDS)} support for <${pick(WORDS)}> "quoted" users' programs.\n`;
  const pkgId = createHash('sha256').update(name).digest('hex');
  const p: PackageRecord = {
    ...emptyPackageRecord(),
    pkgId,
    name,
    arch: i % 10 === 0 ? 'noarch' : 'x86_64',
    version,
    release,
    summary: `The ${pick(WORDS)} ${pick(WORDS)} library for ${pick(WORDS)}`,
    description,
    packager: 'Amazon Linux',
    url: `https://example.org/${name}/`,
    license: 'GPLv2+ and LGPLv2+',
    vendor: 'Amazon Linux',
    group: 'System Environment/Libraries',
    buildhost: 'build.amazon.com',
    sourcerpm: `${name}-${version}-${release}.src.rpm`,
    timeFile: 1700000000 + i,
    timeBuild: 1690000000 + i,
    sizePackage: 10000 + i,
    sizeInstalled: 30000 + i,
    sizeArchive: 31000 + i,
    locationHref: `Packages/${name}-${version}-${release}.x86_64.rpm`,
    headerStart: 4504,
    headerEnd: 20000 + i,
    provides,
    requires,
    obsoletes: i % 17 === 0 ? [dep(`${name}-old`, 'LT', version)] : [],
    conflicts: i % 23 === 0 ? [dep(`${name}-compat`)] : [],
    primaryFiles: files.filter(
      (f) => f.path.startsWith('/usr/bin/') || f.path.startsWith('/etc/') || f.path.startsWith('/usr/sbin/'),
    ),
  };
  return { p, f: { pkgId, name, arch: p.arch, epoch: 0, version, release, files } };
}

function writeDocuments(dir: string, packages: number): Record<'primary' | 'filelists', string> {
  const rand = rng(42);
  const primary: string[] = [primaryHeader(packages)];
  const filelists: string[] = [filelistsHeader(packages)];
  for (let i = 0; i < packages; i++) {
    const { p, f } = generated(i, rand);
    primary.push(renderPrimaryPackage(p));
    filelists.push(renderFilelistsPackage(f));
  }
  primary.push(primaryFooter);
  filelists.push(filelistsFooter);
  const paths = { primary: join(dir, 'primary.xml'), filelists: join(dir, 'filelists.xml') };
  writeFileSync(paths.primary, primary.join(''));
  writeFileSync(paths.filelists, filelists.join(''));
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Parsers: each drives XmlEvents from byte chunks, with `capture` (the source of each element of
// that name, by the parser's own offsets) where it can.

type Drive = (chunks: readonly Buffer[], events: XmlEvents, capture: string | null) => void | Promise<void>;

interface Candidate {
  /** The npm package (for its version); null for yumda's own scanner. */
  pkg: string | null;
  load(): Promise<Drive>;
  canCapture: boolean;
}

const local = (qname: string): string => qname.slice(qname.indexOf(':') + 1);
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** For parsers that leave entities to the caller. */
const decode = (s: string): string =>
  s.indexOf('&') < 0
    ? s
    : s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (_, r: string) =>
        r[0] === '#'
          ? String.fromCodePoint(r[1] === 'x' ? parseInt(r.slice(2), 16) : parseInt(r.slice(1), 10))
          : PREDEFINED[r]!,
      );

/** Text since the previous tag, as the readers get it. */
class TextRuns {
  text = '';
  constructor(private readonly events: XmlEvents) {}
  open(qname: string, attrs: Record<string, string>): void {
    this.text = '';
    this.events.open(local(qname), attrs);
  }
  close(qname: string): void {
    const text = this.text;
    this.text = '';
    this.events.close(local(qname), text);
  }
}

/**
 * The source of each element named `name`, from the parser's character offsets into everything
 * written: keeps the written strings from the one where the element started.
 */
class CharCapture {
  private parts: string[] = [];
  /** Offset (in all the text written) of parts[0]. */
  private base = 0;
  private written = 0;
  private start = -1;
  private depth = 0;
  constructor(
    private readonly name: string,
    private readonly events: XmlEvents,
  ) {}
  write(s: string): void {
    if (this.start < 0 && this.parts.length > 1) {
      // the start tag of the next element may begin in the previous string
      this.base += this.parts[0]!.length;
      this.parts.shift();
    }
    this.parts.push(s);
    this.written += s.length;
  }
  /** `lt`: where the start tag begins, or a function that tells (called for the captured name only). */
  open(qname: string, lt: number | (() => number)): void {
    if (local(qname) !== this.name) return;
    if (this.depth++ === 0) {
      const at = typeof lt === 'number' ? lt : lt();
      if (at < this.base) throw new Error('a start tag spans more than two chunks');
      this.start = at;
    }
  }
  /** Where the last '<' before `end` is (for parsers that tell where a tag ends only). */
  ltBefore(end: number): number {
    const last = this.parts[this.parts.length - 1]!;
    const lastBase = this.written - last.length;
    const at = end > lastBase ? last.lastIndexOf('<', end - lastBase - 1) : -1;
    return at >= 0 ? lastBase + at : this.base + this.parts.join('').lastIndexOf('<', end - this.base - 1);
  }
  /** `end`: the offset just after the element's last '>'. */
  close(qname: string, end: number): void {
    if (local(qname) !== this.name || --this.depth > 0) return;
    const last = this.parts[this.parts.length - 1]!;
    const lastBase = this.written - last.length;
    this.events.captured!(
      this.start >= lastBase
        ? last.slice(this.start - lastBase, end - lastBase)
        : this.parts.join('').slice(this.start - this.base, end - this.base),
    );
    this.start = -1;
    this.base = lastBase;
    this.parts = [last];
  }
}

function decodedChunks(chunks: readonly Buffer[], write: (s: string) => void): void {
  const decoder = new StringDecoder('utf8');
  for (const c of chunks) write(decoder.write(c));
  write(decoder.end());
}

const candidates: Record<string, Candidate> = {
  'xml-scan': {
    pkg: null,
    canCapture: true,
    async load() {
      const { XmlScanner } = await import('../../src/repodata/xml-scan.js');
      return (chunks, events, capture) => {
        // the options the client's cache indexer uses; the readers use none
        const options =
          capture === null
            ? {}
            : {
                capture,
                attributesOf: (name: string) => (events as PrimaryIndexer).wantsAttributes(name),
                textOf: (name: string) => name === 'name' || name === 'arch' || name === 'file',
              };
        const scanner = new XmlScanner(events, options);
        decodedChunks(chunks, (s) => scanner.write(s));
        scanner.close();
      };
    },
  },
  htmlparser2: {
    pkg: 'htmlparser2',
    canCapture: true,
    async load() {
      const { Parser } = (await import('htmlparser2' as string)) as any;
      return (chunks, events, capture) => {
        const runs = new TextRuns(events);
        const cap = capture === null ? null : new CharCapture(capture, events);
        let error: Error | null = null;
        const parser = new Parser(
          {
            onopentag: (name: string, attrs: Record<string, string>) => {
              cap?.open(name, parser.startIndex);
              runs.open(name, attrs);
            },
            ontext: (s: string) => (runs.text += s),
            onclosetag: (name: string) => {
              runs.close(name);
              cap?.close(name, parser.endIndex + 1);
            },
            onerror: (e: Error) => (error = e),
          },
          { xmlMode: true },
        );
        decodedChunks(chunks, (s) => {
          cap?.write(s);
          parser.write(s);
        });
        parser.end();
        if (error) throw error;
      };
    },
  },
  sax: {
    pkg: 'sax',
    canCapture: true,
    async load() {
      const sax = (await import('sax' as string)).default as { parser(strict: boolean, opt: object): any };
      return (chunks, events, capture) => {
        const runs = new TextRuns(events);
        const cap = capture === null ? null : new CharCapture(capture, events);
        const parser = sax.parser(true, { position: cap !== null });
        parser.onopentag = (tag: { name: string; attributes: Record<string, string> }) => {
          cap?.open(tag.name, parser.startTagPosition - 1);
          runs.open(tag.name, tag.attributes);
        };
        parser.ontext = parser.oncdata = (s: string) => (runs.text += s);
        parser.onclosetag = (name: string) => {
          runs.close(name);
          cap?.close(name, parser.position);
        };
        parser.onerror = (e: Error) => {
          throw e;
        };
        decodedChunks(chunks, (s) => {
          cap?.write(s);
          parser.write(s);
        });
        parser.close();
      };
    },
  },
  saxes: {
    pkg: 'saxes',
    canCapture: true,
    async load() {
      const { SaxesParser } = await import('saxes');
      return (chunks, events, capture) => {
        const runs = new TextRuns(events);
        const cap = capture === null ? null : new CharCapture(capture, events);
        const parser = new SaxesParser({ xmlns: false, position: cap !== null });
        parser.on('opentag', (tag) => {
          // saxes tells where a start tag ends: it starts at the last '<' before that
          cap?.open(tag.name, () => cap.ltBefore(parser.position));
          runs.open(tag.name, tag.attributes as Record<string, string>);
        });
        parser.on('text', (s) => (runs.text += s));
        parser.on('cdata', (s) => (runs.text += s));
        parser.on('closetag', (tag) => {
          runs.close(tag.name);
          cap?.close(tag.name, parser.position);
        });
        parser.on('error', (e) => {
          throw e;
        });
        decodedChunks(chunks, (s) => {
          cap?.write(s);
          parser.write(s);
        });
        parser.close();
      };
    },
  },
  'sax-wasm': {
    pkg: 'sax-wasm',
    canCapture: true,
    async load() {
      const mod = (await import('sax-wasm' as string)) as any;
      const wasm = readFileSync(require.resolve('sax-wasm/lib/sax-wasm.wasm'));
      const { SAXParser, SaxEventType: E } = mod;
      // compile once (part of the import cost)
      const module: unknown = await (globalThis as any).WebAssembly.compile(wasm);
      return async (chunks, events, capture) => {
        const parser = new SAXParser(E.Text | E.OpenTag | E.CloseTag | E.Cdata);
        await parser.prepareWasm(module);
        const runs = new TextRuns(events);
        // byte offsets: keep the chunks from the one where the captured element starts
        const parts: Buffer[] = [];
        let base = 0;
        let written = 0;
        let start = -1;
        parser.eventHandler = (type: number, d: any) => {
          if (type === E.Text || type === E.Cdata) {
            runs.text += type === E.Text ? decode(d.value) : d.value;
          } else if (type === E.OpenTag) {
            const attrs: Record<string, string> = {};
            for (const a of d.attributes) attrs[a.name.value] = decode(a.value.value);
            const name: string = d.name;
            if (capture !== null && local(name) === capture && start < 0) start = d.byteOffsets.start;
            runs.open(name, attrs);
            if (d.selfClosing) runs.close(name);
          } else if (type === E.CloseTag) {
            const name: string = d.name;
            if (d.selfClosing) return;
            runs.close(name);
            if (capture !== null && local(name) === capture) {
              const end: number = d.byteOffsets.end;
              const last = parts[parts.length - 1]!;
              const lastBase = written - last.length;
              const all = start >= lastBase ? last : Buffer.concat(parts);
              const from = start >= lastBase ? lastBase : base;
              events.captured!(all.toString('utf8', start - from, end - from));
              start = -1;
              base = lastBase;
              parts.splice(0, parts.length - 1);
            }
          }
        };
        for (const c of chunks) {
          if (capture !== null) {
            if (start < 0 && parts.length > 1) {
              base += parts[0]!.length;
              parts.shift();
            }
            parts.push(c);
            written += c.length;
          }
          parser.write(c);
        }
        parser.end();
      };
    },
  },
  ltx: {
    pkg: 'ltx',
    canCapture: false,
    async load() {
      const ltx = (await import('ltx' as string)) as any;
      // ltx exports a parser that builds the whole document; its streaming tokenizer is reached only through it
      const SaxLtx = ltx.Parser.prototype.DefaultParser;
      return (chunks, events) => {
        const runs = new TextRuns(events);
        const parser = new SaxLtx();
        parser.on('startElement', (name: string, attrs: Record<string, string>) => runs.open(name, attrs));
        parser.on('endElement', (name: string) => runs.close(name));
        parser.on('text', (s: string) => (runs.text += s));
        parser.on('error', (e: Error) => {
          throw e;
        });
        decodedChunks(chunks, (s) => parser.write(s));
        parser.end();
      };
    },
  },
  saxophone: {
    pkg: 'saxophone',
    canCapture: false,
    async load() {
      const Saxophone = (await import('saxophone' as string)).default as any;
      return (chunks, events) =>
        new Promise<void>((resolve, reject) => {
          const runs = new TextRuns(events);
          const parser = new Saxophone();
          parser.on('tagopen', (tag: { name: string; attrs: string; isSelfClosing: boolean }) => {
            const raw = Saxophone.parseAttrs(tag.attrs) as Record<string, string>;
            const attrs: Record<string, string> = {};
            for (const k in raw) attrs[k] = decode(raw[k]!);
            runs.open(tag.name, attrs);
            if (tag.isSelfClosing) runs.close(tag.name);
          });
          parser.on('tagclose', (tag: { name: string }) => runs.close(tag.name));
          parser.on('text', (t: { contents: string }) => (runs.text += decode(t.contents)));
          parser.on('cdata', (t: { contents: string }) => (runs.text += t.contents));
          parser.on('error', reject);
          parser.on('finish', resolve);
          decodedChunks(chunks, (s) => parser.write(s));
          parser.end();
        });
    },
  },
};

// ---------------------------------------------------------------------------------------------
// One measurement (child process)

interface ChildResult {
  importMs: number;
  firstMs: number;
  secondMs: number;
  rssMb: number;
  digest: string;
}

function sink(workload: Workload): { events: XmlEvents; result(): string; reset(): void } {
  if (workload === 'index') {
    let hash = createHash('sha256');
    const fresh = (): PrimaryIndexer => new PrimaryIndexer((xml) => hash.update(xml));
    let indexer = fresh();
    return {
      get events() {
        return indexer;
      },
      result: () => {
        for (const spill of Object.values(indexer.spills)) hash.update(spill.contents());
        return hash.digest('hex');
      },
      reset: () => {
        hash = createHash('sha256');
        indexer = fresh();
      },
    };
  }
  const make = (): PrimaryHandler | FilelistsHandler =>
    workload === 'primary' ? new PrimaryHandler() : new FilelistsHandler();
  let handler = make();
  let count = 0;
  const hash = createHash('sha256');
  let hashing = false;
  // the readers hand records on as they come: drain them as each event arrives
  const events: XmlEvents = {
    open: (name, attrs) => handler.open(name, attrs),
    close: (name, text) => {
      handler.close(name, text);
      if (handler.out.length > 0) {
        count += handler.out.length;
        if (hashing) for (const r of handler.out) hash.update(JSON.stringify(r));
        handler.out.length = 0;
      }
    },
  };
  return {
    events,
    result: () => `${count}:${hash.digest('hex')}`,
    reset: () => {
      handler = make();
      count = 0;
      hashing = true;
    },
  };
}

async function child(
  name: string,
  workload: Workload,
  file: string,
  chunkSize: number,
  verify: boolean,
): Promise<void> {
  const bytes = readFileSync(file);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const t0 = performance.now();
  const drive = await candidates[name]!.load();
  const importMs = performance.now() - t0;
  const capture = workload === 'index' ? 'package' : null;
  const out = sink(workload);
  if (verify) out.reset(); // hash the records
  const t1 = performance.now();
  await drive(chunks, out.events, capture);
  const firstMs = performance.now() - t1;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const digest = verify ? out.result() : '';
  const t2 = performance.now();
  if (!verify) await drive(chunks, out.events, capture);
  const secondMs = performance.now() - t2;
  process.stdout.write(JSON.stringify({ importMs, firstMs, secondMs, rssMb, digest } satisfies ChildResult));
}

// ---------------------------------------------------------------------------------------------
// Driver

function versionOf(pkg: string | null): string | null {
  if (pkg === null) return 'yumda';
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    try {
      // packages whose exports map hides package.json
      const main = require.resolve(pkg);
      const root = main.slice(0, main.lastIndexOf(`/node_modules/${pkg}/`) + `/node_modules/${pkg}/`.length);
      return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return null;
    }
  }
}

function runChild(name: string, workload: Workload, file: string, chunk: number, verify: boolean): ChildResult {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--child', name, workload, file, String(chunk), verify ? 'verify' : 'time'],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`${name} ${workload}: ${r.stderr.trim().split('\n').slice(0, 6).join('\n')}`);
  return JSON.parse(r.stdout) as ChildResult;
}

async function main(): Promise<void> {
  const packages = Number(opt('--packages', '5000'));
  const runs = Number(opt('--runs', '5'));
  const chunk = Number(opt('--chunk', '65536'));
  const names = opt('--parsers', Object.keys(candidates).join(',')).split(',');
  const dir = mkdtempSync(join(tmpdir(), 'yumda-bench-xml-'));
  try {
    const files = writeDocuments(dir, packages);
    const size = (f: string): string => `${(readFileSync(f).length / 1048576).toFixed(1)} MB`;
    process.stderr.write(
      `${packages} packages: primary.xml ${size(files.primary)}, filelists.xml ${size(files.filelists)}; chunks of ${chunk} bytes, ${runs} runs\n`,
    );
    const cells: Array<{
      name: string;
      version: string;
      workload: Workload;
      file: string;
      agrees: boolean;
      samples: ChildResult[];
    }> = [];
    const reference: Partial<Record<Workload, string>> = {};
    const rows: string[] = [];
    for (const name of names) {
      const c = candidates[name];
      if (!c) throw new Error(`unknown parser ${name}; known: ${Object.keys(candidates).join(', ')}`);
      const version = versionOf(c.pkg);
      if (version === null) {
        process.stderr.write(
          `skipped ${name}: not installed (flock /tmp/yumda-npm.lock npm install --no-save ${c.pkg})\n`,
        );
        continue;
      }
      for (const workload of ['primary', 'filelists', 'index'] as const) {
        if (workload === 'index' && !c.canCapture) continue;
        const file = workload === 'filelists' ? files.filelists : files.primary;
        const digest = runChild(name, workload, file, chunk, true).digest;
        reference[workload] ??= digest;
        cells.push({ name, version, workload, file, agrees: digest === reference[workload], samples: [] });
      }
    }
    // round robin: a change in the machine's load falls on every parser alike
    for (let run = 0; run < runs; run++) {
      for (const cell of cells) cell.samples.push(runChild(cell.name, cell.workload, cell.file, chunk, false));
      process.stderr.write(`run ${run + 1}/${runs} done\n`);
    }
    const base: Partial<Record<Workload, number>> = {};
    for (const workload of ['primary', 'filelists', 'index'] as const) {
      for (const cell of cells.filter((c) => c.workload === workload)) {
        const first = median(cell.samples.map((s) => s.firstMs));
        base[workload] ??= first;
        const row = [
          `${cell.name} ${cell.version}`,
          workload,
          first.toFixed(0),
          `${(first / base[workload]!).toFixed(2)}x`,
          median(cell.samples.map((s) => s.secondMs)).toFixed(0),
          Math.max(...cell.samples.map((s) => s.rssMb)).toFixed(0),
          median(cell.samples.map((s) => s.importMs)).toFixed(1),
          cell.agrees ? 'yes' : 'NO',
        ];
        rows.push(`| ${row.join(' | ')} |`);
      }
    }
    const noCapture = names.filter(
      (n) => candidates[n] && !candidates[n]!.canCapture && cells.some((c) => c.name === n),
    );
    process.stdout.write(
      [
        `${packages} packages (primary.xml ${size(files.primary)}, filelists.xml ${size(files.filelists)}), ${chunk}-byte chunks, median of ${runs} fresh processes`,
        '',
        '| parser | workload | first pass ms | vs xml-scan | second pass ms | peak RSS MB | import ms | same output |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
        ...rows,
        ...(noCapture.length > 0
          ? ['', `index: not measured for ${noCapture.join(', ')} (no element offsets to capture <package> with)`]
          : []),
        '',
      ].join('\n'),
    );
  } finally {
    if (args.includes('--keep')) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (args[0] === '--child') {
  await child(args[1]!, args[2] as Workload, args[3]!, Number(args[4]), args[5] === 'verify');
} else {
  await main();
}
