import type { Command } from 'commander';

export function registerRepoIndexCommand(repo: Command): void {
  void repo;
}
