import type { Command } from 'commander';
import { commandGroups, commandOf, type CommandGroupId } from './command-groups.js';
import { finishProgram, rootProgram } from './root.js';

/**
 * How each command group registers its commands, in --help order. A group imports only the
 * command modules command-groups.ts lists for it (its bundle contains no others).
 */
export const registerGroup: Record<CommandGroupId, (program: Command) => Promise<void>> = {
  rpm: async (p) => (await import('./commands/rpm.js')).registerRpmCommands(p),
  repo: async (p) => {
    const [index, publish] = await Promise.all([import('./commands/repo.js'), import('./commands/publish.js')]);
    const repo = p.command('repo').description('build and publish yum repositories (createrepo + S3 sync, done safely)');
    index.registerRepoIndexCommand(repo);
    publish.registerRepoPublishCommand(repo);
  },
  client: async (p) => (await import('./commands/client.js')).registerClientCommands(p),
  check: async (p) => (await import('./commands/check.js')).registerCheckCommand(p),
  zip: async (p) => (await import('./commands/zip.js')).registerZipCommand(p),
  spec: async (p) => (await import('./commands/spec.js')).registerSpecCommands(p),
  source: async (p) => (await import('./commands/source.js')).registerSourceCommands(p),
  build: async (p) => (await import('./commands/build.js')).registerBuildCommands(p),
  base: async (p) => (await import('./commands/base.js')).registerBaseCommands(p),
};

/** The whole command line: every command. */
export async function buildProgram(): Promise<Command> {
  const program = rootProgram();
  for (const group of commandGroups) await registerGroup[group.id](program);
  return finishProgram(program);
}

/** The program for this command line: only the group of the command it names, when it names one. */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const command = commandOf(argv);
  if (!command) return buildProgram();
  const program = rootProgram();
  await registerGroup[command.group](program);
  return finishProgram(program);
}
