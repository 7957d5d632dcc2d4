/**
 * Version comparison and dependency range matching, exactly as rpm does it
 * (rpmvercmp in rpmio/rpmvercmp.c, rpmverCmp/rpmverOverlap in lib/rpmver.c, rpmdsCompare).
 */
import type { DepFlag } from './types.js';

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
function isAlnum(c: string): boolean {
  return isDigit(c) || isAlpha(c);
}

/** rpm's version segment comparison: -1, 0 or 1. Handles `~` (sorts before anything) and `^` (after the base, before a next segment). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while (i < la && !isAlnum(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < lb && !isAlnum(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;

    const ca = i < la ? a[i]! : '';
    const cb = j < lb ? b[j]! : '';
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < la && j < lb)) break;

    let ei = i;
    let ej = j;
    const numeric = isDigit(a[i]!);
    if (numeric) {
      while (ei < la && isDigit(a[ei]!)) ei++;
      while (ej < lb && isDigit(b[ej]!)) ej++;
    } else {
      while (ei < la && isAlpha(a[ei]!)) ei++;
      while (ej < lb && isAlpha(b[ej]!)) ej++;
    }
    if (ei === i) return -1; // cannot happen: the segment starts with an alnum
    if (ej === j) return numeric ? 1 : -1; // numeric segments are newer than alpha ones

    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length > sb.length) return 1;
      if (sb.length > sa.length) return -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}

export interface Evr {
  epoch: number | null;
  version: string | null;
  release: string | null;
}

/** Parses `[epoch:]version[-release]` the way rpm does (epoch only when all digits before the colon). */
export function parseEvr(evr: string): Evr {
  let epoch: number | null = null;
  let rest = evr;
  const colon = evr.indexOf(':');
  if (colon >= 0 && /^\d*$/.test(evr.slice(0, colon))) {
    epoch = colon === 0 ? 0 : Number(evr.slice(0, colon));
    rest = evr.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: null };
}

export function formatEvr(evr: Evr): string {
  let out = evr.epoch !== null ? `${evr.epoch}:` : '';
  out += evr.version ?? '';
  if (evr.release !== null && evr.release !== '') out += `-${evr.release}`;
  return out;
}

/** Package EVR order: missing epoch is 0; release is compared only when both sides have one. */
export function compareEvr(a: Evr, b: Evr): number {
  const rc = rpmvercmp(String(a.epoch ?? 0), String(b.epoch ?? 0));
  if (rc !== 0) return rc;
  const rv = rpmvercmp(a.version ?? '', b.version ?? '');
  if (rv !== 0) return rv;
  if (a.release !== null && b.release !== null) return rpmvercmp(a.release, b.release);
  return 0;
}

const FLAG_BITS: Record<Exclude<DepFlag, null>, number> = { LT: 2, GT: 4, EQ: 8, LE: 10, GE: 12 };
const LESS = 2;
const GREATER = 4;
const EQUAL = 8;

export function depFlagFromSense(sense: number): DepFlag {
  switch (sense & 0xe) {
    case 2:
      return 'LT';
    case 4:
      return 'GT';
    case 8:
      return 'EQ';
    case 10:
      return 'LE';
    case 12:
      return 'GE';
    default:
      return null;
  }
}

function senseFromDepFlag(flag: DepFlag): number {
  return flag === null ? 0 : FLAG_BITS[flag];
}

export interface DepLike extends Evr {
  name: string;
  flags: DepFlag;
}

const OPERATORS: Record<string, Exclude<DepFlag, null>> = {
  '=': 'EQ',
  '==': 'EQ',
  '<': 'LT',
  '<=': 'LE',
  '=<': 'LE',
  '>': 'GT',
  '>=': 'GE',
  '=>': 'GE',
};

/** Parses `name`, `name >= [E:]V[-R]` (as written in specs and on command lines). */
export function parseDep(text: string): DepLike {
  const m = /^\s*(\S+)(?:\s*(<=|>=|=<|=>|==|=|<|>)\s*(\S+))?\s*$/.exec(text);
  if (!m) return { name: text.trim(), flags: null, epoch: null, version: null, release: null };
  if (!m[2]) return { name: m[1]!, flags: null, epoch: null, version: null, release: null };
  return { name: m[1]!, flags: OPERATORS[m[2]]!, ...parseEvr(m[3]!) };
}

function hasEvr(d: Evr): boolean {
  return (d.version ?? '') !== '' || d.epoch !== null;
}

/**
 * rpmverOverlap: do the ranges (a, fa) and (b, fb) intersect? A side without a release
 * matches any release when its range includes equality.
 */
function rangesOverlap(a: Evr, fa: number, b: Evr, fb: number): boolean {
  let sense = 0;
  const ea = a.epoch;
  const eb = b.epoch;
  if (ea !== null && eb !== null) sense = rpmvercmp(String(ea), String(eb));
  else if (ea !== null && ea > 0) sense = 1;
  else if (eb !== null && eb > 0) sense = -1;

  if (sense === 0) {
    sense = rpmvercmp(a.version ?? '', b.version ?? '');
    if (sense === 0) {
      const ra = a.release ?? '';
      const rb = b.release ?? '';
      if (ra !== '' && rb !== '') {
        sense = rpmvercmp(ra, rb);
      } else if ((ra !== '' && fb & EQUAL) || (rb !== '' && fa & EQUAL)) {
        return true;
      }
    }
  }
  if (sense < 0 && (fa & GREATER || fb & LESS)) return true;
  if (sense > 0 && (fa & LESS || fb & GREATER)) return true;
  if (sense === 0 && ((fa & EQUAL && fb & EQUAL) || (fa & LESS && fb & LESS) || (fa & GREATER && fb & GREATER)))
    return true;
  return false;
}

/**
 * rpmdsCompare: does `a` (typically a provide) satisfy `b` (typically a requirement), or vice
 * versa — the relation is symmetric. Names must be equal; an unversioned side always matches.
 */
export function depMatches(a: DepLike, b: DepLike): boolean {
  if (a.name !== b.name) return false;
  return evrRangesMatch(a, senseFromDepFlag(a.flags), b, senseFromDepFlag(b.flags));
}

/** depMatches on raw RPMSENSE bits (which can express `<>`, LESS|GREATER, unlike DepFlag). */
export function evrRangesMatch(a: Evr, senseA: number, b: Evr, senseB: number): boolean {
  const fa = senseA & (LESS | GREATER | EQUAL);
  const fb = senseB & (LESS | GREATER | EQUAL);
  if (fa === 0 || fb === 0) return true;
  if (!hasEvr(a) || !hasEvr(b)) return true;
  return rangesOverlap(a, fa, b, fb);
}
