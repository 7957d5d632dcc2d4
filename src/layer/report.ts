/** The result of `yumda check`: findings by severity, plus what was looked at. */

export type Severity = 'error' | 'warning';

export type FindingCode =
  | 'missing-library'
  | 'missing-interpreter'
  | 'glibc-version'
  | 'symbol-version'
  | 'shadowed-library'
  | 'runpath-overridden'
  | 'missing-script-interpreter'
  | 'hardcoded-path'
  | 'size-unzipped'
  | 'size-zipped'
  | 'zip-symlink-as-text'
  | 'zip-symlink-copied'
  | 'unreadable-elf'
  | 'wrong-machine'
  | 'setid-bits'
  | 'manifest-mismatch'
  | 'interrupted-change';

export interface Finding {
  severity: Severity;
  code: FindingCode;
  /** The layer file concerned, as mounted (e.g. /opt/bin/git); absent for layer-wide findings. */
  file?: string;
  message: string;
  hint?: string;
  /** Supporting lines (paths searched, paths found, largest directories...). */
  details?: string[];
}

export interface CheckStats {
  files: number;
  symlinks: number;
  elfObjects: number;
  scripts: number;
  textFilesScanned: number;
  unzippedBytes: number;
  zippedBytes: number | null;
  largestDirs: { path: string; bytes: number }[];
}

export interface CheckReport {
  /** What was checked (directory or zip path). */
  target: string;
  profile: string;
  /** The target the layer was checked for ("al2023/aarch64"), when known. */
  runtime?: string;
  strict: boolean;
  /** True when the layer passes: no errors (and no warnings with strict). */
  ok: boolean;
  errors: number;
  warnings: number;
  findings: Finding[];
  stats: CheckStats;
  limits: { unzippedBytes: number; zippedBytes: number };
}

export const LAMBDA_LIMITS = {
  /** Function plus all layers, unzipped. */
  unzippedBytes: 250 * 1024 * 1024,
  /** Direct upload of a zip (larger zips must go through S3). */
  zippedBytes: 50 * 1024 * 1024,
} as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line for `yumda install` to print after installing, e.g. "check: 1 error, 2 warnings (…)". */
export function summarizeReport(report: CheckReport): string {
  const s = report.stats;
  const verdict =
    report.errors > 0
      ? 'FAILED'
      : report.warnings > 0
        ? report.strict
          ? 'FAILED (strict)'
          : 'ok with warnings'
        : 'ok';
  const codes = [...new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
  return (
    `check ${verdict}: ${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}` +
    (codes.length ? ` [${codes.join(', ')}]` : '') +
    ` — ${plural(s.elfObjects, 'ELF object')}, ${plural(s.files, 'file')}, ${formatBytes(s.unzippedBytes)} of ${formatBytes(report.limits.unzippedBytes)} unzipped` +
    (s.zippedBytes !== null
      ? `, ${formatBytes(s.zippedBytes)} of ${formatBytes(report.limits.zippedBytes)} zipped`
      : '') +
    (report.errors + report.warnings > 0 ? ` (details: yumda check ${report.target})` : '')
  );
}

/** The human-readable report, grouped by severity. */
export function formatReport(report: CheckReport): string {
  const lines: string[] = [];
  lines.push(
    `yumda check ${report.target} (${report.runtime ? `target: ${report.runtime}, ` : ''}base: ${report.profile})`,
  );
  for (const severity of ['error', 'warning'] as const) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('');
    lines.push(`${severity === 'error' ? 'ERRORS' : 'WARNINGS'} (${group.length})`);
    for (const f of group) {
      lines.push(`  ${severity}: ${f.file ? `${f.file}: ` : ''}${f.message} [${f.code}]`);
      for (const d of f.details ?? []) lines.push(`      ${d}`);
      if (f.hint) lines.push(`      fix: ${f.hint}`);
    }
  }
  lines.push('');
  const s = report.stats;
  lines.push(
    `checked ${plural(s.files, 'file')}, ${plural(s.symlinks, 'symlink')}, ${plural(s.elfObjects, 'ELF object')}, ${plural(s.scripts, 'script')}; ` +
      `size ${formatBytes(s.unzippedBytes)} of ${formatBytes(report.limits.unzippedBytes)} unzipped` +
      (s.zippedBytes !== null
        ? `, ${formatBytes(s.zippedBytes)} of ${formatBytes(report.limits.zippedBytes)} zipped`
        : ''),
  );
  lines.push(summarizeReport(report));
  return lines.join('\n');
}
