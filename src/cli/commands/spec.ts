import type { Command } from 'commander';

export function registerSpecCommands(program: Command): void {
  void program;
}
