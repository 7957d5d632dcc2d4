import type { Command } from 'commander';
import { registerBuildCommands } from './commands/build.js';
import { registerCheckCommand } from './commands/check.js';
import { registerClientCommands } from './commands/client.js';
import { registerRepoPublishCommand } from './commands/publish.js';
import { registerRepoIndexCommand } from './commands/repo.js';
import { registerRpmCommands } from './commands/rpm.js';
import { registerSourceCommands } from './commands/source.js';
import { registerSpecCommands } from './commands/spec.js';
import { registerZipCommand } from './commands/zip.js';
import { registerBaseCommands } from './commands/base.js';
import { finishProgram, rootProgram } from './root.js';

/**
 * Every command, in --help order: a new command is one more line here. Command modules only
 * declare options; each loads its library when its action runs.
 */
const commands: ReadonlyArray<(program: Command) => void> = [
  registerRpmCommands,
  (program) => {
    const repo = program
      .command('repo')
      .description('build and publish yum repositories (createrepo + S3 sync, done safely)');
    registerRepoIndexCommand(repo);
    registerRepoPublishCommand(repo);
  },
  registerClientCommands,
  registerCheckCommand,
  registerZipCommand,
  registerSpecCommands,
  registerSourceCommands,
  registerBuildCommands,
  registerBaseCommands,
];

/** The whole command line. */
export function buildProgram(): Command {
  const program = rootProgram();
  for (const register of commands) register(program);
  return finishProgram(program);
}
