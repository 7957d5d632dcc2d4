import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { note, printJson } from '../output.js';

export function registerZipCommand(program: Command): void {
  program
    .command('zip')
    .description('zip a layer directory for Lambda: symlinks kept as symlinks, unix modes, sorted entries')
    .argument('<dir>', 'the layer directory (what Lambda mounts at /opt)')
    .option('-o, --output <file>', 'the zip to write, - for stdout (default: DIR.zip next to DIR)')
    .option('--reproducible', 'fixed timestamps: the same directory gives the same bytes')
    .option('--json', 'print the result (sizes, counts, warnings) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  yumda zip layer -o layer.zip
  yumda zip layer -o layer.zip --reproducible && sha256sum layer.zip
  yumda zip layer -o - > layer.zip            # the zip on stdout, the summary on stderr
  aws lambda publish-layer-version --layer-name git --zip-file fileb://layer.zip`,
    )
    .action(async (dir: string, opts: { output?: string; reproducible?: boolean; json?: boolean }) => {
      // a layer yumda manages is held while it is zipped (no install changes it half way), after any
      // interrupted change in it was finished or undone
      const { holdLayerForReading } = await import('../../install/transaction.js');
      const held = await holdLayerForReading(resolve(dir), { command: 'zip', onNote: (m) => note(m) });
      const toStdout = opts.output === '-';
      // to stdout: zip into a private file first (the zip's central directory is written last), then stream it
      const staging = toStdout ? await mkdtemp(join(tmpdir(), 'yumda-zip-')) : undefined;
      try {
        const output = staging
          ? join(staging, 'layer.zip')
          : (opts.output ?? join(dirname(resolve(dir)), `${basename(resolve(dir))}.zip`));
        const [{ formatBytes }, { zipLayer }] = await Promise.all([
          import('../../layer/report.js'),
          import('../../layer/zip.js'),
        ]);
        const result = await zipLayer(dir, output, { reproducible: opts.reproducible ?? false });
        if (toStdout) await pipeline(createReadStream(output), process.stdout, { end: false });
        const report = toStdout ? note : (text: string) => process.stdout.write(text + '\n');
        if (opts.json) {
          if (toStdout) note(JSON.stringify({ ...result, output: '-' }, null, 2));
          else printJson(result);
        } else {
          report(
            `wrote ${toStdout ? 'stdout' : result.output}: ${result.files} files, ${result.symlinks} symlinks, ${result.directories} directories\n` +
              `  unzipped ${formatBytes(result.unzippedBytes)} of ${formatBytes(result.limits.unzippedBytes)} (function + all layers)\n` +
              `  zipped   ${formatBytes(result.zippedBytes)} of ${formatBytes(result.limits.zippedBytes)} (direct upload)`,
          );
        }
        for (const w of result.warnings) note(`yumda: warning: ${w}`);
      } finally {
        held?.close();
        if (staging) await rm(staging, { recursive: true, force: true });
      }
    });
}
