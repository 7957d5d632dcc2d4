/**
 * Whether a target's rpm can read a built RPM: its payload compressor (AL2's rpm 4.11 has no zstd)
 * and the rpmlib() features it requires, both from the target's data (repo-metadata/targets/).
 * Used where RPMs are made or published (build output, repo index); install has the same rule
 * through the base profile.
 */
import { basename } from 'node:path';
import { payloadProblem, targetRpm, type Target } from '../config/target.js';
import { depToString } from '../resolve/package.js';
import { YumdaError } from '../util/errors.js';
import { depMatches } from './version.js';
import { readRpmInfo } from './package.js';
import type { RpmPackageInfo } from './types.js';

/** Why `info` (read from `label`) cannot be read by the target's rpm, or null. */
export function rpmTargetProblem(info: RpmPackageInfo, target: Target, label: string): YumdaError | null {
  const payload = payloadProblem(target, info.payloadCompressor, label);
  if (payload) return payload;
  const features = targetRpm(target).features;
  for (const req of info.requires) {
    if (!req.rpmlib || features.some((f) => depMatches(f, req))) continue;
    return new YumdaError(
      'RPMLIB_UNSUPPORTED',
      `${label} needs ${depToString(req)}, which rpm ${target.rpm.version} on ${target.id} (${target.name}) does not support`,
    );
  }
  return null;
}

/**
 * Reads each RPM's header and refuses the set when one cannot be read on the target, naming the
 * first and counting the rest.
 */
export async function refuseRpmsForTarget(paths: string[], target: Target): Promise<void> {
  const problems: YumdaError[] = [];
  for (const path of paths) {
    const info = await readRpmInfo(path, { label: basename(path) });
    const problem = rpmTargetProblem(info, target, basename(path));
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) return;
  const first = problems[0]!;
  if (problems.length === 1) throw first;
  throw new YumdaError(
    first.code,
    `${first.message} (and ${problems.length - 1} more package(s) ${target.id} cannot read)`,
    {
      ...(first.hint ? { hint: first.hint } : {}),
    },
  );
}
