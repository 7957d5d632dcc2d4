/**
 * Detached OpenPGP signature of repomd.xml (repomd.xml.asc, what yum/dnf check with
 * repo_gpgcheck=1). Done with openpgp.js, not a gpg subprocess: the key is a file the maintainer
 * points at, no keyring or gpg-agent on the CI machine, and the Docker image needs no gnupg.
 */
import { readFile } from 'node:fs/promises';
import type * as OpenPgp from 'openpgp';
import { YumdaError } from '../util/errors.js';

export const SIGN_PASSPHRASE_ENV = 'YUMDA_SIGN_PASSPHRASE';

export interface SigningKey {
  key: OpenPgp.PrivateKey;
  fingerprint: string;
}

/** Loads an armored (or binary) OpenPGP secret key; a protected one is unlocked with the passphrase. */
export async function loadSigningKey(path: string, passphrase = process.env[SIGN_PASSPHRASE_ENV]): Promise<SigningKey> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new YumdaError(
      'SIGN_KEY_UNREADABLE',
      `cannot read signing key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  // loaded on demand: only signing needs it, and it is a large module
  const openpgp = await import('openpgp');
  let key: OpenPgp.PrivateKey;
  try {
    const text = bytes.toString('utf8');
    key = text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')
      ? await openpgp.readPrivateKey({ armoredKey: text })
      : await openpgp.readPrivateKey({ binaryKey: bytes });
  } catch (e) {
    throw new YumdaError('SIGN_KEY_INVALID', `${path} is not an OpenPGP secret key: ${(e as Error).message}`, {
      hint: 'export it with: gpg --armor --export-secret-keys KEYID > FILE',
    });
  }
  if (!key.isDecrypted()) {
    if (!passphrase) {
      throw new YumdaError('SIGN_KEY_LOCKED', `signing key ${path} is passphrase-protected`, {
        hint: `set ${SIGN_PASSPHRASE_ENV}`,
      });
    }
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch (e) {
      throw new YumdaError('SIGN_KEY_LOCKED', `cannot unlock signing key ${path}: ${(e as Error).message}`, {
        hint: `check ${SIGN_PASSPHRASE_ENV}`,
      });
    }
  }
  return { key, fingerprint: key.getFingerprint().toUpperCase() };
}

/** An armored detached signature over the exact bytes of `data` (binary document signature). */
export async function signDetached(data: string | Uint8Array, signing: SigningKey): Promise<string> {
  const openpgp = await import('openpgp');
  const binary = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const message = await openpgp.createMessage({ binary });
  return (await openpgp.sign({ message, signingKeys: signing.key, detached: true, format: 'armored' })) as string;
}
