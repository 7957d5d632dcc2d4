/**
 * The container builder: every package builds in fresh containers of the target's build image
 * (docker/build/TARGET/Dockerfile), with Docker or podman (src/container/engine.ts).
 *
 * Per package, two containers of the build image, talking to it only through its entry point
 * (docker/build/yumda-build, the contract):
 *   1. `yumda-build deps`: installs the RPMs of earlier waves and the remaining BuildRequires
 *      (network allowed: the distribution's repositories), then is committed to a temporary image;
 *   2. `yumda-build build` from that image with `--network none`: rpmbuild as the unprivileged
 *      `builder` user, results copied to the package's result directory.
 * Both stream their output into OUT/logs/NAME.log. A non-zero exit, or a container killed from
 * outside, is that package's failure. Containers and the temporary image are removed whatever
 * happens (a cancelled run included).
 *
 * The command lines are pure functions of their inputs (unit-tested as text); execa runs them.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { resolveTarget, ociPlatform, type Target } from '../../config/target.js';
import { detectEngine, removeContainers, removeImages, type Engine } from '../../container/engine.js';
import { YumdaError } from '../../util/errors.js';
import { hashBytes } from '../../util/hash.js';
import { projectPath } from '../../util/paths.js';
import type { Builder, BuildJob } from './types.js';

/** Paths inside the container (the entry-point contract). */
const inContainer = {
  specs: '/input/SPECS',
  sources: '/input/SOURCES',
  deps: '/deps',
  output: '/output',
  entry: '/usr/local/bin/yumda-build',
} as const;

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ImageRecipe {
  /** The directory with the Dockerfile and install-builddeps (docker/build/al2, …/standin). */
  dir: string;
  /** Build arguments (BASE=…, MACROS=…). */
  buildArgs: Record<string, string>;
}

/** The recipe of a target's build image. */
export function targetImageRecipe(target: Target, root = projectPath()): ImageRecipe {
  return { dir: join(root, dirname(target.buildImage.dockerfile)), buildArgs: {} };
}

/**
 * Files of the staged build context, context path → source path: the image directory, the shared
 * entry point, and every macros file (the single place that defines the /opt layout).
 */
export async function contextFiles(recipe: ImageRecipe, root = projectPath()): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of (await readdir(recipe.dir)).sort()) files.set(name, join(recipe.dir, name));
  files.set('yumda-build', join(root, 'docker/build/yumda-build'));
  const macros = join(root, 'repo-metadata/macros');
  for (const name of (await readdir(macros)).sort()) files.set(`macros/${name}`, join(macros, name));
  return files;
}

/** `ENGINE build` of the image from a staged context directory. */
export function imageBuildArgv(
  engine: Engine,
  options: { image: string; context: string; buildArgs: Record<string, string>; platform?: string },
): string[] {
  const argv = [engine.command, 'build', '--tag', options.image, '--file', join(options.context, 'Dockerfile')];
  if (options.platform) argv.push('--platform', options.platform);
  for (const [k, v] of Object.entries(options.buildArgs)) argv.push('--build-arg', `${k}=${v}`);
  argv.push(options.context);
  return argv;
}

export interface RunOptions {
  engine: Engine;
  image: string;
  /** Container name (unique per package and run). */
  name: string;
  job: Pick<BuildJob, 'name' | 'specFile' | 'sourcesDir' | 'resultDir' | 'dependencyRpms'>;
  uid: number;
  gid: number;
}

/** Step 1: BuildRequires, network allowed, NOT --rm (it is committed, then removed). */
export function depsRunArgv(options: Omit<RunOptions, 'uid' | 'gid'>): string[] {
  const { job } = options;
  const argv = [
    options.engine.command,
    'run',
    '--name',
    options.name,
    '--volume',
    `${dirname(job.specFile)}:${inContainer.specs}:ro`,
  ];
  for (const rpm of job.dependencyRpms) argv.push('--volume', `${rpm}:${inContainer.deps}/${basename(rpm)}:ro`);
  argv.push(options.image, inContainer.entry, 'deps');
  return argv;
}

