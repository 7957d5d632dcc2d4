/** Presenting a resolved plan: yum's transaction table for people, a fixed JSON shape for scripts. */
import type { ResolvePlan } from './resolve.js';
import { evrString } from './package.js';

export interface PlanJson {
  install: Array<{
    name: string;
    epoch: number;
    version: string;
    release: string;
    arch: string;
    repo: string;
    size: number;
    installedSize: number;
  }>;
  skippedByBase: string[];
  downloadSize: number;
  installedSize: number;
}

export function planToJson(plan: ResolvePlan): PlanJson {
  const install = plan.install.map(({ pkg }) => ({
    name: pkg.name,
    epoch: pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
    repo: pkg.repo,
    size: pkg.sizePackage,
    installedSize: pkg.sizeInstalled,
  }));
  return {
    install,
    skippedByBase: plan.skippedByBase,
    downloadSize: install.reduce((s, p) => s + p.size, 0),
    installedSize: install.reduce((s, p) => s + p.installedSize, 0),
  };
}

/** yum's size style: 512, 4.0 k, 1.2 M, 3.4 G. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}`;
  const units = ['k', 'M', 'G', 'T'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatPlan(plan: ResolvePlan, options: { base: string; width?: number }): string {
  const width = Math.max(72, Math.min(options.width ?? 80, 120));
  const rows = plan.install.map((p) => ({
    section: p.replaces ? 'Upgrading:' : p.requested ? 'Installing:' : 'Installing for dependencies:',
    cells: [p.pkg.name, p.pkg.arch, evrString(p.pkg), p.pkg.repo, humanSize(p.pkg.sizePackage)],
  }));
  const headers = ['Package', 'Arch', 'Version', 'Repository', 'Size'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const line = (cells: string[]): string =>
    ' ' + cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const rule = '='.repeat(Math.max(width, line(headers).length));
  const out: string[] = [];
  if (plan.install.length > 0) {
    out.push(rule, line(headers), rule);
    for (const section of ['Installing:', 'Upgrading:', 'Installing for dependencies:']) {
      const inSection = rows.filter((r) => r.section === section);
      if (inSection.length === 0) continue;
      out.push(section);
      for (const r of inSection) out.push(line(r.cells));
    }
    for (const removed of plan.remove)
      out.push(`Removing (replaced): ${removed.name}-${evrString(removed)}.${removed.arch}`);
    out.push('', 'Transaction Summary', rule);
    const fresh = plan.install.filter((p) => !p.replaces);
    const requested = fresh.filter((p) => p.requested).length;
    const deps = fresh.length - requested;
    const upgrades = plan.install.length - fresh.length;
    if (fresh.length > 0)
      out.push(
        `Install  ${requested} Package${requested === 1 ? '' : 's'}${deps ? ` (+${deps} Dependent package${deps === 1 ? '' : 's'})` : ''}`,
      );
    if (upgrades > 0) out.push(`Upgrade  ${upgrades} Package${upgrades === 1 ? '' : 's'}`);
    const json = planToJson(plan);
    out.push(
      '',
      `Total download size: ${humanSize(json.downloadSize)}`,
      `Installed size: ${humanSize(json.installedSize)}`,
    );
  } else {
    out.push('Nothing to do.');
  }
  for (const n of plan.alreadyInstalled) out.push(`Package ${n} is already installed.`);
  if (plan.skippedByBase.length > 0)
    out.push(`Skipped (already in the Lambda base ${options.base}): ${plan.skippedByBase.join(', ')}`);
  return out.join('\n');
}
