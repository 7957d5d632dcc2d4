import { ExitCode, YumdaError } from '../../util/errors.js';
import { DockerBuilder } from './docker.js';
import { LocalBuilder } from './local.js';
import type { Target } from '../../config/target.js';
import type { Builder } from './types.js';

export type { Builder, BuilderKind, BuildJob } from './types.js';
export { DockerBuilder, LocalBuilder };

export interface BuilderOptions {
  /** docker: the build image tag. */
  image?: string;
  /** docker: the container engine (docker, podman, auto). */
  engine?: string;
  /** docker: the target (picks the build image recipe and platform). */
  target?: Target;
  /** local: macro files loaded by rpmbuild (default: AL2 stand-ins + lambda2 layout). */
  macroFiles?: string[];
}

export function createBuilder(kind: string, options: BuilderOptions = {}): Builder {
  switch (kind) {
    case 'docker':
      return new DockerBuilder({
        ...(options.image ? { image: options.image } : {}),
        ...(options.engine ? { engine: options.engine } : {}),
        ...(options.target ? { target: options.target } : {}),
      });
    case 'local':
      return new LocalBuilder(options.macroFiles ? { macroFiles: options.macroFiles } : {});
    default:
      throw new YumdaError('BAD_BUILDER', `unknown builder "${kind}"`, {
        exitCode: ExitCode.usage,
        hint: 'use --builder docker or --builder local',
      });
  }
}
