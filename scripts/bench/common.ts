/** Small helpers every benchmark script uses. */
import { spawn } from 'node:child_process';

/** The middle value (upper middle for an even count). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** `--name VALUE` from the command line, else `fallback`. */
export function option(name: string, fallback: string, args: readonly string[] = process.argv.slice(2)): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

/** A seeded linear congruential generator: the same inputs on every run. */
export function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * Host variables unset for the timed commands (--keep-env keeps them). Node reads
 * NODE_EXTRA_CA_CERTS, a CA bundle, at every start before any JavaScript runs: 29 ms on the
 * machine of the README's figures, more than a warm `yumda install --dry-run` spends on its own
 * work. The other tools ignore it, so with it the ratios would measure the host's configuration.
 */
const HOST_ENV = ['NODE_EXTRA_CA_CERTS'];
const keepHostEnv = process.argv.includes('--keep-env');

/** A line for the report when a host variable was unset: which, and what it costs one `node -e 0`. */
export async function hostEnvNote(runs = 9): Promise<string | null> {
  const set = HOST_ENV.filter((name) => process.env[name]);
  if (set.length === 0) return null;
  if (keepHostEnv) return `${set.join(', ')} kept (--keep-env)`;
  const startup = async (hostEnv: boolean): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++)
      times.push((await timedRun(process.execPath, ['-e', '0'], {}, { hostEnv })).seconds * 1000);
    return median(times);
  };
  const [with_, without] = [await startup(true), await startup(false)];
  return `${set.join(', ')} unset for the timed runs (--keep-env keeps it): node -e 0 takes ${with_.toFixed(0)} ms with it, ${without.toFixed(0)} ms without`;
}

export interface TimedRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Runs a command with plain child_process and times it, from spawn to exit. execa's bookkeeping
 * would be timed with it, adding the same milliseconds to every tool compared and pulling ratios
 * toward 1. `hostEnv`: keep the HOST_ENV variables (default: only with --keep-env).
 */
export function timedRun(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
  options: { hostEnv?: boolean } = {},
): Promise<TimedRun> {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!(options.hostEnv ?? keepHostEnv)) for (const name of HOST_ENV) delete merged[name];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (exitCode) =>
      resolve({
        exitCode,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
      }),
    );
  });
}
