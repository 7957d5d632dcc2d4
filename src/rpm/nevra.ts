/**
 * A package's identity as rpm and yum write it: NAME-[EPOCH:]VERSION-RELEASE[.ARCH], the epoch only
 * when it is not 0 (as yum prints a package). Dependencies' EVRs, where an absent epoch differs
 * from 0, are version.ts's parseEvr/formatEvr.
 */
import { formatEvr } from './version.js';

export interface Evr {
  epoch: number | null;
  version: string;
  release: string;
}

/** "[E:]V-R" */
export function evrString(p: Evr): string {
  return formatEvr({ epoch: p.epoch || null, version: p.version, release: p.release });
}

/** "N-[E:]V-R" */
export function nevr(p: Evr & { name: string }): string {
  return `${p.name}-${evrString(p)}`;
}

/** "N-[E:]V-R.A" */
export function nevra(p: Evr & { name: string; arch: string }): string {
  return `${nevr(p)}.${p.arch}`;
}

/** Splits "NAME-[EPOCH:]VERSION-RELEASE" (a path, .rpm and .src.rpm allowed) at its last two dashes. */
export function parseNevr(text: string): { name: string; epoch: number; version: string; release: string } | null {
  const base = text
    .replace(/^.*\//, '')
    .replace(/\.src\.rpm$/, '')
    .replace(/\.rpm$/, '');
  const m = /^(.+)-(?:(\d+):)?([^-:]+)-([^-:]+)$/.exec(base);
  if (!m) return null;
  return { name: m[1]!, epoch: m[2] ? Number(m[2]) : 0, version: m[3]!, release: m[4]! };
}

/** Splits "NAME-[EPOCH:]VERSION-RELEASE.ARCH" (as `rpm -qa` prints it). */
export function parseNevra(
  text: string,
): { name: string; epoch: number; version: string; release: string; arch: string } | null {
  const m = /^(.+)\.([^.\-/]+)$/.exec(text.trim());
  const nevr = m ? parseNevr(m[1]!) : null;
  return nevr && { ...nevr, arch: m![2]! };
}
