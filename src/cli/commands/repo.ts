import type { Command } from 'commander';
import type { IndexProgress } from '../../repodata/index.js';
import { SIGN_PASSPHRASE_ENV } from '../../repodata/sign.js';
import { drawProgress, note, printJson } from '../output.js';
import { countOrUnlimited, positiveInteger } from '../parse.js';
import { refuseSpecialFileSystem } from '../../util/special-fs.js';

interface IndexCliOptions {
  update?: boolean;
  workers?: number;
  signKey?: string;
  changelogLimit: number;
  revision?: string;
  target?: string;
  json?: boolean;
}

export function registerRepoIndexCommand(repo: Command): void {
  repo
    .command('index')
    .description(
      'write yum metadata (repodata/) for the RPMs under DIR, like createrepo_c; DIR/RPMS and DIR/SRPMS become separate repositories',
    )
    .argument('<dir>', 'repository directory (scanned recursively for *.rpm)')
    .option('--update', 'reuse the metadata of packages whose path, size and mtime did not change')
    .option('--workers <n>', 'packages read in parallel (default: CPU count - 1, at least 1)', positiveInteger)
    .option(
      '--sign-key <file>',
      `armored OpenPGP secret key: also write repodata/repomd.xml.asc (passphrase from $${SIGN_PASSPHRASE_ENV})`,
    )
    .option('--changelog-limit <n>', 'changelog entries kept per package, -1 for all', countOrUnlimited, 10)
    .option('--revision <text>', 'repomd.xml <revision> (default: current time in seconds)')
    .option(
      '--target <target>',
      "refuse (before writing anything) RPMs the target's rpm cannot read: payload compression, rpmlib features (al2, al2023)",
    )
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText(
      'after',
      `
Examples:
  yumda repo index out/                          index out/RPMS and out/SRPMS (or out/ itself)
  yumda repo index out/RPMS --update             re-read only new and changed packages
  yumda repo index out/ --sign-key repo-key.asc  also sign repomd.xml (gpg --verify accepts it)
  yumda repo index out/ --target al2             refuse zstd payloads (rpm 4.11 cannot read them)`,
    )
    .action(async (dir: string, opts: IndexCliOptions) => {
      refuseSpecialFileSystem(dir, 'the repository directory');
      const started = performance.now();
      const tty = process.stderr.isTTY && !opts.json;
      let lastDraw = 0;
      const onProgress = tty
        ? (p: IndexProgress): void => {
            const now = performance.now();
            if (p.done !== p.total && now - lastDraw < 100) return;
            lastDraw = now;
            drawProgress(
              `indexing ${p.repository}: ${p.done}/${p.total} packages${p.reused ? ` (${p.reused} unchanged)` : ''}`,
              p.done === p.total,
            );
          }
        : undefined;
      const { indexRepository, scanPackages } = await import('../../repodata/index.js');
      if (opts.target) {
        const [{ resolveTarget }, { refuseRpmsForTarget }] = await Promise.all([
          import('../../config/target.js'),
          import('../../rpm/target-compat.js'),
        ]);
        const target = resolveTarget(opts.target);
        const base = dir.endsWith('/') ? dir : dir + '/';
        await refuseRpmsForTarget(
          (await scanPackages(dir)).map((rel) => base + rel),
          target,
        );
      }
      const result = await indexRepository(dir, {
        update: opts.update ?? false,
        ...(opts.workers ? { workers: opts.workers } : {}),
        ...(opts.signKey ? { signKey: opts.signKey } : {}),
        changelogLimit: opts.changelogLimit,
        ...(opts.revision ? { revision: opts.revision } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      const seconds = (performance.now() - started) / 1000;
      if (opts.json) {
        printJson({ ...result, seconds: Number(seconds.toFixed(3)) });
        return;
      }
      for (const r of result.repositories) {
        note(
          `${r.dir}: ${r.packages} ${r.kind} packages (${r.read} read, ${r.reused} unchanged), revision ${r.revision}` +
            (r.signedBy ? `, signed by ${r.signedBy}` : ''),
        );
      }
      note(`done in ${seconds.toFixed(2)} s`);
    });
}
