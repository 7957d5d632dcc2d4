import type { Command } from 'commander';
import { ExitCode } from '../../util/errors.js';
import { note, printJson } from '../output.js';

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'prove a layer will work on Lambda before deploying it: libraries, symbol versions, scripts, paths, sizes, symlinks',
    )
    .argument('<layer>', 'the layer directory (what Lambda mounts at /opt) or its zip')
    .option('--base <profile>', 'the Lambda base to check against (al2, none, or a profile JSON file)', 'al2')
    .option('--strict', 'fail on warnings too')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  yumda check layer                 check ./layer against the Amazon Linux 2 runtime
  yumda check layer.zip --strict    also fail on warnings (shadowed libraries, hardcoded paths, ...)
  yumda check layer --json | jq '.findings[] | select(.severity == "error")'

Exit codes: 0 the layer passes, 5 errors were found (or warnings, with --strict).`,
    )
    .action(async (layer: string, opts: { base: string; strict?: boolean; json?: boolean }) => {
      const [{ formatReport }, { checkManagedLayer }] = await Promise.all([
        import('../../layer/check.js'),
        import('../../install/layer-check.js'),
      ]);
      const report = await checkManagedLayer(layer, { profile: opts.base, strict: opts.strict ?? false }, (m) =>
        note(m),
      );
      if (opts.json) printJson(report);
      else process.stdout.write(formatReport(report) + '\n');
      if (!report.ok) process.exitCode = ExitCode.checkFailed;
    });
}