export function commitArgv(engine: Engine, container: string, image: string): string[] {
  return [engine.command, 'commit', container, image];
}

/** Step 2: rpmbuild, a fresh container (--rm), no network, inputs read-only, only the result dir writable. */
export function buildRunArgv(options: RunOptions): string[] {
  const { job } = options;
  return [
    options.engine.command,
    'run',
    '--rm',
    '--name',
    options.name,
    '--network',
    'none',
    '--env',
    `HOST_UID=${options.uid}`,
    '--env',
    `HOST_GID=${options.gid}`,
    '--volume',
    `${dirname(job.specFile)}:${inContainer.specs}:ro`,
    '--volume',
    `${job.sourcesDir}:${inContainer.sources}:ro`,
    '--volume',
    `${job.resultDir}:${inContainer.output}`,
    options.image,
    inContainer.entry,
    'build',
  ];
}

/** Container and temporary image names for one package of one run: unique, engine-safe. */
export function containerNames(jobName: string, runId: string): { deps: string; build: string; image: string } {
  const safe = jobName
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '_')
    .slice(0, 60);
  return {
    deps: `yumda-build-${safe}-${runId}-deps`,
    build: `yumda-build-${safe}-${runId}`,
    image: `localhost/yumda-build-tmp-${safe}:${runId}`,
  };
}

/** How a failed container exit reads in the package's error. */
export function describeExit(step: string, exitCode: number | undefined, signal: string | undefined): string {
  if (signal) return `${step} was stopped by ${signal}`;
  if (exitCode === 137) return `${step} container was killed (exit 137)`;
  if (exitCode === 143) return `${step} container was terminated (exit 143)`;
  return `${step} exited with ${exitCode ?? 'no status'}`;
}

export interface DockerBuilderOptions {
  /** The image tag (default: the target's, e.g. yumda-build:al2). */
  image?: string;
  /** docker, podman or auto (default: $YUMDA_ENGINE, else auto). */
  engine?: string;
  /** The target (default al2/x86_64): picks the Dockerfile and the platform. */
  target?: Target;
  /** Another image recipe (the Debian stand-in in tests). */
  recipe?: ImageRecipe;
  root?: string;
  /** false: use the image as it is (never build it). */
  buildImage?: boolean;
}

/**
 * Containers and temporary images of builds in progress, removed if yumda itself is interrupted
 * (SIGINT, SIGTERM) before a build's own clean-up runs; then the signal takes its normal course.
 */
const inProgress = new Map<string, { engine: Engine; containers: string[]; images: string[] }>();
let signalHandlersInstalled = false;

function cleanUpOnSignal(signal: NodeJS.Signals): void {
  for (const { engine, containers, images } of inProgress.values()) {
    spawnSync(engine.command, ['rm', '--force', ...containers], { stdio: 'ignore', timeout: 30_000 });
    spawnSync(engine.command, ['rmi', '--force', ...images], { stdio: 'ignore', timeout: 30_000 });
  }
  inProgress.clear();
  process.removeListener('SIGINT', cleanUpOnSignal);
  process.removeListener('SIGTERM', cleanUpOnSignal);
  process.kill(process.pid, signal);
}

function track(key: string, entry: { engine: Engine; containers: string[]; images: string[] }): void {
  if (!signalHandlersInstalled) {
    signalHandlersInstalled = true;
    process.once('SIGINT', cleanUpOnSignal);
    process.once('SIGTERM', cleanUpOnSignal);
  }
  inProgress.set(key, entry);
}

export class DockerBuilder implements Builder {
  readonly kind = 'docker' as const;
  private imageReady: Promise<void> | undefined;
  private engine: Engine | undefined;
  private readonly runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(private readonly options: DockerBuilderOptions = {}) {}

  get target(): Target {
    return this.options.target ?? resolveTarget();
  }

