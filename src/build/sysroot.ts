/** A per-build sysroot: the files of earlier waves' RPMs, extracted as they would be installed. */
import { mkdir } from 'node:fs/promises';
import { YumdaError } from '../util/errors.js';

export async function extractIntoSysroot(rpms: string[], sysroot: string): Promise<void> {
  await mkdir(sysroot, { recursive: true });
  void rpms;
  throw new YumdaError('NOT_READY', 'RPM extraction is not available yet');
}
