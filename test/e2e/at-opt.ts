import { execa } from 'execa';

/** Runs a command inside a private mount namespace with `layer` bound read-only at /opt. */
export async function runAtOpt(layer: string, argv: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const args = ['--dev-bind', '/', '/', '--ro-bind', layer, '/opt', '--unsetenv', 'LD_LIBRARY_PATH', '--setenv', 'LD_LIBRARY_PATH', '/lib64:/usr/lib64:/opt/lib'];
  for (const [k, v] of Object.entries(env)) args.push('--setenv', k, v);
  const r = await execa('bwrap', [...args, ...argv], { reject: false });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

