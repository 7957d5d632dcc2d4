/**
 * Every error yumda raises on purpose is a YumdaError: the CLI prints its message on one line
 * (the stack only with --debug) and exits with its exitCode. Anything else is a bug.
 */
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export const ExitCode = {
  ok: 0,
  failure: 1, // the operation could not be done (bad input, nothing provides X, build failed)
  usage: 2, // the command line was wrong
  integrity: 3, // a checksum, digest or signature did not verify
  unreachable: 4, // a repository, mirror or endpoint could not be reached
  checkFailed: 5, // `yumda check` found errors (or warnings with --strict)
  environment: 6, // the machine refused: disk full, read-only file system, permission denied, a file where a directory is needed (src/util/system-errors.ts)
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class YumdaError extends Error {
  readonly exitCode: ExitCodeValue;
  /** A short machine-readable code, e.g. "RPM_BAD_MAGIC", printed in --json error output. */
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'YumdaError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
  }
}

export function isYumdaError(e: unknown): e is YumdaError {
  return e instanceof YumdaError;
}

/**
 * An error as a worker thread posts it: structured cloning keeps an Error's message only, and the
 * main thread needs the YumdaError's code, exit code and hint, or a system error's errno code,
 * syscall and path (src/util/system-errors.ts turns ENOSPC into the user's disk-full error).
 */
export type WireError =
  | { yumda: true; code: ErrorCode; message: string; exitCode: ExitCodeValue; hint: string | undefined }
  | { yumda: false; message: string; errno: string | undefined; syscall: string | undefined; path: string | undefined };

export function toWireError(e: unknown): WireError {
  if (isYumdaError(e)) return { yumda: true, code: e.code, message: e.message, exitCode: e.exitCode, hint: e.hint };
  const err = (e instanceof Error ? e : new Error(String(e))) as NodeJS.ErrnoException;
  return { yumda: false, message: err.message, errno: err.code, syscall: err.syscall, path: err.path };
}

export function fromWireError(w: WireError): Error {
  if (w.yumda) return new YumdaError(w.code, w.message, { exitCode: w.exitCode, ...(w.hint ? { hint: w.hint } : {}) });
  const err = new Error(w.message) as NodeJS.ErrnoException;
  if (w.errno !== undefined) err.code = w.errno;
  if (w.syscall !== undefined) err.syscall = w.syscall;
  if (w.path !== undefined) err.path = w.path;
  return err;
}
