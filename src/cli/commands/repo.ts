import type { Command } from 'commander';

export function registerRepoCommands(program: Command): void {
  void program;
}
