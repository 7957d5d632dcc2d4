/**
 * When the launcher (launch.ts) writes a command's V8 code cache. A cache is what the run that
 * wrote it had compiled (what it loaded from the old cache, plus what it compiled itself), so:
 * - a missing or rejected (stale, corrupt) cache is written by the next successful run;
 * - help, version and failed runs write none: their code is a small part of the command's;
 * - a long run rewrites an accepted cache: it may have reached code the first run did not (the
 *   download and extraction after a first --dry-run, say), and 2 ms of serialising is nothing
 *   next to its own time. Short runs, the ones the cache is for, keep it as it is.
 */
export const REWRITE_AFTER_MS = 250;

export interface CodeCacheRun {
  /** There was a cache and V8 accepted it. */
  accepted: boolean;
  exitCode: number;
  /** The command line asked for --help or --version. */
  helpOrVersion: boolean;
  elapsedMs: number;
}

export function shouldWriteCodeCache(run: CodeCacheRun): boolean {
  if (run.exitCode !== 0 || run.helpOrVersion) return false;
  return !run.accepted || run.elapsedMs > REWRITE_AFTER_MS;
}

export function isHelpOrVersion(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');
}
