/**
 * One .rpm file → its three metadata records: header via the RPM reader (header digests checked),
 * sha256 of the whole file and the payload digest (PAYLOADDIGEST, else the signature MD5 over
 * header + payload) computed in the same single read, so a corrupt package is caught here,
 * before it is published.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { parseRpmHeaders, readRpmHeaders, type RpmHeaders } from '../rpm/header.js';
import { packageInfoFromHeaders } from '../rpm/package.js';
import { PGP_HASH_ALGOS, SigTag, Tag } from '../rpm/tags.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { depFlagFromSense, parseEvr } from '../rpm/version.js';
import {
  DEFAULT_CHANGELOG_LIMIT,
  repoEntryFromRpm,
  type LegacyWeakDep,
  type RepoEntry,
  type RequireSenses,
} from './from-rpm.js';

/** Files up to this size are read once into memory; larger ones are streamed. */
const WHOLE_READ_LIMIT = 8 * 1024 * 1024;
const STREAM_CHUNK = 1 << 20;

/** createrepo_c's pre="1": Requires(pre), Requires(post) and legacy PreReq, nothing else. */
const SENSE_PREREQ = 1 << 6;
const SENSE_SCRIPT_PRE = 1 << 9;
const SENSE_SCRIPT_POST = 1 << 10;
/** rpm < 4.12 weak dependencies (createrepo_c built with legacy weakdeps support reads them). */
const SENSE_MISSINGOK = 1 << 19;
const SENSE_STRONG = 1 << 27;
const TAG_OLDSUGGESTSNAME = 1156;
const TAG_OLDSUGGESTSVERSION = 1157;
const TAG_OLDSUGGESTSFLAGS = 1158;
const TAG_OLDENHANCESNAME = 1159;
const TAG_OLDENHANCESVERSION = 1160;
const TAG_OLDENHANCESFLAGS = 1161;

export interface ReadEntryOptions {
  changelogLimit?: number;
  /** Verify the payload digest while hashing (default true). */
  verifyPayload?: boolean;
}

function requireSenses(headers: RpmHeaders): RequireSenses {
  const flags = headers.header.numbers(Tag.REQUIREFLAGS);
  return {
    pre: flags.map((f) => (f & (SENSE_PREREQ | SENSE_SCRIPT_PRE | SENSE_SCRIPT_POST)) !== 0),
    missingOk: flags.map((f) => (f & SENSE_MISSINGOK) !== 0),
  };
}

/** Old-style (rpm < 4.12) Suggests/Enhances tags; `strong` ones mean Recommends/Supplements. */
function legacyWeakDeps(headers: RpmHeaders): { suggests: LegacyWeakDep[]; enhances: LegacyWeakDep[] } {
  const h = headers.header;
  const read = (nameTag: number, versionTag: number, flagsTag: number): LegacyWeakDep[] => {
    const names = h.strings(nameTag);
    const versions = h.strings(versionTag);
    const flags = h.numbers(flagsTag);
    return names.map((name, i) => {
      const sense = flags[i] ?? 0;
      const version = versions[i] ?? '';
      const evr = version === '' ? { epoch: null, version: null, release: null } : parseEvr(version);
      return {
        dep: { name, flags: version === '' ? null : depFlagFromSense(sense), ...evr, pre: false },
        strong: (sense & SENSE_STRONG) !== 0,
      };
    });
  };
  return {
    suggests: read(TAG_OLDSUGGESTSNAME, TAG_OLDSUGGESTSVERSION, TAG_OLDSUGGESTSFLAGS),
    enhances: read(TAG_OLDENHANCESNAME, TAG_OLDENHANCESVERSION, TAG_OLDENHANCESFLAGS),
  };
}

interface PayloadCheck {
  hash: Hash;
  /** Byte offset from which the digest covers the file. */
  from: number;
  expected: string;
  what: string;
}

