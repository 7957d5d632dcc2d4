/**
 * `yumda check` on a layer directory that yumda manages: the layer checks of src/layer plus what
 * only the manifest can tell: every file a package installed is there, as it was installed
 * (type, permissions, content, link target), and no change was left half done.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, readlinkSync } from 'node:fs';
import { checkLayer, type CheckOptions, type CheckReport, type Finding } from '../layer/check.js';
import { txnDir } from './journal.js';
import { LayerPaths, lstatOrNull } from './layer-path.js';
import { readManifest, type Manifest, type ManifestFile } from './manifest.js';
import { readLayerManifest } from './transaction.js';

function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** How a manifest entry differs from the layer, or null when it matches. */
function difference(paths: LayerPaths, f: ManifestFile): string | null {
  let host: string;
  try {
    host = paths.resolve(f.path, 'check');
  } catch (e) {
    return (e as Error).message.replace(/^check: /, '');
  }
  const st = lstatOrNull(host);
  if (!st) return 'missing';
  const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'special file';
  const expected = f.type === 'hardlink' ? 'file' : f.type;
  if (kind !== expected) return `a ${kind}, installed as a ${expected}`;
  // a directory is shared by the packages that list it, each with its own mode: the first one
  // installed set it, so only files and their modes are held to the manifest
  if (kind === 'file' && (st.mode & 0o7777) !== (f.mode & 0o7777)) {
    return `mode ${(st.mode & 0o7777).toString(8)}, installed as ${(f.mode & 0o7777).toString(8)}`;
  }
  if (kind === 'symlink' && f.linkto !== null && readlinkSync(host) !== f.linkto)
    return `points to ${readlinkSync(host)}, installed pointing to ${f.linkto}`;
  if (kind === 'file' && f.sha256 !== null && fileSha256(host) !== f.sha256) return 'content changed';
  return null;
}

/** Findings about the layer against its manifest (none when yumda does not manage it). */
export function manifestFindings(dir: string, manifest: Manifest | null): Finding[] {
  const findings: Finding[] = [];
  if (existsSync(txnDir(dir))) {
    findings.push({
      severity: 'error',
      code: 'interrupted-change',
      message: 'a change to this layer was interrupted and is not finished',
      hint: `any yumda command that opens the layer finishes or undoes it (e.g. yumda list --installed -d ${dir})`,
    });
  }
  if (!manifest) return findings;
  const paths = new LayerPaths(dir);
  const problems: string[] = [];
  for (const p of manifest.packages) {
    for (const f of p.files) {
      const diff = difference(paths, f);
      if (diff) problems.push(`/opt/${f.path} (${p.name}): ${diff}`);
    }
  }
  if (problems.length > 0) {
    findings.push({
      severity: 'error',
      code: 'manifest-mismatch',
      message: `${problems.length} installed file${problems.length === 1 ? ' does' : 's do'} not match the layer's manifest (.yumda/installed.json)`,
      details: problems.slice(0, 20).concat(problems.length > 20 ? [`… and ${problems.length - 20} more`] : []),
      hint: 'the layer was changed after yumda installed it: reinstall the packages named, or rebuild the layer',
    });
  }
  return findings;
}

/** Merges extra findings into a report, recounting its verdict. */
function withFindings(report: CheckReport, extra: Finding[]): CheckReport {
  if (extra.length === 0) return report;
  const findings = [...extra, ...report.findings];
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  return { ...report, findings, errors, warnings, ok: errors === 0 && (!report.strict || warnings === 0) };
}

/**
 * Checks a layer directory or zip; for a directory yumda manages, an interrupted change is
 * finished or undone first (when the layer can be written), and the files are held to the manifest.
 */
export async function checkManagedLayer(
  target: string,
  options: CheckOptions,
  onNote?: (m: string) => void,
): Promise<CheckReport> {
  const st = lstatOrNull(target);
  if (!st?.isDirectory()) return checkLayer(target, options);
  let manifest: Manifest | null;
  try {
    manifest = await readLayerManifest(target, { onNote });
  } catch (e) {
    // a read-only layer with an unfinished change: report it as it is (interrupted-change says so)
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw e;
    manifest = await readManifest(target);
  }
  const report = await checkLayer(target, options);
  return withFindings(report, manifestFindings(target, manifest));
}
