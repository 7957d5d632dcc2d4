/**
 * Reads an rpm database without rpm: the installed packages of a captured runtime.
 *
 * Formats: Berkeley DB `Packages` (rpm < 4.16: Amazon Linux 2), `rpmdb.sqlite` (rpm >= 4.16:
 * Amazon Linux 2023, Fedora, Debian's rpm 4.18) and NDB `Packages.db` (SUSE). The Berkeley DB hash
 * pages and NDB slots are walked by @snyk/rpm-parser (its page readers; its package summary keeps
 * only name/version/arch, while a base profile needs each package's provides, so the header blobs
 * are decoded by yumda's own header reader, the one that reads .rpm files). The sqlite table is read
 * with sql.js (WebAssembly sqlite, the same library @snyk/rpm-parser uses) so no native module or
 * sqlite binary is needed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RpmHeader, parseHeaderBlob, type RpmHeaders } from '../rpm/header.js';
import { packageInfoFromHeaders } from '../rpm/package.js';
import type { Dependency } from '../rpm/types.js';
import { YumdaError } from '../util/errors.js';
import { RootFs } from './rootfs.js';

export type RpmDbFormat = 'bdb' | 'sqlite' | 'ndb';

export interface InstalledPackage {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  provides: Dependency[];
}

export interface RpmDb {
  /** The database file, relative to the root. */
  path: string;
  format: RpmDbFormat;
  packages: InstalledPackage[];
  /** Entries that could not be decoded (reported, not fatal: a base profile is best effort per package). */
  skipped: number;
}

/** Where rpm keeps its database, in the order rpm itself looks (dbpath default, then sysimage). */
const CANDIDATES: { path: string; format: RpmDbFormat }[] = [
  { path: '/var/lib/rpm/rpmdb.sqlite', format: 'sqlite' },
  { path: '/usr/lib/sysimage/rpm/rpmdb.sqlite', format: 'sqlite' },
  { path: '/var/lib/rpm/Packages', format: 'bdb' },
  { path: '/usr/lib/sysimage/rpm/Packages', format: 'bdb' },
  { path: '/var/lib/rpm/Packages.db', format: 'ndb' },
  { path: '/usr/lib/sysimage/rpm/Packages.db', format: 'ndb' },
];

const HEADER_PREFIX = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);

/** An rpmdb entry is a header without its 8-byte magic; decode it with the .rpm header reader. */
function decodeDbHeader(blob: Buffer, label: string): InstalledPackage {
  const header: RpmHeader = parseHeaderBlob(Buffer.concat([HEADER_PREFIX, blob]), 0, label, 'rpmdb header');
  const headers: RpmHeaders = {
    lead: { major: 3, minor: 0, type: 0, archnum: 0, name: '', osnum: 0, signatureType: 5 },
    signature: new RpmHeader(new Map(), 0, 0),
    header,
    headerStart: 0,
    headerEnd: 0,
    payloadOffset: 0,
    fileSize: undefined,
    verifiedDigests: [],
  };
  const info = packageInfoFromHeaders(headers);
  return {
    name: info.name,
    epoch: info.epoch,
    version: info.version,
    release: info.release,
    arch: info.arch,
    provides: info.provides,
  };
}

const require = createRequire(import.meta.url);

async function sqliteBlobs(bytes: Buffer, label: string): Promise<Buffer[]> {
  const initSqlJs = require('sql.js') as (
    config?: object,
  ) => Promise<{ Database: new (data: Uint8Array) => SqlDatabase }>;
  const SQL = await initSqlJs();
  let db: SqlDatabase;
  try {
    db = new SQL.Database(bytes);
    const result = db.exec('SELECT blob FROM Packages');
    db.close();
    return (result[0]?.values ?? []).map((row) => Buffer.from(row[0] as Uint8Array));
  } catch (e) {
    throw new YumdaError('RPMDB_UNREADABLE', `${label}: not a readable rpm sqlite database: ${(e as Error).message}`);
  }
}

interface SqlDatabase {
  exec(sql: string): { values: unknown[][] }[];
  close(): void;
}

async function bdbBlobs(bytes: Buffer, label: string): Promise<Buffer[]> {
  const { bufferToHashDbValues } = require('@snyk/rpm-parser/dist/berkeleydb') as {
    bufferToHashDbValues: (data: Buffer) => Promise<Buffer[]>;
  };
  try {
    return await bufferToHashDbValues(bytes);
  } catch (e) {
    throw new YumdaError(
      'RPMDB_UNREADABLE',
      `${label}: not a readable Berkeley DB rpm database: ${(e as Error).message}`,
    );
  }
}

async function ndbBlobs(bytes: Buffer, label: string): Promise<Buffer[]> {
  const { bufferToNdbValues } = require('@snyk/rpm-parser/dist/ndb') as {
    bufferToNdbValues: (data: Buffer) => Promise<Buffer[]>;
  };
  try {
    return await bufferToNdbValues(bytes);
  } catch (e) {
    throw new YumdaError('RPMDB_UNREADABLE', `${label}: not a readable NDB rpm database: ${(e as Error).message}`);
  }
}

/** Decodes the packages of one database file's bytes. gpg-pubkey entries (imported keys) are not packages. */
export async function readRpmDbBytes(
  bytes: Buffer,
  format: RpmDbFormat,
  label: string,
): Promise<{ packages: InstalledPackage[]; skipped: number }> {
  const blobs =
    format === 'sqlite'
      ? await sqliteBlobs(bytes, label)
      : format === 'bdb'
        ? await bdbBlobs(bytes, label)
        : await ndbBlobs(bytes, label);
  const packages: InstalledPackage[] = [];
  let skipped = 0;
  for (const [i, blob] of blobs.entries()) {
    try {
      const p = decodeDbHeader(blob, `${label} entry ${i}`);
      if (p.name === 'gpg-pubkey') continue;
      packages.push(p);
    } catch {
      skipped++;
    }
  }
  packages.sort((a, b) => a.name.localeCompare(b.name) || a.arch.localeCompare(b.arch));
  return { packages, skipped };
}

/** Finds and reads the rpm database of a root file system (symlinks resolved inside the root). */
export async function readRootRpmDb(root: RootFs): Promise<RpmDb | null> {
  for (const candidate of CANDIDATES) {
    const real = root.resolve(candidate.path);
    if (!real || !root.isFile(real)) continue;
    const bytes = await readFile(root.hostPath(real));
    const { packages, skipped } = await readRpmDbBytes(bytes, candidate.format, candidate.path);
    return { path: candidate.path, format: candidate.format, packages, skipped };
  }
  return null;
}
