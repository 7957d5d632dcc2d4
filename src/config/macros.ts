/**
 * The spec macros the project ships (repo-metadata/macros), read here, at the edge, and passed
 * down to the spec evaluator: the library never reads the project's files on its own.
 */
import { readFileSync } from 'node:fs';
import type { TargetOptions } from '../spec/evaluate.js';
import { projectPath } from '../util/paths.js';

let text: string | undefined;

/** The lambda2 target for the spec evaluator (the file read once). */
export function lambda2Target(): TargetOptions {
  text ??= readFileSync(projectPath('repo-metadata/macros/lambda2.macros'), 'utf8');
  return { macroFiles: [text] };
}

/**
 * The macro files a build evaluates specs with and the local builder's rpmbuild loads, in order:
 * stand-ins for macros AL2's rpm defines and Debian's does not, then the target's layout.
 */
export function buildMacroFiles(): string[] {
  return [projectPath('repo-metadata/macros/al2-standins.macros'), projectPath('repo-metadata/macros/lambda2.macros')];
}

let buildTexts: string[] | undefined;

/** The spec evaluator's target for `plan` and `build`, whatever the builder: buildMacroFiles' texts. */
export function buildSpecTarget(): TargetOptions {
  buildTexts ??= buildMacroFiles().map((f) => readFileSync(f, 'utf8'));
  return { macroFiles: buildTexts };
}
