/** The files a repomd.xml names, with the checksum to check them by (via the repodata reader). */
import { readRepomd } from '../repodata/repomd.js';

export interface NamedFile {
  type: string;
  /** Relative to the repository root. */
  path: string;
  checksumType: string;
  checksum: string;
  size: number | null;
}

export function filesNamedByRepomd(xml: string, label: string): NamedFile[] {
  return readRepomd(xml, label).data.map((d) => ({
    type: d.type,
    path: d.location.replace(/^\.?\//, ''),
    // old createrepo wrote "sha" for sha1
    checksumType: d.checksumType.toLowerCase() === 'sha' ? 'sha1' : d.checksumType.toLowerCase(),
    checksum: d.checksum.toLowerCase(),
    size: d.size,
  }));
}
