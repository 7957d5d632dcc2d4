/**
 * yumda's top-level commands in groups, each registered by its own command modules and shipped as
 * its own bundle (dist/bin/GROUP.cjs): a command line that names a command loads only its group's
 * code, which is most of a small command's time. Data only, no imports: the launcher reads it
 * before anything else is loaded.
 */
export const commandGroups = [
  { id: 'rpm', names: ['rpm'], modules: ['rpm'] },
  { id: 'repo', names: ['repo'], modules: ['repo', 'publish'] },
  { id: 'client', names: ['install', 'update', 'upgrade', 'remove', 'erase', 'list', 'search', 'info', 'provides', 'whatprovides'], modules: ['client'] },
  { id: 'check', names: ['check'], modules: ['check'] },
  { id: 'zip', names: ['zip'], modules: ['zip'] },
  { id: 'spec', names: ['spec'], modules: ['spec'] },
  { id: 'source', names: ['source', 'outdated'], modules: ['source'] },
  { id: 'build', names: ['build', 'plan'], modules: ['build'] },
  { id: 'base', names: ['base'], modules: ['base'] },
] as const satisfies readonly { id: string; names: readonly string[]; modules: readonly string[] }[];

export type CommandGroupId = (typeof commandGroups)[number]['id'];

/** The command a command line names, if any: its top-level command word and that command's group. */
export function commandOf(argv: readonly string[]): { name: string; group: CommandGroupId } | undefined {
  const word = argv.find((a) => a !== '--debug');
  const group = commandGroups.find((g) => word !== undefined && (g.names as readonly string[]).includes(word));
  return group && word ? { name: word, group: group.id } : undefined;
}
