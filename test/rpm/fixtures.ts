/** The RPM fixtures the rpm tests share: built once per spec/compressor by test/helpers/rpmbuild.ts. */
import { buildFixture } from '../helpers/rpmbuild.js';

/** Every payload compressor rpm can write, as `_binary_payload` values (Debian's rpm 4.18 supports all five), and none. */
export const PAYLOADS = {
  gzip: 'w9.gzdio',
  bzip2: 'w9.bzdio',
  xz: 'w6.xzdio',
  zstd: 'w19.zstdio',
  lzma: 'w9.lzdio',
  // uncompressed: rpmbuild writes no PAYLOADCOMPRESSOR, and rpm reads the payload as it is
  none: 'w.ufdio',
} as const;
export type PayloadName = keyof typeof PAYLOADS;

export async function featureRpms(payload: PayloadName): Promise<{ rpms: string[]; srpms: string[] }> {
  return buildFixture('features', { defines: { _binary_payload: PAYLOADS[payload] } });
}

export async function helloRpms(): Promise<{ rpms: string[]; srpms: string[] }> {
  return buildFixture('hello');
}

/** All fixture RPMs: the features package set with every compressor, hello, and the source RPMs. */
export async function allFixtureRpms(): Promise<{ path: string; payload: string }[]> {
  const out: { path: string; payload: string }[] = [];
  for (const payload of Object.keys(PAYLOADS) as PayloadName[]) {
    const built = await featureRpms(payload);
    for (const path of built.rpms) out.push({ path, payload });
    if (payload === 'gzip') for (const path of built.srpms) out.push({ path, payload: 'source' });
  }
  const hello = await helloRpms();
  for (const path of [...hello.rpms, ...hello.srpms]) out.push({ path, payload: 'default' });
  return out;
}
