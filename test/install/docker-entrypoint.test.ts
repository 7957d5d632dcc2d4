/**
 * The client image's entrypoint, run on the host (no Docker engine here) with a temporary dest,
 * and the Dockerfile checked as text.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';
import { serveDirectory } from '../helpers/http-server.js';
import { buildSources, makeRepo } from './fixtures.js';
import { distro } from './distro.js';

const entrypoint = projectPath('docker/client/entrypoint.sh');
const repoDir = await makeRepo(
  await buildSources(distro.filter((s) => ['editor', 'writer', 'libv'].includes(s.name))),
  'docker',
);
const server = await serveDirectory(repoDir);
const work = await mkdtemp(join(tmpdir(), 'yumda-entrypoint-'));
t.teardown(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
  await rm(repoDir, { recursive: true, force: true });
});

async function image(dest: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('sh', [entrypoint, ...args], {
    reject: false,
    env: {
      YUMDA_DEST: dest,
      YUMDA_BIN: `${process.execPath} ${projectPath('dist/src/cli/main.js')}`,
      YUMDA_REPOS: server.url,
      XDG_CACHE_HOME: join(work, 'cache'),
    },
  });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

t.test('`IMAGE install …` installs into the mounted layer', async (t) => {
  const dest = join(work, 'a');
  const r = await image(dest, 'install', 'writer');
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(existsSync(join(dest, 'bin/writer')));
  t.ok(existsSync(join(dest, 'bin/editor')));
  const list = await image(dest, 'list', '--installed', '--json');
  t.same(
    JSON.parse(list.stdout).map((p: { name: string }) => p.name),
    ['editor', 'writer'],
  );
  const zipped = await execa('sh', ['-c', `sh "$0" zip > "$1"`, entrypoint, join(work, 'a.zip')], {
    reject: false,
    env: { YUMDA_DEST: dest, YUMDA_BIN: `${process.execPath} ${projectPath('dist/src/cli/main.js')}` },
  });
  t.equal(zipped.exitCode, 0, String(zipped.stderr));
  const entries = (await execa('unzip', ['-Z1', join(work, 'a.zip')])).stdout.split('\n');
  t.ok(entries.includes('bin/writer'), '`IMAGE zip > layer.zip`: the layer zip comes out on stdout');
  const removed = await image(dest, 'remove', '-y', 'writer');
  t.equal(removed.exitCode, 0, removed.stderr);
  t.notOk(existsSync(join(dest, 'bin/writer')));
});

t.test("the original yumda's `IMAGE yum install -y …` works too", async (t) => {
  const dest = join(work, 'b');
  const r = await image(dest, 'yum', 'install', '-y', 'libv-1.0', 'editor');
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(readFileSync(join(dest, 'share/libv/v'), 'utf8'), '1\n');
  t.ok(existsSync(join(dest, 'bin/editor')));
  const help = await image(dest);
  t.match(help.stdout, /Usage: yumda/);
});

t.test('Dockerfile: Node 24, the base a build argument, the built CLI, the entrypoint, /lambda/opt', async (t) => {
  const text = readFileSync(projectPath('docker/client/Dockerfile'), 'utf8');
  t.match(text, /^FROM node:24-[a-z-]*slim AS build$/m);
  t.match(text, /^ARG BASE=node:24-[a-z-]*slim$/m, 'a small runtime base, by default');
  t.match(text, /^FROM \$\{BASE\}$/m, 'the base is a build argument');
  t.match(text, /npm prune --omit=dev/);
  t.match(text, /RUN npm run build && npm prune --omit=dev/, 'tsc');
  t.match(text, /COPY --from=built \/src\/dist\/src \.\/dist\/src/, 'the compiled CLI');
  t.match(text, /COPY repo-metadata \.\/repo-metadata/, 'base profiles and the default repo definition');
  t.match(text, /ENV YUMDA_DEST=\/lambda\/opt/);
  t.match(text, /^ENTRYPOINT \["\/usr\/local\/bin\/yumda-entrypoint"\]$/m);
  // every COPY source exists in the repository
  for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
    for (const src of m[1]!.split(' ')) t.ok(existsSync(projectPath(src)), `COPY ${src} exists`);
});
