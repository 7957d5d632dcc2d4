#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { registerClientCommands } from './commands/client.js';
import { reportError } from './output.js';
import { finishProgram, rootProgram } from './root.js';

/** Runs the CLI; returns the exit code instead of exiting so tests can call it in-process. */
// The AWS SDK warns on every run under Node 20 that its 2027 releases will need Node 22; yumda pins
// the SDK it ships with, so the warning only confuses users. An explicit setting still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The program for this command line: when it names a client command (install, list, ...), only the
 * client commands are registered, so the everyday path loads none of the build and publish code.
 */
async function programFor(argv: string[]): Promise<Command> {
  const word = argv[0] === '--debug' ? argv[1] : argv[0];
  const client = rootProgram();
  registerClientCommands(client);
  if (word !== undefined && client.commands.some((c) => c.name() === word || c.aliases().includes(word))) return finishProgram(client);
  const { buildProgram } = await import('./program.js');
  return buildProgram();
}

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
