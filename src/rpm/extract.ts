/**
 * Extracts an RPM payload into a directory, like `rpm2cpio | cpio -idm` but driven by the header:
 * every payload entry must be a file the header lists, its metadata (mode, mtime, link target)
 * comes from the header, and nothing is ever written outside the destination: paths are
 * normalised and checked before anything is written, and a symlink used as a parent directory
 * must resolve inside the destination.
 *
 * File I/O is synchronous on purpose: per-file async round trips through the thread pool cost
 * more than the writes themselves, while decompression still runs off the main thread.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fchmodSync,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  realpathSync,
  statSync,
  symlinkSync,
  chmodSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { posix } from 'node:path';
import { ExitCode, YumdaError } from '../util/errors.js';
import { CpioReader, type CpioEntry } from './cpio.js';
import { readRpmHeaders, type RpmHeaders } from './header.js';
import { packageInfoFromHeaders } from './package.js';
import { payloadChunks, verifyPayloadDigest, type DecompressorChoice } from './payload.js';
import { Tag } from './tags.js';
import type { RpmFile, RpmPackageInfo } from './types.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export type ExtractedType = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface ExtractedEntry {
  /** The file as the header describes it (path as packaged, e.g. /opt/bin/x). */
  file: RpmFile;
  /** Where it was written, relative to destDir, with forward slashes (e.g. bin/x). */
  path: string;
  type: ExtractedType;
  mode: number;
  size: number;
  /** sha256 of the content for files and hardlinks; null otherwise. */
  sha256: string | null;
  /** Symlink target; for a hardlink, the destDir-relative path it shares content with. */
  linkto: string | null;
}

export interface ExtractOptions {
  /** Drop this leading directory (e.g. "/opt") from every path. */
  stripPrefix?: string;
  /** What to do with files outside stripPrefix: fail (default) or skip them. */
  outsidePrefix?: 'error' | 'skip';
  /** Return false to leave a file out (called once per header file, before anything is written). */
  filter?: (file: RpmFile) => boolean;
  /** Called after each entry is written. */
  onFile?: (entry: ExtractedEntry) => void;
  /** Verify header, payload and per-file digests (default true). */
  verify?: boolean;
  /** Apply header mtimes (default true). */
  preserveMtime?: boolean;
  /** Name used in error messages (default: the file path). */
  label?: string;
  /** System decompressor binaries when available ('auto', default) or only the bundled libraries. */
  decompressor?: DecompressorChoice;
  /**
   * Write files and directories without their setuid/setgid bits (a layer cannot honour them), and
   * readable wherever executable: without its set-id bit, an execute-only file (0111, 2711) is one
   * that an unprivileged user, such as Lambda's, cannot read, zip or run as a script.
   */
  clearSetId?: boolean;
}

export interface ExtractResult {
  info: RpmPackageInfo;
  /** Entries written (files, dirs, symlinks, hardlinks). */
  written: number;
  /** Bytes of file content written. */
  bytes: number;
  /** Header files not written: filtered, outside the prefix, ghosts, device nodes. */
  skipped: number;
}

/** "./opt/x", "/opt/x", "opt/x" → "opt/x"; "" for the root; throws when the path escapes. */
function normaliseArchivePath(name: string, label: string): string {
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '');
  const n = posix.normalize(p === '' ? '.' : p).replace(/\/+$/, '');
  if (n === '..' || n.startsWith('../')) {
    throw new YumdaError('RPM_UNSAFE_PATH', `${label}: refusing "${name}": it escapes the destination directory`);
  }
  return n === '.' ? '' : n;
}

interface HardlinkGroup {
  members: number[];
  last: number;
  /** Accepted members waiting for the content. */
  waiting: number[];
  /** Absolute path of the written content, once written. */
  contentPath: string | null;
  contentRel: string | null;
  sha256: string | null;
  /** The content went by while no member wanted it. */
  contentDropped: boolean;
}

interface CurrentFile {
  index: number;
  fd: number | null;
  full: string | null;
  rel: string | null;
  sha256: Hash | null;
  headerHash: Hash | null;
  written: number;
  group: HardlinkGroup | null;
  /** Symlink content, to compare with the header's link target. */
  linkBytes: Buffer[] | null;
}

function typeOf(mode: number): number {
  return mode & S_IFMT;
}

function errno(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message;
}