  get image(): string {
    return this.options.image ?? this.target.buildImage.tag;
  }

  private get root(): string {
    return this.options.root ?? projectPath();
  }

  private get recipe(): ImageRecipe {
    return this.options.recipe ?? targetImageRecipe(this.target, this.root);
  }

  /** The recipe (every context file, build args) and the tag; no engine needed. */
  async identity(): Promise<string> {
    const parts: Buffer[] = [];
    for (const [name, file] of await contextFiles(this.recipe, this.root))
      parts.push(Buffer.from(`${name}\0`), await readFile(file), Buffer.from('\0'));
    parts.push(Buffer.from(JSON.stringify(this.recipe.buildArgs)));
    return `docker:${this.image}:${this.target.key}:${hashBytes(Buffer.concat(parts)).slice(0, 16)}`;
  }

  async ensureAvailable(): Promise<void> {
    this.engine = await detectEngine(this.options.engine);
  }

  private async getEngine(): Promise<Engine> {
    this.engine ??= await detectEngine(this.options.engine);
    return this.engine;
  }

  private ensureImage(logFile: string): Promise<void> {
    if (this.options.buildImage === false) return Promise.resolve();
    this.imageReady ??= (async () => {
      const engine = await this.getEngine();
      const context = await mkdtemp(join(tmpdir(), 'yumda-image-'));
      try {
        for (const [name, file] of await contextFiles(this.recipe, this.root)) await cp(file, join(context, name));
        const [cmd, ...args] = imageBuildArgv(engine, {
          image: this.image,
          context,
          buildArgs: this.recipe.buildArgs,
          platform: ociPlatform(this.target.arch),
        });
        const r = await execa(cmd!, args, {
          stdout: { file: logFile, append: true },
          stderr: { file: logFile, append: true },
          reject: false,
        });
        if (r.exitCode !== 0)
          throw new YumdaError('BUILD_IMAGE_FAILED', `${engine.name} build of ${this.image} failed (see ${logFile})`);
      } finally {
        await rm(context, { recursive: true, force: true });
      }
    })();
    return this.imageReady;
  }

  async build(job: BuildJob): Promise<void> {
    const engine = await this.getEngine();
    await this.ensureImage(job.logFile);
    const names = containerNames(job.name, this.runId);
    const io = {
      stdout: { file: job.logFile, append: true },
      stderr: { file: job.logFile, append: true },
      reject: false,
      cancelSignal: job.signal,
    } as const;
    track(names.build, { engine, containers: [names.deps, names.build], images: [names.image] });
    try {
      const [dc, ...dargs] = depsRunArgv({ engine, image: this.image, name: names.deps, job });
      const deps = await execa(dc!, dargs, io);
      if (deps.exitCode !== 0)
        throw new YumdaError(
          'BUILD_FAILED',
          `${job.name}: ${describeExit('installing BuildRequires', deps.exitCode, deps.signal)}`,
        );
      const [cc, ...cargs] = commitArgv(engine, names.deps, names.image);
      const committed = await execa(cc!, cargs, { ...io, stdout: 'ignore' });
      if (committed.exitCode !== 0)
        throw new YumdaError(
          'BUILD_FAILED',
          `${job.name}: ${describeExit(`${engine.name} commit`, committed.exitCode, committed.signal)}`,
        );
      await removeContainers(engine, [names.deps]);
      const [bc, ...bargs] = buildRunArgv({
        engine,
        image: names.image,
        name: names.build,
        job,
        uid: process.getuid?.() ?? 0,
        gid: process.getgid?.() ?? 0,
      });
      const built = await execa(bc!, bargs, io);
      if (built.exitCode !== 0)
        throw new YumdaError('BUILD_FAILED', `${job.name}: ${describeExit('rpmbuild', built.exitCode, built.signal)}`);
    } finally {
      await removeContainers(engine, [names.deps, names.build]);
      await removeImages(engine, [names.image]);
      inProgress.delete(names.build);
    }
  }
}