function payloadCheck(headers: RpmHeaders, label: string): PayloadCheck | undefined {
  const digests = headers.header.strings(Tag.PAYLOADDIGEST);
  if (digests.length > 0) {
    const algoId = headers.header.number(Tag.PAYLOADDIGESTALGO) ?? 8;
    const algo = PGP_HASH_ALGOS[algoId];
    if (!algo) throw new YumdaError('RPM_BAD_HEADER', `${label}: unsupported payload digest algorithm ${algoId}`);
    return {
      hash: createHash(algo),
      from: headers.payloadOffset,
      expected: digests[0]!.toLowerCase(),
      what: 'payload digest',
    };
  }
  const md5 = headers.signature.binary(SigTag.MD5);
  if (md5)
    return {
      hash: createHash('md5'),
      from: headers.headerStart,
      expected: md5.toString('hex'),
      what: 'MD5 digest of header and payload',
    };
  return undefined;
}

function feed(check: PayloadCheck | undefined, chunk: Buffer, position: number): void {
  if (!check) return;
  const end = position + chunk.length;
  if (end <= check.from) return;
  check.hash.update(position >= check.from ? chunk : chunk.subarray(check.from - position));
}

function finishCheck(check: PayloadCheck | undefined, label: string): void {
  if (!check) return;
  const actual = check.hash.digest('hex');
  if (actual !== check.expected) {
    throw new YumdaError(
      'RPM_DIGEST_MISMATCH',
      `${label}: ${check.what} does not match (the file is corrupt or truncated)`,
      {
        exitCode: ExitCode.integrity,
        hint: 'rebuild or re-download the package, or remove it from the repository directory',
      },
    );
  }
}

/** Reads one package file (relative href for messages and <location>) into its three records. */
export async function readRepoEntry(path: string, href: string, options: ReadEntryOptions = {}): Promise<RepoEntry> {
  try {
    return await readEntry(path, href, options);
  } catch (e) {
    if (e instanceof YumdaError) {
      if (e.message.includes(href)) throw e;
      throw new YumdaError(e.code, `${href}: ${e.message}`, { exitCode: e.exitCode, hint: e.hint, cause: e });
    }
    throw new YumdaError('RPM_UNREADABLE', `${href}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Small files (nearly all packages) are read with one open/fstat/read/close, synchronously: this
 * runs in worker threads (or inline for a handful of packages), where a blocking read of a few
 * hundred KB is cheaper than four thread-pool round trips.
 */
function readSmallFile(
  path: string,
  href: string,
): { bytes: Buffer; size: number; mtimeMs: number } | { size: number; mtimeMs: number; bytes?: undefined } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new YumdaError(
      'RPM_UNREADABLE',
      `cannot read ${href}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  try {
    const st = fstatSync(fd);
    if (st.size > WHOLE_READ_LIMIT) return { size: st.size, mtimeMs: st.mtimeMs };
    const bytes = Buffer.allocUnsafe(st.size);
    let done = 0;
    while (done < st.size) {
      const n = readSync(fd, bytes, done, st.size - done, done);
      if (n === 0) break;
      done += n;
    }
    return { bytes: done === st.size ? bytes : bytes.subarray(0, done), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

async function readEntry(path: string, href: string, options: ReadEntryOptions): Promise<RepoEntry> {
  const verify = options.verifyPayload ?? true;
  const file = readSmallFile(path, href);
  const fileHash = createHash('sha256');
  let headers: RpmHeaders;
  if (file.bytes) {
    headers = await parseRpmHeaders(file.bytes, { label: href, wholeFile: true });
    fileHash.update(file.bytes);
    const check = verify ? payloadCheck(headers, href) : undefined;
    feed(check, file.bytes, 0);
    finishCheck(check, href);
  } else {
    headers = await readRpmHeaders(path, { label: href });
    const check = verify ? payloadCheck(headers, href) : undefined;
    let position = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK }) as AsyncIterable<Buffer>) {
      fileHash.update(chunk);
      feed(check, chunk, position);
      position += chunk.length;
    }
    finishCheck(check, href);
  }
  const info = packageInfoFromHeaders(headers);
  return repoEntryFromRpm(
    info,
    {
      pkgId: fileHash.digest('hex'),
      sizePackage: file.size,
      timeFile: Math.floor(file.mtimeMs / 1000),
      locationHref: href,
    },
    options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT,
    { senses: requireSenses(headers), legacy: legacyWeakDeps(headers) },
  );
}