/** Extracts the payload of the RPM at `path` into `destDir`. */
export async function extractPackage(
  path: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const label = options.label ?? path;
  const verify = options.verify !== false;
  const headers = await readRpmHeaders(path, { verify, label });
  const info = packageInfoFromHeaders(headers);
  const format = headers.header.string(Tag.PAYLOADFORMAT) ?? 'cpio';
  if (format !== 'cpio' && format !== 'drpm') {
    throw new YumdaError('RPM_UNSUPPORTED_PAYLOAD', `${label}: unsupported payload format "${format}"`);
  }
  const plan = planExtraction(info.files, options, label);
  if (verify) await verifyPayloadDigest(path, headers, label);

  const extractor = new Extractor(destDir, info, headers, plan, options, label, verify);
  const reader = new CpioReader(extractor, {
    label,
    strippedSize: (index) => extractor.strippedSize(index),
  });
  try {
    for await (const chunk of payloadChunks(path, headers, {
      label,
      ...(options.decompressor ? { decompressor: options.decompressor } : {}),
    })) {
      reader.write(chunk);
      if (reader.done) break;
    }
    reader.end();
    extractor.finish();
  } catch (e) {
    extractor.abort();
    if (e instanceof YumdaError) throw e;
    throw new YumdaError('RPM_EXTRACT_FAILED', `${label}: extraction failed: ${errno(e)}`, { cause: e });
  }
  return { info, written: extractor.written, bytes: extractor.bytes, skipped: extractor.skipped };
}

/**
 * Decides, before anything is written, where each header file goes (null: not written) and
 * refuses unsafe paths and symlinks that would lead writes outside the destination.
 */
function planExtraction(files: RpmFile[], options: ExtractOptions, label: string): (string | null)[] {
  const prefix = options.stripPrefix ? normaliseArchivePath(options.stripPrefix, label) : '';
  const plan: (string | null)[] = files.map((file) => {
    let rel = normaliseArchivePath(file.path, label);
    if (file.flags.includes('ghost')) return null;
    if (prefix !== '') {
      if (rel === prefix) return null;
      if (!rel.startsWith(prefix + '/')) {
        if (options.outsidePrefix === 'skip') return null;
        throw new YumdaError(
          'RPM_OUTSIDE_PREFIX',
          `${label}: ${file.path} is outside the prefix ${options.stripPrefix}`,
          {
            hint: 'the package is not relocatable under this prefix; use a filter or outsidePrefix: "skip"',
          },
        );
      }
      rel = rel.slice(prefix.length + 1);
    }
    if (rel === '') return null;
    if (options.filter && !options.filter(file)) return null;
    return rel;
  });
  // a symlink whose target leaves the tree must not be the parent of anything we write
  const escaping = new Map<string, string>();
  files.forEach((file, i) => {
    const rel = plan[i];
    if (rel == null || typeOf(file.mode) !== S_IFLNK) return;
    const target = file.linkto;
    const resolved = target.startsWith('/') ? null : posix.normalize(posix.join(posix.dirname(rel), target));
    if (resolved === null || resolved === '..' || resolved.startsWith('../')) escaping.set(rel, target);
  });
  if (escaping.size > 0) {
    for (const rel of plan) {
      if (rel == null) continue;
      for (let dir = posix.dirname(rel); dir !== '.'; dir = posix.dirname(dir)) {
        const target = escaping.get(dir);
        if (target !== undefined) {
          throw new YumdaError(
            'RPM_UNSAFE_PATH',
            `${label}: refusing ${rel}: its parent ${dir} is a symlink to ${target}, outside the destination`,
          );
        }
      }
    }
  }
  return plan;
}

class Extractor {
  written = 0;
  bytes = 0;
  skipped = 0;
  private readonly root: string;
  private readonly files: RpmFile[];
  /** normalised packaged path → header index */
  private readonly byPath = new Map<string, number>();
  private readonly groups = new Map<number, HardlinkGroup>();
  /** destDir-relative directory → its real absolute path (checked to be inside root). */
  private readonly dirs = new Map<string, string>();
  private readonly seen = new Set<number>();
  private readonly deferredDirs: { full: string; mode: number; mtime: number }[] = [];
  private readonly stripped: boolean;
  private readonly headerAlgo: string;
  private current: CurrentFile | null = null;

