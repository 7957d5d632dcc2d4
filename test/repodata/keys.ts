/** A throwaway OpenPGP key made by the real gpg (the reference verifier), in its own GNUPGHOME. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface TestKey {
  gnupgHome: string;
  secretKeyFile: string;
  publicKeyFile: string;
}

export async function makeGpgKey(dir: string, passphrase = ''): Promise<TestKey> {
  const gnupgHome = join(dir, 'gnupg');
  await mkdir(gnupgHome, { recursive: true, mode: 0o700 });
  const env = { GNUPGHOME: gnupgHome };
  const batch = ['--batch', '--pinentry-mode', 'loopback', '--passphrase', passphrase];
  await execa('gpg', [...batch, '--quick-gen-key', 'yumda test <test@yumda.invalid>', 'ed25519', 'sign', 'never'], {
    env,
  });
  const secret = await execa('gpg', [...batch, '--armor', '--export-secret-keys'], { env });
  const pub = await execa('gpg', ['--batch', '--armor', '--export'], { env });
  const secretKeyFile = join(dir, 'repo-key.asc');
  const publicKeyFile = join(dir, 'repo-key.pub.asc');
  await writeFile(secretKeyFile, secret.stdout + '\n');
  await writeFile(publicKeyFile, pub.stdout + '\n');
  return { gnupgHome, secretKeyFile, publicKeyFile };
}

export async function gpgVerify(
  key: TestKey,
  signature: string,
  data: string,
): Promise<{ ok: boolean; output: string }> {
  const r = await execa('gpg', ['--batch', '--verify', signature, data], {
    env: { GNUPGHOME: key.gnupgHome },
    reject: false,
    all: true,
  });
  return { ok: r.exitCode === 0, output: String(r.all) };
}

export { readFile };
