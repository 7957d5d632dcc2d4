import type { Command } from 'commander';
import { finishProgram, rootProgram } from './root.js';
import { registerRpmCommands } from './commands/rpm.js';
import { registerRepoIndexCommand } from './commands/repo.js';
import { registerRepoPublishCommand } from './commands/publish.js';
import { registerZipCommand } from './commands/zip.js';
import { registerClientCommands } from './commands/client.js';
import { registerCheckCommand } from './commands/check.js';
import { registerSpecCommands } from './commands/spec.js';
import { registerSourceCommands } from './commands/source.js';
import { registerBuildCommands } from './commands/build.js';

/** The whole command line: every command (help, completion checks, anything but the client fast path). */
export function buildProgram(): Command {
  const program = rootProgram();
  registerRpmCommands(program);
  const repo = program.command('repo').description('build and publish yum repositories (createrepo + S3 sync, done safely)');
  registerRepoIndexCommand(repo);
  registerRepoPublishCommand(repo);
  registerClientCommands(program);
  registerCheckCommand(program);
  registerZipCommand(program);
  registerSpecCommands(program);
  registerSourceCommands(program);
  registerBuildCommands(program);
  return finishProgram(program);
}