  constructor(
    destDir: string,
    info: RpmPackageInfo,
    headers: RpmHeaders,
    private readonly plan: (string | null)[],
    private readonly options: ExtractOptions,
    private readonly label: string,
    private readonly verify: boolean,
  ) {
    this.files = info.files;
    this.stripped = headers.header.has(Tag.LONGFILESIZES);
    this.headerAlgo = info.fileDigestAlgo;
    try {
      mkdirSync(destDir, { recursive: true });
      this.root = realpathSync(destDir);
    } catch (e) {
      throw new YumdaError('RPM_EXTRACT_FAILED', `cannot create ${destDir}: ${errno(e)}`, { cause: e });
    }
    this.dirs.set('', this.root);
    this.files.forEach((f, i) => {
      this.byPath.set(normaliseArchivePath(f.path, label), i);
    });
    this.buildHardlinkGroups();
    this.skipped = plan.filter((p) => p === null).length;
  }

  /** rpm's hardlink sets: regular, non-ghost files sharing (device, inode); content travels with the last. */
  private buildHardlinkGroups(): void {
    const byId = new Map<string, number[]>();
    this.files.forEach((f, i) => {
      if (typeOf(f.mode) !== S_IFREG || f.flags.includes('ghost') || f.inode <= 0) return;
      const key = `${f.device}:${f.inode}`;
      const list = byId.get(key);
      if (list) list.push(i);
      else byId.set(key, [i]);
    });
    for (const members of byId.values()) {
      if (members.length < 2) continue;
      const group: HardlinkGroup = {
        members,
        last: members[members.length - 1]!,
        waiting: [],
        contentPath: null,
        contentRel: null,
        sha256: null,
        contentDropped: false,
      };
      for (const m of members) this.groups.set(m, group);
    }
  }

  /** Data size of a stripped-format entry, as rpm writes it. */
  strippedSize(index: number): number {
    const f = this.files[index];
    if (!f)
      throw new YumdaError(
        'RPM_BAD_PAYLOAD',
        `${this.label}: payload refers to file #${index}, the header has ${this.files.length}`,
      );
    const type = typeOf(f.mode);
    if (type === S_IFLNK) return Buffer.byteLength(f.linkto);
    if (type !== S_IFREG) return 0;
    const group = this.groups.get(index);
    return group && group.last !== index ? 0 : f.size;
  }

  entry(entry: CpioEntry): void {
    const index = this.resolveIndex(entry);
    if (this.seen.has(index)) throw this.bad(`${this.files[index]!.path} appears twice in the payload`);
    this.seen.add(index);
    const file = this.files[index]!;
    const type = typeOf(file.mode);
    if (!this.stripped) this.checkAgainstHeader(entry, file, index);
    const rel = this.plan[index] ?? null;
    const cur: CurrentFile = {
      index,
      fd: null,
      full: null,
      rel,
      sha256: null,
      headerHash: null,
      written: 0,
      group: null,
      linkBytes: null,
    };
    this.current = cur;
    if (type === S_IFLNK) {
      cur.linkBytes = [];
      return;
    }
    if (type === S_IFDIR) {
      if (rel === null) return;
      const full = this.ensureDir(rel);
      this.deferredDirs.push({ full, mode: this.permissions(file), mtime: file.mtime });
      this.report(file, rel, 'dir', null, null);
      return;
    }
    if (type !== S_IFREG) {
      if (rel !== null) this.skipped++; // device nodes, fifos, sockets: nothing a layer can use
      return;
    }
    const group = this.groups.get(index) ?? null;
    cur.group = group;
    if (group) {
      const carriesContent = entry.size > 0 || index === group.last;
      if (!carriesContent) {
        if (rel === null) return;
        if (group.contentPath !== null) this.link(group, index);
        else if (group.contentDropped) throw this.bad(`hardlink ${file.path} comes after its content was skipped`);
        else group.waiting.push(index);
        return;
      }
    }
    this.openForContent(cur, file);
  }

  private openForContent(cur: CurrentFile, file: RpmFile): void {
    const group = cur.group;
    let target = cur.rel === null ? null : cur.index;
    if (group) {
      // content goes to the first member that wants it; the rest become links to it
      if (target === null) target = group.waiting.shift() ?? null;
      if (target === null) {
        group.contentDropped = true;
        return;
      }
    } else if (target === null) {
      return;
    }
    const rel = this.plan[target]!;
    const full = this.leafPath(rel);
    cur.full = full;
    cur.rel = rel;
    cur.fd = this.createFile(full, rel);
    cur.sha256 = createHash('sha256');
    if (this.verify && file.digest !== '' && this.headerAlgo !== 'sha256') cur.headerHash = createHash(this.headerAlgo);
  }

