import type { Command } from 'commander';

export function registerRepoPublishCommand(repo: Command): void {
  void repo;
}
