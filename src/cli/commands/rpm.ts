import type { Command } from 'commander';
import type { RpmPackageInfo } from '../../rpm/types.js';
import { formatEvr } from '../../rpm/version.js';
import { note, printJson } from '../output.js';
import { refuseSpecialFileSystem } from '../../util/special-fs.js';

function formatDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** A readable summary in the spirit of `rpm -qpi`. */
export function formatRpmInfo(info: RpmPackageInfo): string {
  const rows: [string, string][] = [
    ['Name', info.name],
    ['Epoch', info.epoch === null ? '(none)' : String(info.epoch)],
    ['Version', info.version],
    ['Release', info.release],
    ['Architecture', info.isSource ? `${info.arch} (source package)` : info.arch],
    ['Group', info.group],
    ['Size', String(info.size)],
    ['License', info.license],
    ['Source RPM', info.sourcerpm || '(none)'],
    ['Build Date', formatDate(info.buildtime)],
    ['Build Host', info.buildhost],
    ['Relocations', info.prefixes.length > 0 ? info.prefixes.join(' ') : '(not relocatable)'],
    ['Packager', info.packager || '(none)'],
    ['Vendor', info.vendor || '(none)'],
    ['URL', info.url || '(none)'],
    [
      'Payload',
      `${info.payloadFormat}, ${info.payloadCompressor}${info.payloadFlags ? ` level ${info.payloadFlags}` : ''}`,
    ],
    ['Files', String(info.files.length)],
    ['Requires', String(info.requires.filter((r) => !r.rpmlib).length)],
    ['Provides', String(info.provides.length)],
    ['Summary', info.summary],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)} : ${v}`);
  lines.push('Description :', info.description);
  return lines.join('\n');
}

export function registerRpmCommands(program: Command): void {
  const rpm = program.command('rpm').description('read and unpack RPM files (no rpm or yum needed)');
  rpm.addHelpText(
    'after',
    '\nExamples:\n  yumda rpm info git-2.x.lambda2.x86_64.rpm\n  yumda rpm extract git.rpm layer --strip-prefix /opt',
  );

  rpm
    .command('info')
    .description('show the header of one or more RPM files (never reads the payload)')
    .argument('<file...>', 'RPM files')
    .option('--json', 'print the headers as JSON (one object per file, an array for several files)')
    .addHelpText(
      'after',
      '\nExamples:\n  yumda rpm info hello-1.0-1.noarch.rpm\n  yumda rpm info *.rpm --json | jq ".[].requires"',
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      // loaded on use: CLI start-up should not pay for every command's dependencies
      const { readRpmInfo } = await import('../../rpm/package.js');
      const infos: RpmPackageInfo[] = [];
      for (const file of files) infos.push(await readRpmInfo(file));
      if (opts.json) {
        printJson(files.length === 1 ? infos[0] : infos);
        return;
      }
      process.stdout.write(infos.map(formatRpmInfo).join('\n\n') + '\n');
    });

  rpm
    .command('extract')
    .description(
      'unpack the payload of an RPM into a directory (modes, symlinks, hardlinks, mtimes); refuses anything that would land outside it',
    )
    .argument('<file>', 'RPM file')
    .argument('<dir>', 'destination directory (created if missing)')
    .option('--strip-prefix <path>', 'drop this leading directory from every path, e.g. /opt')
    .option('--skip-outside-prefix', 'skip files outside --strip-prefix instead of failing')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  yumda rpm extract hello-1.0-1.noarch.rpm out/\n  yumda rpm extract hello-1.0-1.noarch.rpm layer/ --strip-prefix /opt',
    )
    .action(
      async (
        file: string,
        dir: string,
        opts: { stripPrefix?: string; skipOutsidePrefix?: boolean; json?: boolean },
      ) => {
        refuseSpecialFileSystem(dir, 'the destination');
        const { extractPackage } = await import('../../rpm/extract.js');
        const entries: { path: string; type: string; mode: string; sha256: string | null; linkto: string | null }[] =
          [];
        const result = await extractPackage(file, dir, {
          ...(opts.stripPrefix ? { stripPrefix: opts.stripPrefix } : {}),
          outsidePrefix: opts.skipOutsidePrefix ? 'skip' : 'error',
          ...(opts.json
            ? {
                onFile: (e) =>
                  entries.push({
                    path: e.path,
                    type: e.type,
                    mode: (e.mode & 0o7777).toString(8).padStart(4, '0'),
                    sha256: e.sha256,
                    linkto: e.linkto,
                  }),
              }
            : {}),
        });
        const nevra = `${result.info.name}-${formatEvr({ epoch: result.info.epoch, version: result.info.version, release: result.info.release })}.${result.info.arch}`;
        if (opts.json)
          printJson({
            package: nevra,
            dir,
            written: result.written,
            bytes: result.bytes,
            skipped: result.skipped,
            entries,
          });
        else
          note(
            `extracted ${nevra}: ${result.written} entries, ${result.bytes} bytes${result.skipped ? `, ${result.skipped} skipped` : ''} into ${dir}`,
          );
      },
    );
}
