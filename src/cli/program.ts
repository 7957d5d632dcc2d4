import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { projectPath } from '../util/paths.js';
import { registerRpmCommands } from './commands/rpm.js';
import { registerRepoIndexCommand } from './commands/repo.js';
import { registerRepoPublishCommand } from './commands/publish.js';
import { registerZipCommand } from './commands/zip.js';
import { registerClientCommands } from './commands/client.js';
import { registerCheckCommand } from './commands/check.js';
import { registerSpecCommands } from './commands/spec.js';
import { registerSourceCommands } from './commands/source.js';
import { registerBuildCommands } from './commands/build.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('yumda')
    .description('yum for AWS Lambda: install Amazon Linux packages rebuilt for /opt into a Lambda layer directory')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces and extra diagnostics')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`yumda: ${str.replace(/^error: /, 'error: ')}`) });
  program.addHelpText(
    'after',
    `
Examples:
  yumda install git openssh -d layer/      install git and ssh (and what they need) into ./layer
  yumda zip layer -o layer.zip             zip it as a Lambda layer, symlinks kept
  yumda check layer                        prove it will load on Lambda before deploying
  yumda rpm info some.rpm --json           read an RPM header

Exit codes: 0 ok, 1 failed, 2 usage, 3 integrity (checksum/signature), 4 unreachable, 5 check found errors`,
  );
  registerRpmCommands(program);
  const repo = program.command('repo').description('build and publish yum repositories (createrepo + S3 sync, done safely)');
  registerRepoIndexCommand(repo);
  registerRepoPublishCommand(repo);
  registerClientCommands(program);
  registerCheckCommand(program);
  registerZipCommand(program);
  registerSpecCommands(program);
  registerSourceCommands(program);
  registerBuildCommands(program);
  // every subcommand inherits exitOverride so errors come back to runCli
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.showHelpAfterError('(run with --help for usage)');
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}