  data(chunk: Buffer): void {
    const cur = this.current!;
    if (cur.linkBytes) {
      cur.linkBytes.push(Buffer.from(chunk));
      return;
    }
    if (cur.fd === null) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(cur.fd, chunk, off, chunk.length - off);
    cur.sha256!.update(chunk);
    cur.headerHash?.update(chunk);
    cur.written += chunk.length;
  }

  endEntry(): void {
    const cur = this.current!;
    this.current = null;
    const file = this.files[cur.index]!;
    if (cur.linkBytes) {
      const content = Buffer.concat(cur.linkBytes).toString('utf8');
      if (!this.stripped && content !== file.linkto)
        throw this.bad(`symlink ${file.path} points to "${content}" in the payload but "${file.linkto}" in the header`);
      if (cur.rel !== null) this.makeSymlink(file, cur.rel);
      return;
    }
    if (cur.fd === null) return;
    const fd = cur.fd;
    cur.fd = null;
    const mode = this.permissions(file);
    try {
      fchmodSync(fd, mode);
      if (this.options.preserveMtime !== false) futimesSync(fd, file.mtime, file.mtime);
    } finally {
      closeSync(fd);
    }
    const sha256 = cur.sha256!.digest('hex');
    if (this.verify && file.digest !== '') {
      const actual = cur.headerHash ? cur.headerHash.digest('hex') : sha256;
      if (actual !== file.digest.toLowerCase()) {
        throw new YumdaError('RPM_DIGEST_MISMATCH', `${this.label}: digest mismatch for ${file.path}`, {
          exitCode: ExitCode.integrity,
        });
      }
    }
    this.bytes += cur.written;
    const owner = cur.group ? cur.group.members.find((m) => this.plan[m] === cur.rel)! : cur.index;
    this.report(this.files[owner]!, cur.rel!, 'file', sha256, null);
    const group = cur.group;
    if (group) {
      group.contentPath = cur.full;
      group.contentRel = cur.rel;
      group.sha256 = sha256;
      for (const m of group.waiting.splice(0)) this.link(group, m);
      if (this.plan[cur.index] != null && cur.index !== owner) this.link(group, cur.index);
    }
  }

  /** Permission bits as written: the header's, less set-id bits when asked. */
  private permissions(file: RpmFile): number {
    if (!this.options.clearSetId) return file.mode & 0o7777;
    const mode = file.mode & 0o1777;
    return (file.mode & 0o6000) === 0 ? mode : mode | ((mode & 0o111) << 2);
  }

  finish(): void {
    for (const group of new Set(this.groups.values())) {
      if (group.waiting.length > 0)
        throw this.bad(`hardlink set of ${this.files[group.members[0]!]!.path} has no content in the payload`);
    }
    // directory modes and times last: writing children changes a directory's mtime, and a
    // read-only mode would stop us writing into it
    for (const d of this.deferredDirs.reverse()) {
      chmodSync(d.full, d.mode);
      if (this.options.preserveMtime !== false) utimesSync(d.full, d.mtime, d.mtime);
    }
  }

  abort(): void {
    if (this.current?.fd != null) {
      try {
        closeSync(this.current.fd);
      } catch {
        // already failing
      }
    }
  }

  private resolveIndex(entry: CpioEntry): number {
    if (entry.fileIndex >= 0) {
      if (entry.fileIndex >= this.files.length)
        throw this.bad(`payload refers to file #${entry.fileIndex}, the header has ${this.files.length}`);
      return entry.fileIndex;
    }
    const key = normaliseArchivePath(entry.name, this.label);
    const index = this.byPath.get(key);
    if (index === undefined) throw this.bad(`payload entry "${entry.name}" is not in the header's file list`);
    return index;
  }

