#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportError } from './output.js';
import { programFor } from './program.js';

// The AWS SDK warns on every run under Node 20 that its 2027 releases will need Node 22; yumda pins
// the SDK it ships with, so the warning only confuses users. An explicit setting still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Runs the CLI; returns the exit code instead of exiting so tests can call it in-process. */
export async function runCli(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await programFor(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, { debug, json: argv.includes('--json') });
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
}
