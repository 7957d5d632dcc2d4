import { CommanderError } from 'commander';
import { ExitCode, isYumdaError } from '../util/errors.js';

/** Prints data for scripts: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Human-oriented progress/notes go to stderr so stdout stays clean for data. */
export function note(message: string): void {
  process.stderr.write(message + '\n');
}

/** Prints one clear error line (stack only with --debug) and returns the exit code to use. */
export function reportError(error: unknown, options: { debug: boolean; json: boolean }): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (unknown option, missing argument, --help, --version)
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  if (isYumdaError(error)) {
    if (options.json) {
      process.stdout.write(JSON.stringify({ error: { code: error.code, message: error.message, hint: error.hint ?? null } }) + '\n');
    }
    process.stderr.write(`yumda: error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`yumda: hint: ${error.hint}\n`);
    if (options.debug && error.stack) process.stderr.write(error.stack + '\n');
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`yumda: internal error: ${message}\n`);
  if (options.debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  else process.stderr.write('yumda: run again with --debug for the stack trace, and report it as a bug\n');
  return ExitCode.failure;
}
