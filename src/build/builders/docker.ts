/**
 * The production builder: every package builds in a fresh amazonlinux:2 container made from
 * docker/build/Dockerfile. The command lines are pure functions of their inputs (unit-tested as
 * text, since no Docker engine runs in the test environment); execa runs them.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { execa } from 'execa';
import { ExitCode, YumdaError } from '../../util/errors.js';
import { hashBytes } from '../../util/hash.js';
import { projectPath } from '../../util/paths.js';
import type { Builder, BuildJob } from './types.js';

export const defaultBuildImage = 'yumda-build:al2';

/** Paths inside the container. */
const inContainer = {
  specs: '/input/SPECS',
  sources: '/input/SOURCES',
  deps: '/deps',
  output: '/output',
  topdir: '/home/builder/rpmbuild',
} as const;

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ImageBuildOptions {
  image: string;
  /** The project root (holds docker/build/ and repo-metadata/macros/). */
  root: string;
}

/**
 * `docker build` for the build image. The macros file lives in repo-metadata/macros/ (the single
 * place that defines the /opt layout), so it is passed as a named build context instead of being
 * copied into docker/build/.
 */
export function dockerImageBuildArgv(options: ImageBuildOptions): string[] {
  return [
    'docker', 'build',
    '--tag', options.image,
    '--file', `${options.root}/docker/build/Dockerfile`,
    '--build-context', `macros=${options.root}/repo-metadata/macros`,
    `${options.root}/docker/build`,
  ];
}

export interface ContainerScriptOptions {
  specName: string;
  hasDependencies: boolean;
}

/**
 * What runs inside the container, as root: install the RPMs of earlier waves, then the remaining
 * BuildRequires from the Amazon Linux repositories, build as the unprivileged user, copy the results
 * out and hand them to the caller's uid.
 */
export function containerBuildScript(options: ContainerScriptOptions): string {
  const spec = `${inContainer.topdir}/SPECS/${options.specName}`;
  const lines = [
    'set -euo pipefail',
    `mkdir -p ${inContainer.topdir}/SPECS ${inContainer.topdir}/SOURCES`,
    `cp -a ${inContainer.specs}/. ${inContainer.topdir}/SPECS/`,
    `cp -a ${inContainer.sources}/. ${inContainer.topdir}/SOURCES/`,
    `chown -R builder:builder ${inContainer.topdir}`,
  ];
  if (options.hasDependencies) {
    lines.push(`echo "yumda: installing RPMs from earlier waves"`, `yum install -y --nogpgcheck ${inContainer.deps}/*.rpm`);
  }
  lines.push(
    `echo "yumda: installing BuildRequires"`,
    `yum-builddep -y ${shellQuote(spec)}`,
    `echo "yumda: rpmbuild"`,
    `runuser -u builder -- rpmbuild -ba --nocheck --define ${shellQuote(`_topdir ${inContainer.topdir}`)} ${shellQuote(spec)}`,
    `mkdir -p ${inContainer.output}/RPMS ${inContainer.output}/SRPMS`,
    `cp -a ${inContainer.topdir}/RPMS/. ${inContainer.output}/RPMS/`,
    `cp -a ${inContainer.topdir}/SRPMS/. ${inContainer.output}/SRPMS/`,
    `chown -R "$HOST_UID:$HOST_GID" ${inContainer.output}`,
  );
  return lines.join('\n') + '\n';
}

export interface RunOptions {
  image: string;
  job: Pick<BuildJob, 'name' | 'specFile' | 'sourcesDir' | 'resultDir' | 'dependencyRpms'>;
  uid: number;
  gid: number;
}

/** `docker run` for one package: a fresh container (--rm), inputs read-only, only the result dir writable. */
export function dockerRunArgv(options: RunOptions): string[] {
  const { job } = options;
  const argv = [
    'docker', 'run', '--rm',
    '--name', `yumda-build-${job.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}`,
    '--env', `HOST_UID=${options.uid}`,
    '--env', `HOST_GID=${options.gid}`,
    '--volume', `${dirname(job.specFile)}:${inContainer.specs}:ro`,
    '--volume', `${job.sourcesDir}:${inContainer.sources}:ro`,
    '--volume', `${job.resultDir}:${inContainer.output}`,
  ];
  for (const rpm of job.dependencyRpms) argv.push('--volume', `${rpm}:${inContainer.deps}/${basename(rpm)}:ro`);
  argv.push(
    options.image,
    '/bin/bash', '-c',
    containerBuildScript({ specName: basename(job.specFile), hasDependencies: job.dependencyRpms.length > 0 }),
  );
  return argv;
}

/** Image identity without a Docker engine: the recipe (Dockerfile + macros) and the tag. */
export async function dockerImageIdentity(image: string, root = projectPath()): Promise<string> {
  const dockerfile = await readFile(`${root}/docker/build/Dockerfile`);
  const macros = await readFile(`${root}/repo-metadata/macros/lambda2.macros`).catch(() => Buffer.alloc(0));
  return `docker:${image}:${hashBytes(Buffer.concat([dockerfile, Buffer.from('\0'), macros])).slice(0, 16)}`;
}

export class DockerBuilder implements Builder {
  readonly kind = 'docker' as const;
  private imageReady: Promise<void> | undefined;

  constructor(private readonly options: { image?: string; root?: string; buildImage?: boolean } = {}) {}

  get image(): string {
    return this.options.image ?? defaultBuildImage;
  }

  identity(): Promise<string> {
    return dockerImageIdentity(this.image, this.options.root);
  }

  async ensureAvailable(): Promise<void> {
    const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false });
    if (r.failed) {
      throw new YumdaError('DOCKER_UNAVAILABLE', `the docker builder needs a running Docker engine: ${String(r.stderr || r.message).split('\n')[0]}`, {
        exitCode: ExitCode.failure,
        hint: 'start Docker (or install it: https://docs.docker.com/engine/install/), or use --builder local',
      });
    }
  }

  private ensureImage(logFile: string): Promise<void> {
    if (this.options.buildImage === false) return Promise.resolve();
    this.imageReady ??= (async () => {
      const [cmd, ...args] = dockerImageBuildArgv({ image: this.image, root: this.options.root ?? projectPath() });
      const r = await execa(cmd!, args, { stdout: { file: logFile, append: true }, stderr: { file: logFile, append: true }, reject: false });
      if (r.exitCode !== 0) throw new YumdaError('BUILD_IMAGE_FAILED', `docker build of ${this.image} failed (see the package log)`);
    })();
    return this.imageReady;
  }

  async build(job: BuildJob): Promise<void> {
    await this.ensureImage(job.logFile);
    const [cmd, ...args] = dockerRunArgv({ image: this.image, job, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    const r = await execa(cmd!, args, { stdout: { file: job.logFile, append: true }, stderr: { file: job.logFile, append: true }, reject: false, cancelSignal: job.signal });
    if (r.exitCode !== 0) throw new YumdaError('BUILD_FAILED', `${job.name}: container build exited with ${r.exitCode ?? r.signal}`);
  }
}
