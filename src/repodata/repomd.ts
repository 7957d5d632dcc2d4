/** repomd.xml: the index of a repository's metadata files, written last and read first. */
import { YumdaError } from '../util/errors.js';
import { NS_REPO, NS_RPM } from './render.js';
import { xmlAttr, xmlText } from './xml.js';
import { XmlScanner } from './xml-scan.js';

export interface RepomdData {
  /** primary, filelists, other, primary_db, ... */
  type: string;
  /** href relative to the repository root, e.g. repodata/<sha256>-primary.xml.gz */
  location: string;
  checksumType: string;
  /** Checksum of the file as stored (compressed). */
  checksum: string;
  openChecksumType: string | null;
  /** Checksum of the decompressed content. */
  openChecksum: string | null;
  size: number | null;
  openSize: number | null;
  timestamp: number | null;
  databaseVersion?: number;
}

export interface Repomd {
  revision: string | null;
  data: RepomdData[];
}

export function renderRepomd(repomd: Repomd): string {
  let s = `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="${NS_REPO}" xmlns:rpm="${NS_RPM}">\n`;
  if (repomd.revision !== null) s += `  <revision>${xmlText(repomd.revision)}</revision>\n`;
  for (const d of repomd.data) {
    s += `  <data type="${xmlAttr(d.type)}">\n`;
    s += `    <checksum type="${xmlAttr(d.checksumType)}">${d.checksum}</checksum>\n`;
    if (d.openChecksum !== null)
      s += `    <open-checksum type="${xmlAttr(d.openChecksumType ?? d.checksumType)}">${d.openChecksum}</open-checksum>\n`;
    s += `    <location href="${xmlAttr(d.location)}"/>\n`;
    if (d.timestamp !== null) s += `    <timestamp>${d.timestamp}</timestamp>\n`;
    if (d.size !== null) s += `    <size>${d.size}</size>\n`;
    if (d.openSize !== null) s += `    <open-size>${d.openSize}</open-size>\n`;
    if (d.databaseVersion !== undefined) s += `    <database_version>${d.databaseVersion}</database_version>\n`;
    s += '  </data>\n';
  }
  return s + '</repomd>\n';
}

function num(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Parses repomd.xml text. Throws METADATA_CORRUPT on malformed XML or a data entry without location/checksum. */
export function readRepomd(text: string, label = 'repomd.xml'): Repomd {
  const result: Repomd = { revision: null, data: [] };
  let current: Partial<RepomdData> | undefined;
  let attrs: Record<string, string> = {};
  let sawRoot = false;
  const parser = new XmlScanner({
    open(name, attributes) {
      attrs = attributes;
      if (name === 'repomd') sawRoot = true;
      else if (name === 'data')
        current = {
          type: attributes.type ?? '',
          openChecksum: null,
          openChecksumType: null,
          size: null,
          openSize: null,
          timestamp: null,
        };
      else if (name === 'location' && current) current.location = attributes.href ?? '';
    },
    // the elements read here hold text only, so `attrs` are still their own attributes
    close(name, text) {
      const value = text.trim();
      if (!current) {
        if (name === 'revision') result.revision = value;
        return;
      }
      switch (name) {
        case 'checksum':
          current.checksum = value;
          current.checksumType = attrs.type ?? 'sha256';
          break;
        case 'open-checksum':
          current.openChecksum = value;
          current.openChecksumType = attrs.type ?? 'sha256';
          break;
        case 'size':
          current.size = num(value);
          break;
        case 'open-size':
          current.openSize = num(value);
          break;
        case 'timestamp':
          current.timestamp = num(value);
          break;
        case 'database_version': {
          const v = num(value);
          if (v !== null) current.databaseVersion = v;
          break;
        }
        case 'data':
          if (!current.location || !current.checksum) {
            throw new YumdaError(
              'METADATA_CORRUPT',
              `${label}: data entry "${current.type}" has no location or checksum`,
            );
          }
          result.data.push(current as RepomdData);
          current = undefined;
          break;
      }
    },
  });
  try {
    parser.write(text);
    parser.close();
  } catch (e) {
    if (e instanceof YumdaError) throw e;
    throw new YumdaError('METADATA_CORRUPT', `${label}: malformed repomd.xml: ${(e as Error).message}`, { cause: e });
  }
  if (!sawRoot) throw new YumdaError('METADATA_CORRUPT', `${label}: not a repomd.xml (no <repomd> element)`);
  return result;
}
