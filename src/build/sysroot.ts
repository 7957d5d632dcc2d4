/** A per-build sysroot: the files of earlier waves' RPMs, extracted where they would be installed. */
import { mkdir } from 'node:fs/promises';
import { extractPackage } from '../rpm/extract.js';

export async function extractIntoSysroot(rpms: string[], sysroot: string): Promise<void> {
  await mkdir(sysroot, { recursive: true });
  // one after the other: packages may share directories
  for (const rpm of rpms) await extractPackage(rpm, sysroot);
}
