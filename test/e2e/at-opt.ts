import { execa } from 'execa';

/** Runs a command inside a private mount namespace with `layer` bound read-only at /opt. */
export async function runAtOpt(
  layer: string,
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const args = [
    '--dev-bind',
    '/',
    '/',
    '--ro-bind',
    layer,
    '/opt',
    '--unsetenv',
    'LD_LIBRARY_PATH',
    '--setenv',
    'LD_LIBRARY_PATH',
    '/lib64:/usr/lib64:/opt/lib',
  ];
  for (const [k, v] of Object.entries(env)) args.push('--setenv', k, v);
  const r = await execa('bwrap', [...args, ...argv], { reject: false });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Why layers cannot be run at /opt here (for tap's skip), or undefined when bwrap works. */
export async function atOptUnavailable(): Promise<string | undefined> {
  const r = await execa('bwrap', ['--dev-bind', '/', '/', '--ro-bind', '/tmp', '/opt', 'true'], {
    reject: false,
    all: true,
  });
  if (r.exitCode === 0) return undefined;
  if ((r as { code?: string }).code === 'ENOENT')
    return 'bwrap (bubblewrap) is not installed: apt-get install bubblewrap';
  return `bwrap cannot create a mount namespace here (${String(r.all).trim().split('\n')[0]}); run the tests where user namespaces are allowed`;
}
