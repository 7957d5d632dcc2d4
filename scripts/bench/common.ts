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
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
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
 * toward 1.
 */
export function timedRun(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (exitCode) =>
      resolve({ exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), seconds: Number(process.hrtime.bigint() - start) / 1e9 }),
    );
  });
}
