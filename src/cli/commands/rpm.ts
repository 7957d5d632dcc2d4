import type { Command } from 'commander';

export function registerRpmCommands(program: Command): void {
  void program;
}
