/**
 * Building a rewritten spec the way the local builder does: rpmbuild with the lambda2 target's
 * macros and the AL2 stand-ins, in a fresh topdir. Shared by the spec tests.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';

export const macroFiles = [
  projectPath('repo-metadata/macros/lambda2.macros'),
  projectPath('repo-metadata/macros/al2-standins.macros'),
];
/** rpmspec/rpmbuild arguments that load the target's macros. */
export const macros = macroFiles.flatMap((f) => ['--load', f]);

/** Builds a spec with rpmbuild in a fresh topdir (kept until teardown); returns the topdir and rpmbuild's result. */
export async function buildWithTargetMacros(
  t: { teardown: (fn: () => Promise<void>) => void },
  name: string,
  text: string,
  sources: Record<string, string> = {},
): Promise<{ top: string; ok: boolean; log: string }> {
  const top = await mkdtemp(join(tmpdir(), `yumda-al2-${name}-`));
  t.teardown(() => rm(top, { recursive: true, force: true }));
  await mkdir(join(top, 'SOURCES'), { recursive: true });
  for (const [file, body] of Object.entries(sources)) await writeFile(join(top, 'SOURCES', file), body);
  const spec = join(top, `${name}.spec`);
  await writeFile(spec, text);
  // AL2 builds with bash (%_buildshell); Debian's /bin/sh is dash
  const r = await execa(
    'rpmbuild',
    [
      '--define',
      `_topdir ${top}`,
      ...macros,
      '--define',
      '_buildshell /bin/bash',
      '--define',
      '__brp_strip %{nil}',
      '-bb',
      '--nodeps',
      '--noclean',
      spec,
    ],
    { reject: false, all: true, env: { LC_ALL: 'C' } },
  );
  return { top, ok: r.exitCode === 0, log: r.all ?? '' };
}
