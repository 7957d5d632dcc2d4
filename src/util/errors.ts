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
