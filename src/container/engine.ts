/**
 * The container engine: Docker or podman, the same command line. Chosen by --engine or
 * $YUMDA_ENGINE (docker, podman, auto); auto takes the first of docker, podman that answers.
 * Engine-specific machine configuration (podman's OCI runtime, ulimits) belongs in the engine's own
 * configuration (containers.conf, e.g. through CONTAINERS_CONF), not in yumda's command lines.
 */
import { execa } from 'execa';
import { ExitCode, YumdaError } from '../util/errors.js';

export type EngineName = 'docker' | 'podman';
const engineNames: readonly EngineName[] = ['docker', 'podman'];

export interface Engine {
  name: EngineName;
  /** The executable (docker, podman). */
  command: string;
}

async function answers(command: string): Promise<{ ok: boolean; detail: string }> {
  const r = await execa(command, ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 60_000 });
  if (!r.failed && r.exitCode === 0) return { ok: true, detail: '' };
  if (command === 'podman') {
    // podman without a service answers only the client part
    const c = await execa(command, ['version', '--format', '{{.Client.Version}}'], { reject: false, timeout: 60_000 });
    if (!c.failed && c.exitCode === 0) return { ok: true, detail: '' };
  }
  const detail =
    String(r.stderr || r.message || '')
      .split('\n')
      .find((l) => l.trim()) ?? 'not found';
  return { ok: false, detail };
}

const cache = new Map<string, Promise<Engine>>();

/** Picks the engine (see the header comment); a clear error when none runs. */
export function detectEngine(choice: string | undefined = process.env.YUMDA_ENGINE): Promise<Engine> {
  const wanted = (choice ?? 'auto').toLowerCase();
  const hit = cache.get(wanted);
  if (hit) return hit;
  const p = (async (): Promise<Engine> => {
    if (wanted !== 'auto' && !(engineNames as readonly string[]).includes(wanted)) {
      throw new YumdaError('BAD_ENGINE', `unknown container engine "${choice}"`, {
        exitCode: ExitCode.usage,
        hint: 'use --engine docker, --engine podman or --engine auto',
      });
    }
    const candidates = wanted === 'auto' ? engineNames : [wanted as EngineName];
    const failures: string[] = [];
    for (const name of candidates) {
      const r = await answers(name);
      if (r.ok) return { name, command: name };
      failures.push(`${name}: ${r.detail}`);
    }
    throw new YumdaError('ENGINE_UNAVAILABLE', `no container engine runs here (${failures.join('; ')})`, {
      hint: 'install and start Docker (https://docs.docker.com/engine/install/) or podman, choose one with --engine, or use --builder local',
    });
  })();
  cache.set(wanted, p);
  p.catch(() => cache.delete(wanted));
  return p;
}

/** Removes containers by name or id, ignoring ones that are already gone. */
export async function removeContainers(engine: Engine, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await execa(engine.command, ['rm', '--force', ...ids], { reject: false });
}

/** Removes images, ignoring ones that are already gone. */
export async function removeImages(engine: Engine, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await execa(engine.command, ['rmi', '--force', ...refs], { reject: false });
}

/** The first line of a failed command's stderr, for one-line errors. */
export function firstLine(text: unknown): string {
  return (
    String(text ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}
