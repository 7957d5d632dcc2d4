/**
 * Option-argument parsers for commander. They throw InvalidArgumentError, which commander turns into
 * "error: option '--jobs <n>' argument 'x' is invalid. …" and yumda into exit code 2 (usage).
 */
import { InvalidArgumentError } from 'commander';

function integer(value: string): number | undefined {
  const n = Number(value);
  return value.trim() !== '' && Number.isInteger(n) ? n : undefined;
}

export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n === undefined || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = integer(value);
  if (n === undefined || n < 0) throw new InvalidArgumentError('expected 0 or a positive integer');
  return n;
}

/** A count where -1 means "no limit" (e.g. changelog entries). */
export function countOrUnlimited(value: string): number {
  const n = integer(value);
  if (n === undefined || n < -1) throw new InvalidArgumentError('expected 0, a positive integer, or -1 for no limit');
  return n;
}