  private checkAgainstHeader(entry: CpioEntry, file: RpmFile, index: number): void {
    const type = typeOf(file.mode);
    if (typeOf(entry.mode) !== type)
      throw this.bad(`${file.path} has a different file type in the payload than in the header`);
    if (type === S_IFREG) {
      const group = this.groups.get(index);
      const ok = entry.size === file.size || (group !== undefined && entry.size === 0);
      if (!ok) throw this.bad(`${file.path} is ${entry.size} bytes in the payload but ${file.size} in the header`);
    } else if (type === S_IFDIR && entry.size !== 0) {
      throw this.bad(`directory ${file.path} has data in the payload`);
    } else if (type === S_IFLNK && entry.size > 4096) {
      throw this.bad(`symlink ${file.path} has an implausible target length`);
    }
  }

  /** Real path of a destDir-relative directory, creating it; refuses symlinks leading outside. */
  private ensureDir(rel: string): string {
    const known = this.dirs.get(rel);
    if (known !== undefined) return known;
    const slash = rel.lastIndexOf('/');
    const parent = this.ensureDir(slash < 0 ? '' : rel.slice(0, slash));
    const candidate = `${parent}/${rel.slice(slash + 1)}`;
    let real = candidate;
    try {
      const st = lstatSync(candidate);
      if (st.isSymbolicLink()) {
        try {
          real = realpathSync(candidate);
        } catch (e) {
          throw this.unsafe(`${rel} is a symlink that does not resolve (${errno(e)})`);
        }
        if (real !== this.root && !real.startsWith(this.root + '/'))
          throw this.unsafe(`${rel} is a symlink to ${real}, outside the destination`);
        if (!statSync(real).isDirectory()) throw this.bad(`${rel} is a symlink to a non-directory`);
      } else if (!st.isDirectory()) {
        throw this.bad(`${rel} exists and is not a directory`);
      }
    } catch (e) {
      if (e instanceof YumdaError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(candidate, 0o755);
    }
    this.dirs.set(rel, real);
    return real;
  }

  /** Absolute path for a leaf entry; its parent is verified to be inside the destination. */
  private leafPath(rel: string): string {
    const slash = rel.lastIndexOf('/');
    const parent = this.ensureDir(slash < 0 ? '' : rel.slice(0, slash));
    this.forgetDir(rel);
    return `${parent}/${rel.slice(slash + 1)}`;
  }

  /** A leaf is being (re)placed: directories cached under it are no longer trustworthy. */
  private forgetDir(rel: string): void {
    if (!this.dirs.has(rel)) return;
    for (const key of [...this.dirs.keys()]) if (key === rel || key.startsWith(rel + '/')) this.dirs.delete(key);
  }

  /** Removes a non-directory in the way (installing over an older copy); never follows a symlink. */
  private clear(full: string, rel: string): void {
    let st;
    try {
      st = lstatSync(full);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (st.isDirectory()) throw this.bad(`cannot replace directory ${rel} with a file`);
    unlinkSync(full);
  }

  private createFile(full: string, rel: string): number {
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
    try {
      return openSync(full, flags, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    this.clear(full, rel);
    return openSync(full, flags, 0o600);
  }

  private makeSymlink(file: RpmFile, rel: string): void {
    const full = this.leafPath(rel);
    try {
      symlinkSync(file.linkto, full);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      this.clear(full, rel);
      symlinkSync(file.linkto, full);
    }
    if (this.options.preserveMtime !== false) {
      try {
        lutimesSync(full, file.mtime, file.mtime);
      } catch {
        // some filesystems cannot time a symlink; not worth failing for
      }
    }
    this.report(file, rel, 'symlink', null, file.linkto);
  }

  private link(group: HardlinkGroup, index: number): void {
    const rel = this.plan[index];
    if (rel == null) return;
    const full = this.leafPath(rel);
    try {
      linkSync(group.contentPath!, full);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      this.clear(full, rel);
      linkSync(group.contentPath!, full);
    }
    this.report(this.files[index]!, rel, 'hardlink', group.sha256, group.contentRel);
  }

  private report(file: RpmFile, rel: string, type: ExtractedType, sha256: string | null, linkto: string | null): void {
    this.written++;
    this.options.onFile?.({
      file,
      path: rel,
      type,
      mode: (file.mode & 0o170000) | this.permissions(file),
      size: type === 'file' || type === 'hardlink' ? file.size : 0,
      sha256,
      linkto,
    });
  }

  private bad(message: string): YumdaError {
    return new YumdaError('RPM_BAD_PAYLOAD', `${this.label}: ${message}`);
  }

  private unsafe(message: string): YumdaError {
    return new YumdaError('RPM_UNSAFE_PATH', `${this.label}: refusing to write through ${message}`);
  }
}
