/**
 * The target's spec macros (repo-metadata/macros/lambda2.macros), read here, at the edge, and
 * passed down to the spec evaluator: the library never reads the project's files on its own.
 * (`build` adds the AL2 stand-ins in front, as the local builder's rpmbuild does.)
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
