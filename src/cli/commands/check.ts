import type { Command } from 'commander';
import { ExitCode } from '../../util/errors.js';
import { note, printJson } from '../output.js';

interface CheckCliOptions {
  target?: string;
  arch?: string;
  base?: string;
  strict?: boolean;
  json?: boolean;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'prove a layer will work on Lambda before deploying it: libraries, symbol versions, scripts, paths, sizes, symlinks, architecture',
    )
    .argument('<layer>', 'the layer directory (what Lambda mounts at /opt) or its zip')
    .option(
      '--target <target>',
      "the Lambda runtime: al2, al2023, or DIST/ARCH such as al2023/aarch64 (default: the layer's recorded target, else $YUMDA_TARGET, else al2)",
    )
    .option('--arch <arch>', "x86_64 or aarch64 (default: the target's)")
    .option(
      '--base <profile>',
      "the Lambda base to check against: none, a profile id or JSON file (default: the target's profile)",
    )
    .option('--strict', 'fail on warnings too')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  yumda check layer                 check ./layer against its target's runtime (Amazon Linux 2 by default)
  yumda check layer.zip --strict    also fail on warnings (shadowed libraries, hardcoded paths, ...)
  yumda check layer --target al2023/aarch64 --base none
  yumda check layer --json | jq '.findings[] | select(.severity == "error")'

The target (--target, else the one the layer's .yumda/installed.json records, else $YUMDA_TARGET,
else al2/x86_64) gives the base profile (--base overrides it) and the machine every executable and
shared object must be built for.

Exit codes: 0 the layer passes, 5 errors were found (or warnings, with --strict).`,
    )
    .action(async (layer: string, opts: CheckCliOptions) => {
      const [{ formatReport }, { checkManagedLayer }, { chooseLayerTarget, targetBaseProfile }, { readManifest }] =
        await Promise.all([
          import('../../layer/check.js'),
          import('../../install/layer-check.js'),
          import('../../config/target.js'),
          import('../../install/manifest.js'),
        ]);
      // what the layer was installed for: its manifest (a directory yumda manages, or a zip of one)
      const forLayer = async (dir: string) => {
        const manifest = await readManifest(dir).catch(() => null);
        const recorded = manifest?.target;
        const target = chooseLayerTarget(
          { target: opts.target, arch: opts.arch },
          manifest ? { dir: layer, arch: manifest.arch, ...(recorded ? { target: recorded } : {}) } : null,
          process.env,
          { allowOther: true },
        );
        if (recorded && target.key !== recorded)
          note(`yumda: note: ${layer} was installed for ${recorded}; checking it against ${target.key}`);
        return { target, profile: targetBaseProfile(target, opts.base, opts.target !== undefined) };
      };
      const report = await checkManagedLayer(layer, { forLayer, strict: opts.strict ?? false }, (m) => note(m));
      if (opts.json) printJson(report);
      else process.stdout.write(formatReport(report) + '\n');
      if (!report.ok) process.exitCode = ExitCode.checkFailed;
    });
}
