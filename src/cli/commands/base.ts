import type { Command } from 'commander';
import { ExitCode, YumdaError } from '../../util/errors.js';
import { note, printJson } from '../output.js';

interface CaptureOptions {
  root?: string;
  tarball?: string;
  image?: string;
  listing?: string;
  target?: string;
  arch?: string;
  engine?: string;
  output?: string;
  update?: boolean;
  json?: boolean;
}

export function registerBaseCommands(program: Command): void {
  const base = program
    .command('base')
    .description('base profiles: what a Lambda runtime already has (never installed into a layer)');
  base
    .command('capture')
    .description(
      'make a base profile from a real runtime: a root directory, an image tarball, or an image through docker/podman',
    )
    .option('--root <dir>', 'the runtime file system, unpacked in a directory')
    .option('--tarball <file>', 'an image file system tarball (docker export / podman export)')
    .option('--image <ref>', 'an image, through the container engine (created, exported, removed; never started)')
    .option('--listing <dir>', 'DIR/packages.txt (rpm -qa) and DIR/fs.txt (every path): a listing captured earlier')
    .option('--target <target>', 'the target the runtime is, e.g. al2, al2023/aarch64 (default: al2)')
    .option('--arch <arch>', 'x86_64 or aarch64 (or amd64/arm64)')
    .option('--engine <engine>', 'docker, podman or auto (default: $YUMDA_ENGINE, else auto)')
    .option('-o, --output <file>', 'where to write the profile JSON (default: stdout)')
    .option(
      '--update',
      "write the target's shipped profile, repo-metadata/base/ID.json of this checkout (the scheduled workflow does this)",
    )
    .option('--json', 'print a summary as JSON (with --output or --update)')
    .addHelpText(
      'after',
      `
Examples:
  yumda base capture --image public.ecr.aws/lambda/provided:al2023 --target al2023/aarch64 -o repo-metadata/base/al2023-aarch64.json
  docker export $(docker create public.ecr.aws/lambda/provided:al2) > al2.tar && yumda base capture --tarball al2.tar -o al2.json
  yumda base capture --root /mnt/runtime --target al2 -o al2.json
  yumda base capture --listing ../shared/lambda-base/al2 --target al2`,
    )
    .action(async (opts: CaptureOptions) => {
      const sources = (['root', 'tarball', 'image', 'listing'] as const).filter((k) => opts[k] !== undefined);
      if (sources.length !== 1) {
        throw new YumdaError('CAPTURE_SOURCE', 'give exactly one of --root, --tarball, --image, --listing', {
          exitCode: ExitCode.usage,
        });
      }
      const [{ resolveTarget }, capture, { writeFileAtomic }] = await Promise.all([
        import('../../config/target.js'),
        import('../../base/capture.js'),
        import('../../util/fs.js'),
      ]);
      const target = resolveTarget(opts.target, opts.arch);
      if (opts.update && opts.output)
        throw new YumdaError('CAPTURE_OUTPUT', 'give --output or --update, not both', { exitCode: ExitCode.usage });
      if (opts.update) opts.output = (await import('../../config/target.js')).targetProfilePath(target);
      const result = opts.root
        ? await capture.captureFromRoot(opts.root, target)
        : opts.tarball
          ? await capture.captureFromTarball(opts.tarball, target)
          : opts.listing
            ? await capture.captureFromListing(opts.listing, target)
            : await capture.captureFromImage(
                await (await import('../../container/engine.js')).detectEngine(opts.engine),
                opts.image!,
                target,
              );
      for (const n of result.notes) note(`note: ${n}`);
      const text = JSON.stringify(result.profile, null, 1) + '\n';
      const { profile } = result;
      const summary = {
        target: target.key,
        id: profile.id,
        output: opts.output ?? '-',
        packages: profile.packages.length,
        provides: profile.provides.length,
        files: profile.files.length,
        symlinks: Object.keys(profile.symlinks).length,
        glibc: profile.glibc.version,
      };
      if (!opts.output || opts.output === '-') {
        process.stdout.write(text);
        note(
          `captured ${target.key}: ${summary.packages} packages, ${summary.provides} provides, ${summary.files} paths, glibc ${summary.glibc}`,
        );
        return;
      }
      await writeFileAtomic(opts.output, text);
      if (opts.json) printJson(summary);
      else
        process.stdout.write(
          `wrote ${opts.output}: ${target.key}, ${summary.packages} packages, ${summary.provides} provides, ${summary.files} paths, glibc ${summary.glibc}\n`,
        );
    });

  base
    .command('build-host')
    .description(
      "a profile for trying locally built layers on this machine: the target's profile, this machine's glibc, and its copies of the libraries the built RPMs link but do not provide (never for deploying)",
    )
    .requiredOption('--rpms <dir>', 'the local build output, e.g. build/RPMS (searched recursively)')
    .option('--target <target>', 'the target the packages were built for (default: al2)')
    .option('--arch <arch>', 'x86_64 or aarch64')
    .option('-o, --output <file>', 'where to write the profile JSON (default: stdout)')
    .option('--json', 'print a summary as JSON (with --output)')
    .addHelpText(
      'after',
      `
The local builder (yumda build --builder local) compiles against this machine's glibc and libraries,
so its layers run here, not on Lambda: check and install them against this profile to try them.

Example:
  yumda build git openssh --builder local -o build/ && yumda repo index build/
  yumda base build-host --rpms build/RPMS -o host.json
  yumda install git openssh -d layer/ --repo build/RPMS --base host.json && yumda check layer/ --base host.json`,
    )
    .action(async (opts: { rpms: string; target?: string; arch?: string; output?: string; json?: boolean }) => {
      const [{ resolveTarget }, { buildHostProfile }, { writeFileAtomic }] = await Promise.all([
        import('../../config/target.js'),
        import('../../base/build-host.js'),
        import('../../util/fs.js'),
      ]);
      const target = resolveTarget(opts.target, opts.arch);
      const { profile, hostLibraries, missing } = await buildHostProfile(opts.rpms, target);
      for (const soname of missing)
        note(`note: ${soname} is needed by the RPMs but neither they nor this machine provide it`);
      const summary = {
        target: target.key,
        id: profile.id,
        output: opts.output ?? '-',
        glibc: profile.glibc.version,
        hostLibraries,
        missing,
      };
      const text = JSON.stringify(profile, null, 1) + '\n';
      if (!opts.output || opts.output === '-') {
        process.stdout.write(text);
        note(`${profile.id}: glibc ${summary.glibc}, ${hostLibraries.length} host libraries`);
        return;
      }
      await writeFileAtomic(opts.output, text);
      if (opts.json) printJson(summary);
      else
        process.stdout.write(
          `wrote ${opts.output}: ${profile.id}, glibc ${summary.glibc}, ${hostLibraries.length} host libraries${missing.length ? `, ${missing.length} not found` : ''}\n`,
        );
    });
}
