import type { Command } from 'commander';

export function registerSourceCommands(program: Command): void {
  void program;
}
