import { CommanderError } from 'commander';
import { ExitCode, isYumdaError, type YumdaError } from '../util/errors.js';
import { environmentError, findSystemError } from '../util/system-errors.js';

/** Prints data for scripts: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

let progressOpen = false;

/**
 * Redraws the progress line on a terminal's stderr (`\r`, the text, clear to the end of the line);
 * `last` ends it. Anything else printed on stderr meanwhile ends it first, so an error never lands
 * at the end of a progress line.
 */
export function drawProgress(text: string, last = false): void {
  process.stderr.write(`\r${text}\x1b[K${last ? '\n' : ''}`);
  progressOpen = !last;
}

function endProgressLine(): void {
  if (!progressOpen) return;
  process.stderr.write('\n');
  progressOpen = false;
}

/** Human-oriented progress/notes go to stderr so stdout stays clean for data. */
export function note(message: string): void {
  endProgressLine();
  process.stderr.write(message + '\n');
}

/** Prints one clear error line (stack only with --debug) and returns the exit code to use. */
export function reportError(error: unknown, options: { debug: boolean; json: boolean }): number {
  endProgressLine();
  if (error instanceof CommanderError) {
    // commander already printed its message (unknown option, missing argument, --help, --version)
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  const mapped = asUserError(error);
  if (mapped) error = mapped;
  if (isYumdaError(error)) {
    if (options.json) {
      process.stdout.write(
        JSON.stringify({ error: { code: error.code, message: error.message, hint: error.hint ?? null } }) + '\n',
      );
    }
    process.stderr.write(`yumda: error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`yumda: hint: ${error.hint}\n`);
    if (options.debug && error.stack) process.stderr.write(error.stack + '\n');
    if (options.debug && mapped && error.cause instanceof Error && error.cause.stack)
      process.stderr.write(`caused by: ${error.cause.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (options.json)
    process.stdout.write(
      JSON.stringify({
        error: {
          code: 'INTERNAL',
          message,
          hint: 'run again with --debug for the stack trace, and report it as a bug',
        },
      }) + '\n',
    );
  process.stderr.write(`yumda: internal error: ${message}\n`);
  if (options.debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  else process.stderr.write('yumda: run again with --debug for the stack trace, and report it as a bug\n');
  return ExitCode.failure;
}

/**
 * Errnos that only the local machine causes and no retry cures: whatever a YumdaError wrapping one
 * says ("extraction failed", "unreachable"), the user has to free space or pick another place.
 */
const LOCAL_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EMFILE', 'ENFILE', 'EIO']);

/**
 * A system error (disk full, read-only, EACCES, ENOTDIR…) becomes a user error naming the path,
 * wherever it was thrown; a YumdaError that reported a local disk failure as "unreachable" is
 * corrected. Everything else is left as it is.
 */
function asUserError(error: unknown): YumdaError | undefined {
  if (isYumdaError(error)) {
    const sys = findSystemError(error.cause);
    if (!sys || !LOCAL_ERRNOS.has(sys.code) || error.exitCode === ExitCode.environment) return undefined;
    // the wrapper's message gives the context when the system error names no file (write(2))
    return environmentError(sys, sys.path ? {} : { context: error.message.replace(/:?\s*E[A-Z0-9]+$/, '') });
  }
  return environmentError(error);
}
