import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The built CLI, the package's bin. */
export const yumdaBin = projectPath('dist/src/cli/main.js');

/** Runs the built CLI (dist/src/cli/main.js, the package bin) as a user would, in a child process. */
export async function yumda(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  const result = await execa(process.execPath, [yumdaBin, ...args], {
    cwd: options.cwd,
    env: { ...options.env, FORCE_COLOR: '0' },
    reject: false,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
