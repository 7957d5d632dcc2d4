/**
 * podman for tests. This machine's quirks (crun refuses hybrid cgroups; no CAP_SYS_RESOURCE for
 * podman's default ulimits) are answered by a containers.conf given through CONTAINERS_CONF, never
 * by changing the machine's files or yumda's command lines.
 *
 * Images cannot be pulled (no registry): `debianImage()` makes one with debootstrap from Debian's
 * archive, once per content key (suite + package list) for all test files of a run: the root is
 * cached as a tarball in the system temp dir and imported with `podman import`, under a lock.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const podmanConf = join(tmpdir(), 'yumda-test-containers.conf');
const imageCache = join(tmpdir(), 'yumda-test-images');

/** Sets CONTAINERS_CONF for this process (and the children it starts); returns whether podman runs. */
export async function usePodman(): Promise<boolean> {
  if (!existsSync(podmanConf)) {
    const tmp = `${podmanConf}.${process.pid}`;
    await writeFile(tmp, '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n');
    await rename(tmp, podmanConf);
  }
  process.env.CONTAINERS_CONF = podmanConf;
  const r = await execa('podman', ['version', '--format', '{{.Client.Version}}'], { reject: false });
  return r.exitCode === 0;
}

/** Why container tests cannot run here, or false when they can (for `t.test(..., { skip })`). */
export async function podmanSkip(): Promise<string | false> {
  if (!(await usePodman())) return 'podman is not installed (scripts/setup-debian.sh installs it)';
  return false;
}

async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      await mkdir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (i > 9000) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await execa('podman', ['image', 'exists', ref], { reject: false })).exitCode === 0;
}

/** Imports a directory as an image (`tar -C DIR -c . | podman import - REF`). */
export async function importDir(dir: string, ref: string): Promise<void> {
  await execa('sh', ['-c', 'tar -C "$1" -c . | podman import - "$2" >/dev/null', 'sh', dir, ref]);
}

/**
 * A Debian bookworm minbase image with extra packages, named yumda-test-debian:KEY. Built with
 * debootstrap on first use (about a minute, more on a busy machine), then reused by every test.
 */
export async function debianImage(include: string[] = []): Promise<string> {
  await usePodman();
  const packages = [...new Set(include)].sort();
  const key = createHash('sha256')
    .update(JSON.stringify({ suite: 'bookworm', variant: 'minbase', packages }))
    .digest('hex')
    .slice(0, 12);
  const ref = `localhost/yumda-test-debian:${key}`;
  if (await imageExists(ref)) return ref;
  await mkdir(imageCache, { recursive: true });
  const tarball = join(imageCache, `debian-${key}.tar`);
  return withLock(join(imageCache, `debian-${key}.lock`), async () => {
    if (await imageExists(ref)) return ref;
    if (!existsSync(tarball)) {
      const root = join(imageCache, `debian-${key}.root`);
      await rm(root, { recursive: true, force: true });
      const args = [
        '--variant=minbase',
        ...(packages.length ? [`--include=${packages.join(',')}`] : []),
        'bookworm',
        root,
      ];
      const r = await execa('debootstrap', args, { reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`debootstrap failed:\n${String(r.all).slice(-3000)}`);
      // apt lists and caches are not needed in a test image
      await execa('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*', 'sh', root]);
      await execa('tar', ['-C', root, '-cf', `${tarball}.tmp`, '.']);
      await rename(`${tarball}.tmp`, tarball);
      await rm(root, { recursive: true, force: true });
    }
    await execa('sh', ['-c', 'podman import - "$1" < "$2" >/dev/null', 'sh', ref, tarball]);
    return ref;
  });
}

/** Containers whose name starts with a prefix (to prove none is left behind). */
export async function containersNamed(prefix: string): Promise<string[]> {
  const r = await execa('podman', ['ps', '--all', '--format', '{{.Names}}'], { reject: false });
  return String(r.stdout)
    .split('\n')
    .filter((n) => n.startsWith(prefix));
}
