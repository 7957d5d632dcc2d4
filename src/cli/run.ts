import { reportError } from './output.js';
import { buildProgram } from './program.js';

/** Runs the CLI; returns the exit code instead of exiting so it can be called in-process. */
export async function runCli(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, { debug, json: argv.includes('--json') });
  }
}
