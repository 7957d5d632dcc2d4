import type { Command } from 'commander';

export function registerZipCommand(program: Command): void {
  void program;
}
