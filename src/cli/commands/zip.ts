import type { Command } from 'commander';
import { basename, dirname, join, resolve } from 'node:path';
import { note, printJson } from '../output.js';

export function registerZipCommand(program: Command): void {
  program
    .command('zip')
    .description('zip a layer directory for Lambda: symlinks kept as symlinks, unix modes, sorted entries')
    .argument('<dir>', 'the layer directory (what Lambda mounts at /opt)')
    .option('-o, --output <file>', 'the zip to write (default: DIR.zip next to DIR)')
    .option('--reproducible', 'fixed timestamps: the same directory gives the same bytes')
    .option('--json', 'print the result (sizes, counts, warnings) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  yumda zip layer -o layer.zip
  yumda zip layer -o layer.zip --reproducible && sha256sum layer.zip
  aws lambda publish-layer-version --layer-name git --zip-file fileb://layer.zip`,
    )
    .action(async (dir: string, opts: { output?: string; reproducible?: boolean; json?: boolean }) => {
      const output = opts.output ?? join(dirname(resolve(dir)), `${basename(resolve(dir))}.zip`);
      const [{ formatBytes }, { zipLayer }] = await Promise.all([import('../../layer/report.js'), import('../../layer/zip.js')]);
      const result = await zipLayer(dir, output, { reproducible: opts.reproducible ?? false });
      if (opts.json) {
        printJson(result);
      } else {
        process.stdout.write(
          `wrote ${result.output}: ${result.files} files, ${result.symlinks} symlinks, ${result.directories} directories\n` +
            `  unzipped ${formatBytes(result.unzippedBytes)} of ${formatBytes(result.limits.unzippedBytes)} (function + all layers)\n` +
            `  zipped   ${formatBytes(result.zippedBytes)} of ${formatBytes(result.limits.zippedBytes)} (direct upload)\n`,
        );
      }
      for (const w of result.warnings) note(`yumda: warning: ${w}`);
    });
}
