/**
 * Signature verification with OpenPGP.js, against a repository's gpgkey list.
 * RPMs (gpgcheck): the signature header's RSA/DSA tag signs the main header (which carries every
 * file's digest, checked again on extraction); the PGP/GPG tag signs header + payload. One valid
 * signature by a configured key is required.
 * repomd.xml (repo_gpgcheck): the detached signature repodata/repomd.xml.asc over its exact bytes.
 */
import { open } from 'node:fs/promises';
import type * as OpenPgp from 'openpgp';
import { readRpmHeaders } from '../rpm/header.js';
import { SigTag } from '../rpm/tags.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { fetchText } from '../util/fetch.js';

const keyCache = new Map<string, OpenPgp.Key[]>();

/** OpenPGP.js is large: loaded only when a repository has gpgcheck=1 or repo_gpgcheck=1. */
async function openpgpModule(): Promise<typeof OpenPgp> {
  return import('openpgp');
}

export async function loadKeys(urls: string[]): Promise<OpenPgp.Key[]> {
  const openpgp = await openpgpModule();
  const keys: OpenPgp.Key[] = [];
  for (const url of urls) {
    let cached = keyCache.get(url);
    if (!cached) {
      const armored = await fetchText(url);
      try {
        cached = await openpgp.readKeys({ armoredKeys: armored });
      } catch (e) {
        throw new YumdaError('GPG_KEY_INVALID', `gpgkey ${url} is not an OpenPGP public key: ${(e as Error).message}`);
      }
      keyCache.set(url, cached);
    }
    keys.push(...cached);
  }
  return keys;
}

async function readRange(path: string, start: number, end?: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const length = (end ?? (await fh.stat()).size) - start;
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, start);
    return buf;
  } finally {
    await fh.close();
  }
}

/** Throws (exit 3) unless the package carries a signature that verifies with one of the keys. */
export async function verifyRpmSignature(path: string, keys: OpenPgp.Key[], label: string): Promise<void> {
  const openpgp = await openpgpModule();
  const headers = await readRpmHeaders(path, { label });
  const headerOnly = headers.signature.binary(SigTag.RSA) ?? headers.signature.binary(SigTag.DSA);
  const whole = headers.signature.binary(SigTag.PGP) ?? headers.signature.binary(SigTag.GPG);
  const candidates: Array<{ sig: Buffer; start: number; end?: number }> = [];
  if (headerOnly) candidates.push({ sig: headerOnly, start: headers.headerStart, end: headers.headerEnd });
  if (whole) candidates.push({ sig: whole, start: headers.headerStart });
  if (candidates.length === 0) {
    throw new YumdaError('GPG_UNSIGNED', `${label} is not signed, but its repository has gpgcheck=1`, {
      exitCode: ExitCode.integrity,
    });
  }
  const errors: string[] = [];
  for (const c of candidates) {
    try {
      const signature = await openpgp.readSignature({ binarySignature: new Uint8Array(c.sig) });
      const message = await openpgp.createMessage({ binary: new Uint8Array(await readRange(path, c.start, c.end)) });
      const result = await openpgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
      // no document signature at all (e.g. a certification packet) proves nothing
      if (result.signatures.length === 0) throw new Error('no document signature');
      for (const s of result.signatures) await s.verified;
      return;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new YumdaError(
    'GPG_BAD_SIGNATURE',
    `${label}: signature does not verify with the repository's key (${errors.join('; ')})`,
    { exitCode: ExitCode.integrity },
  );
}

/**
 * Throws (exit 3) unless `armoredSignature` holds a detached signature over exactly `data` that
 * verifies with one of the keys (as librepo does for repo_gpgcheck: one good signature by a trusted
 * key suffices). `label` names the signed file in messages.
 */
export async function verifyDetachedSignature(
  data: Uint8Array,
  armoredSignature: string,
  keys: OpenPgp.Key[],
  label: string,
): Promise<void> {
  const openpgp = await openpgpModule();
  let signature: OpenPgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature });
  } catch (e) {
    throw new YumdaError(
      'GPG_BAD_SIGNATURE',
      `${label}: the signature file is not an OpenPGP signature (${(e as Error).message})`,
      { exitCode: ExitCode.integrity },
    );
  }
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
  if (result.signatures.length === 0) {
    throw new YumdaError('GPG_BAD_SIGNATURE', `${label}: the signature file holds no document signature`, {
      exitCode: ExitCode.integrity,
    });
  }
  const problems: string[] = [];
  for (const s of result.signatures) {
    if (!keys.some((k) => k.getKeys(s.keyID).length > 0)) {
      problems.push(`signed by key ${s.keyID.toHex().toUpperCase()}, which is not one of the repository's gpgkey keys`);
      continue;
    }
    try {
      await s.verified;
      return;
    } catch (e) {
      problems.push(`signature by key ${s.keyID.toHex().toUpperCase()} does not verify: ${(e as Error).message}`);
    }
  }
  throw new YumdaError('GPG_BAD_SIGNATURE', `${label}: ${problems.join('; ')}`, { exitCode: ExitCode.integrity });
}
