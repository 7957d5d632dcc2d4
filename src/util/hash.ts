import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type HashAlgo = 'sha256' | 'sha1' | 'md5' | 'sha512';

/** Streams a file through a hash (never loads it whole). */
export async function hashFile(path: string, algo: HashAlgo = 'sha256'): Promise<string> {
  const hash = createHash(algo);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * FNV-1a (32 bits) of a string's UTF-16 code units: for short ids and hash buckets, where a
 * cryptographic hash (and loading node:crypto, about 1 ms of a warm run) is not needed.
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** fnv1a32 as `digits` hex digits (at most 8). */
export function shortHash(text: string, digits: number): string {
  return fnv1a32(text).toString(16).padStart(8, '0').slice(0, digits);
}

export function hashBytes(data: string | Uint8Array, algo: HashAlgo = 'sha256'): string {
  return createHash(algo).update(data).digest('hex');
}
