import type { Command } from 'commander';
import { finishProgram, rootProgram } from './root.js';

/**
 * The commands, in --help order, grouped by the module that registers them. A command line that
 * names one of a group's commands loads only that group's module (start-up is most of a small
 * command's time); anything else (--help, a typo to suggest for) gets every command.
 */
interface CommandGroup {
  /** The top-level command names and aliases the group registers (test/cli.test.ts checks them). */
  names: readonly string[];
  register(program: Command): Promise<void>;
}

export const commandGroups: readonly CommandGroup[] = [
  { names: ['rpm'], register: async (p) => (await import('./commands/rpm.js')).registerRpmCommands(p) },
  {
    names: ['repo'],
    register: async (p) => {
      const [index, publish] = await Promise.all([import('./commands/repo.js'), import('./commands/publish.js')]);
      const repo = p.command('repo').description('build and publish yum repositories (createrepo + S3 sync, done safely)');
      index.registerRepoIndexCommand(repo);
      publish.registerRepoPublishCommand(repo);
    },
  },
  {
    names: ['install', 'update', 'upgrade', 'remove', 'erase', 'list', 'search', 'info', 'provides', 'whatprovides'],
    register: async (p) => (await import('./commands/client.js')).registerClientCommands(p),
  },
  { names: ['check'], register: async (p) => (await import('./commands/check.js')).registerCheckCommand(p) },
  { names: ['zip'], register: async (p) => (await import('./commands/zip.js')).registerZipCommand(p) },
  { names: ['spec'], register: async (p) => (await import('./commands/spec.js')).registerSpecCommands(p) },
  { names: ['source', 'outdated'], register: async (p) => (await import('./commands/source.js')).registerSourceCommands(p) },
  { names: ['build', 'plan'], register: async (p) => (await import('./commands/build.js')).registerBuildCommands(p) },
];

/** The whole command line: every command. */
export async function buildProgram(): Promise<Command> {
  const program = rootProgram();
  for (const group of commandGroups) await group.register(program);
  return finishProgram(program);
}

/** The program for this command line: only the group of the command it names, when it names one. */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const word = argv.find((a) => a !== '--debug');
  const group = commandGroups.find((g) => word !== undefined && g.names.includes(word));
  if (!group) return buildProgram();
  const program = rootProgram();
  await group.register(program);
  return finishProgram(program);
}
