import type { Command } from 'commander';

export function registerClientCommands(program: Command): void {
  void program;
}
