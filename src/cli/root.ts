/** The `yumda` command itself: global options, help text and error handling shared by every subcommand. */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { projectPath } from '../util/paths.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The root command without subcommands (add them, then call finishProgram). */
export function rootProgram(): Command {
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
  return program;
}

/** Every subcommand inherits exitOverride so errors come back to runCli. */
export function finishProgram(program: Command): Command {
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
