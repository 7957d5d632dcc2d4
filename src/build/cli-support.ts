/** Option handling shared by `yumda build` and `yumda plan` (kept out of the CLI shell so tests can call it). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildSpecTarget, lambda2MacroFile } from '../config/macros.js';
import { loadProfile, type BaseProfile } from '../config/profile.js';
import type { TargetOptions } from '../spec/evaluate.js';
import { resolveTarget, type Target } from '../config/target.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { defaultSpecsDir } from '../util/paths.js';
import { createBuilder, type Builder } from './builders/index.js';
import { LocalBuilder } from './builders/local.js';
import type { PackageSetPaths } from './prepare.js';
import type { BuildPlanResult, PackageResult } from './run.js';

export interface SetOptions {
  specs?: string;
  patches?: string;
  builder?: string;
  image?: string;
  /** docker builder: docker, podman, auto. */
  engine?: string;
  /** --target / --arch (repo-metadata/targets/). */
  target?: string;
  arch?: string;
}

export function resolveSetup(options: SetOptions): {
  builder: Builder;
  paths: PackageSetPaths;
  target?: Target;
  base: BaseProfile;
  specTarget: TargetOptions;
} {
  const target = options.target || options.arch ? resolveTarget(options.target, options.arch) : undefined;
  const builder = createBuilder(options.builder ?? 'docker', {
    ...(options.image ? { image: options.image } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(target ? { target } : {}),
  });
  const specsDir = resolve(options.specs ?? defaultSpecsDir());
  if (!existsSync(specsDir))
    throw new YumdaError('SPECS_DIR_MISSING', `no such directory: ${specsDir}`, {
      exitCode: ExitCode.usage,
      hint: 'point --specs at the package set (one NAME.yaml per package)',
    });
  const patchesDir = resolve(options.patches ?? join(dirname(specsDir), 'patches'));
  const macroFiles = builder instanceof LocalBuilder ? builder.macroFiles : [lambda2MacroFile()];
  // what the rewrite knows Lambda provides: AL2's profile, the one captured so far (see README, targets)
  const base = loadProfile('al2');
  return {
    builder,
    paths: { specsDir, patchesDir, macroFiles },
    ...(target ? { target } : {}),
    base,
    specTarget: buildSpecTarget(),
  };
}

/** Text table: columns padded, last column free. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function summaryTable(results: PackageResult[]): string {
  const rows = [['PACKAGE', 'WAVE', 'RESULT', 'TIME', 'LOG']];
  for (const r of results)
    rows.push([
      r.name,
      String(r.wave + 1),
      r.status,
      r.status === 'built' || r.status === 'failed' ? `${r.seconds.toFixed(1)}s` : '-',
      r.log,
    ]);
  return table(rows);
}

/** The JSON `strategy.matrix` of GitHub Actions takes: one entry per package, with its wave. */
export function githubMatrix(
  plan: Pick<BuildPlanResult, 'waves'>,
  wave?: number,
): { include: Array<{ package: string; wave: number }> } {
  const include: Array<{ package: string; wave: number }> = [];
  plan.waves.forEach((names, w) => {
    if (wave === undefined || wave === w) for (const name of names) include.push({ package: name, wave: w });
  });
  return { include };
}
