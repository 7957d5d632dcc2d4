/**
 * The spec macros the project ships (repo-metadata/macros), read here, at the edge, and passed
 * down to the spec evaluator: the library never reads the project's files on its own.
 */
import { readFileSync } from 'node:fs';
import type { TargetOptions } from '../spec/evaluate.js';
import { projectPath } from '../util/paths.js';

/** The target's layout: prefix, libdir, dist tag (what every yumda build defines). */
export const lambda2MacroFile = (): string => projectPath('repo-metadata/macros/lambda2.macros');

let text: string | undefined;

/** The lambda2 target for the spec evaluator (the file read once). */
export function lambda2Target(): TargetOptions {
  text ??= readFileSync(lambda2MacroFile(), 'utf8');
  return { macroFiles: [text] };
}

/**
 * The macro files a build evaluates specs with and the local builder's rpmbuild loads, in order:
 * stand-ins for macros AL2's rpm defines and Debian's does not, then the target's layout.
 */
export function buildMacroFiles(): string[] {
  return [projectPath('repo-metadata/macros/al2-standins.macros'), lambda2MacroFile()];
}

let buildTexts: string[] | undefined;

/** The spec evaluator's target for `plan` and `build`, whatever the builder: buildMacroFiles' texts. */
export function buildSpecTarget(): TargetOptions {
  buildTexts ??= buildMacroFiles().map((f) => readFileSync(f, 'utf8'));
  return { macroFiles: buildTexts };
}
