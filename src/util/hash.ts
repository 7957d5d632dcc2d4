import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type HashAlgo = 'sha256' | 'sha1' | 'md5' | 'sha512';

/** Streams a file through a hash (never loads it whole). */
export async function hashFile(path: string, algo: HashAlgo = 'sha256'): Promise<string> {
  const hash = createHash(algo);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function hashBytes(data: string | Uint8Array, algo: HashAlgo = 'sha256'): string {
  return createHash(algo).update(data).digest('hex');
}
