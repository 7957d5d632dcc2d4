import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ExitCode, YumdaError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { projectPath } from '../../util/paths.js';
import { note, printJson } from '../output.js';
import type { RewriteResult } from '../../spec/rewrite.js';
import { RULES } from '../../spec/rules.js';

interface RewriteFlags {
  output?: string;
  overlay?: string;
  overlays: boolean;
  report?: boolean;
  json?: boolean;
  date?: string;
  packager?: string;
  disable?: string[];
  base?: string;
}

function readSpec(file: string): string {
  if (!existsSync(file))
    throw new YumdaError('SPEC_NOT_FOUND', `no such spec file: ${file}`, { exitCode: ExitCode.usage });
  return readFileSync(file, 'utf8');
}

function formatReport(file: string, result: RewriteResult): string {
  const lines: string[] = [];
  lines.push(`${basename(file)}: ${result.name} ${result.version}-${result.release}`);
  lines.push(`  packages: ${result.packages.join(', ')}`);
  if (result.dropped.length > 0) lines.push(`  dropped:  ${result.dropped.join(', ')}`);
  lines.push('  rules (edits):');
  for (const [rule, count] of Object.entries(result.counts))
    if (count > 0) lines.push(`    ${rule.padEnd(16)} ${count}`);
  if (result.patches.length > 0) lines.push(`  patches to copy into SOURCES: ${result.patches.join(', ')}`);
  lines.push(`  lint: ${result.lint.length} absolute path(s) left for a maintainer to judge`);
  for (const f of result.lint) {
    lines.push(
      `    ${String(f.line).padStart(5)} %${f.section}: ${f.path}    ${f.text.length > 90 ? f.text.slice(0, 87) + '...' : f.text}`,
    );
    if (f.reason) lines.push(`          ${f.reason}`);
  }
  return lines.join('\n');
}

export function registerSpecCommands(program: Command): void {
  const spec = program.command('spec').description('port Amazon Linux spec files to /opt (rules + overlays)');

  spec
    .command('rewrite')
    .description(
      'rewrite a spec for Lambda: Prefix on every package, system paths to macros, scriptlets/docs/%check out, overlay applied',
    )
    .argument('<file>', 'the upstream .spec file')
    .option('-o, --output <file>', 'write the rewritten spec here (default: stdout)')
    .option('--overlay <file>', 'overlay YAML (default: specs/NAME.yaml of the project when it exists)')
    .option('--no-overlays', 'do not look for specs/NAME.yaml')
    .option('--report', 'print what each rule did and the lint findings (stderr, or stdout with -o)')
    .option('--json', 'print the result as JSON (spec text, counts, changes, lint) on stdout')
    .option('--date <YYYY-MM-DD>', 'date of the %changelog entry (default: today)')
    .option('--packager <who>', 'author of the %changelog entry')
    .option('--disable <rule...>', `rules to skip: ${Object.keys(RULES).join(', ')}`)
    .option('--base <profile>', 'base profile deciding what Lambda already provides', 'al2')
    .addHelpText(
      'after',
      `
Examples:
  yumda spec rewrite openssh.spec -o openssh.lambda2.spec --report
  yumda spec rewrite curl.spec --overlay specs/curl.yaml --json > curl.json
  yumda spec rewrite git.spec --disable check --date 2024-01-01

Rules: ${Object.keys(RULES).join(', ')}. The build macros (prefix /opt, libdir /opt/lib,
localstatedir /tmp/var, dist .lambda2) live in repo-metadata/macros/lambda2.macros.`,
    )
    .action(async (file: string, flags: RewriteFlags) => {
      const text = readSpec(file);
      const unknown = (flags.disable ?? []).filter((r) => !(r in RULES));
      if (unknown.length > 0) {
        throw new YumdaError('SPEC_UNKNOWN_RULE', `unknown rule(s): ${unknown.join(', ')}`, {
          exitCode: ExitCode.usage,
          hint: `rules: ${Object.keys(RULES).join(', ')}`,
        });
      }
      let overlayFile = flags.overlay;
      if (!overlayFile && flags.overlays) {
        const { overlayPath } = await import('../../package-set/specs.js');
        const candidate = overlayPath(projectPath('specs'), basename(file).replace(/\.spec$/, ''));
        if (existsSync(candidate)) overlayFile = candidate;
      }
      const { loadOverlay } = await import('../../spec/overlay.js');
      const overlay = overlayFile ? loadOverlay(overlayFile) : undefined;
      if (overlayFile) note(`yumda: using overlay ${overlayFile}`);
      let date: Date | undefined;
      if (flags.date) {
        date = new Date(`${flags.date}T00:00:00Z`);
        if (Number.isNaN(date.getTime()))
          throw new YumdaError('SPEC_BAD_DATE', `--date: not a date: ${flags.date}`, { exitCode: ExitCode.usage });
      }
      // specs/NAME.yaml takes its patches from patches/NAME/ next to specs/
      const patchDir = overlay && overlayFile ? join(dirname(overlayFile), '..', 'patches', overlay.name!) : undefined;
      const [{ rewriteSpec }, { loadProfile }, { lambda2Target }] = await Promise.all([
        import('../../spec/rewrite.js'),
        import('../../config/profile.js'),
        import('../../config/macros.js'),
      ]);
      const result = rewriteSpec(text, {
        ...(overlay ? { overlay } : {}),
        ...(patchDir ? { patchDir } : {}),
        ...(date ? { date } : {}),
        ...(flags.packager ? { packager: flags.packager } : {}),
        ...(flags.disable ? { disable: flags.disable } : {}),
        base: loadProfile(flags.base ?? 'al2'),
        target: lambda2Target(),
      });
      if (flags.output) await writeFileAtomic(flags.output, result.text);
      if (flags.json) {
        printJson({
          name: result.name,
          version: result.version,
          release: result.release,
          packages: result.packages,
          dropped: result.dropped,
          counts: result.counts,
          changes: result.changes,
          overlayChanges: result.overlayChanges,
          lint: result.lint,
          patches: result.patches,
          output: flags.output ?? null,
          ...(flags.output ? {} : { text: result.text }),
        });
        return;
      }
      if (!flags.output) process.stdout.write(result.text);
      if (flags.report) {
        const report = formatReport(file, result);
        if (flags.output) process.stdout.write(report + '\n');
        else note(report);
      }
    });

  spec
    .command('rules')
    .description('list the rewrite rules and what each does')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  yumda spec rules')
    .action((flags: { json?: boolean }) => {
      if (flags.json) printJson(RULES);
      else for (const [rule, doc] of Object.entries(RULES)) process.stdout.write(`${rule.padEnd(16)} ${doc}\n`);
    });
}
