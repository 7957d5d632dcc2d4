import type { Command } from 'commander';
import type { PlanStep, PublishResult, VerifyResult } from '../../publish/index.js';

// the publish library pulls in the AWS SDK: load it only when a command runs
const publishLibrary = () => import('../../publish/index.js');
import { ExitCode, YumdaError } from '../../util/errors.js';
import { note, printJson } from '../output.js';
import { positiveInteger } from '../parse.js';

function describeStep(step: PlanStep): string {
  if (step.action === 'delete') return `delete  ${step.path} (${step.reason})`;
  const verb = step.action === 'commit' ? 'switch ' : 'upload ';
  return `${verb} ${step.path} (${step.reason}, ${step.size} bytes)`;
}

function stepJson(step: PlanStep): Record<string, unknown> {
  const { phase, action, path, reason } = step;
  return {
    phase,
    action,
    path,
    reason,
    ...(step.action === 'delete' ? {} : { size: step.size, condition: step.condition }),
  };
}

function resultJson(r: PublishResult): Record<string, unknown> {
  return {
    source: r.source,
    destination: r.destination,
    dryRun: r.dryRun,
    switched: r.switched,
    restored: r.restored,
    deletionsLeft: r.deletionsLeft,
    summary: r.summary,
    steps: r.plan.steps.map(stepJson),
    keptPreviousGeneration: r.plan.keptPreviousGeneration,
    unchanged: r.plan.unchanged.length,
  };
}

export function registerRepoPublishCommand(repo: Command): void {
  repo
    .command('publish')
    .description(
      'upload a repository directory to S3 or a directory, safely: packages first, then metadata, then repomd.xml (conditionally, so concurrent publishers cannot clobber each other); unchanged files are skipped',
    )
    .argument(
      '<dir>',
      'the repository directory (with repodata/ from `yumda repo index`; with RPMS/ and SRPMS/ each goes to DEST/RPMS and DEST/SRPMS)',
    )
    .argument('<dest>', 's3://bucket/prefix, file:///path or a directory')
    .option(
      '--delete',
      "after switching, remove packages no longer in DIR and metadata older than the previous generation (only while this publish's repomd.xml is live; see README: concurrent publishers)",
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--concurrency <n>', 'parallel transfers', positiveInteger, 8)
    .option('--endpoint <url>', 'S3-compatible endpoint (default: $AWS_ENDPOINT_URL_S3, else Amazon S3)')
    .option('--verify', 'afterwards, read the published repository back and check every checksum')
    .option('--json', 'print the plan and result as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  yumda repo publish build/repo s3://my-bucket/al2/x86_64 --dry-run
  yumda repo publish build/repo s3://my-bucket/al2/x86_64 --delete
  AWS_ENDPOINT_URL_S3=http://127.0.0.1:7480 yumda repo publish build/repo s3://test/repo --json
  yumda repo publish build/repo file:///srv/www/yumda/al2/x86_64

Credentials come from the standard AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, instance role).
A publish that loses a race with another publisher stops with an error before switching anything; run it again.`,
    )
    .action(
      async (
        dir: string,
        dest: string,
        opts: {
          delete?: boolean;
          dryRun?: boolean;
          concurrency: number;
          endpoint?: string;
          verify?: boolean;
          json?: boolean;
        },
      ) => {
        const { publishRepositories, verifyPublished } = await publishLibrary();
        const results = await publishRepositories(dir, dest, {
          delete: opts.delete ?? false,
          dryRun: opts.dryRun ?? false,
          concurrency: opts.concurrency,
          ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
          onProgress: (event) => {
            if (event.type === 'planned') {
              const s = event.summary;
              note(
                `${s.uploads} to upload (${s.uploadBytes} bytes), ${s.deletes} to delete, ${s.unchanged} unchanged` +
                  (s.switchesGeneration ? '' : ', repomd.xml already current'),
              );
              if (opts.dryRun && !opts.json)
                for (const step of event.plan.steps) process.stdout.write(describeStep(step) + '\n');
            } else if (event.type === 'step') {
              note(`[${event.done}/${event.total}] ${describeStep(event.step)}`);
            } else note(event.message);
          },
        });
        const verified = new Map<PublishResult, VerifyResult>();
        if (opts.verify && !opts.dryRun) {
          for (const r of results) {
            verified.set(
              r,
              await verifyPublished(r.destination, {
                ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
                packageChecksums: true,
                concurrency: opts.concurrency,
              }),
            );
          }
        }
        if (opts.json)
          printJson({
            repositories: results.map((r) => ({
              ...resultJson(r),
              ...(verified.has(r) ? { verify: verified.get(r) } : {}),
            })),
          });
        else if (!opts.dryRun)
          for (const r of results)
            note(`published ${r.source} to ${r.destination}: ${r.done} steps, ${r.summary.unchanged} unchanged`);
        for (const [r, v] of verified) {
          if (!v.ok)
            throw new YumdaError('PUBLISHED_INCONSISTENT', `${r.destination} is not consistent: ${v.problems[0]}`, {
              exitCode: ExitCode.integrity,
            });
        }
      },
    );

  repo
    .command('verify')
    .description(
      'check a published repository as a client sees it: every file repomd.xml names and every package primary.xml lists exists, with the right size and checksum',
    )
    .argument(
      '<dest>',
      's3://bucket/prefix, file:///path or a directory (with RPMS/ and SRPMS/ repositories below it, each is checked)',
    )
    .option('--endpoint <url>', 'S3-compatible endpoint (default: $AWS_ENDPOINT_URL_S3, else Amazon S3)')
    .option('--deep', 'also download every package and check its sha256 (default: package sizes only)')
    .option('--concurrency <n>', 'parallel reads', positiveInteger, 8)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  yumda repo verify s3://my-bucket/al2/x86_64\n  yumda repo verify file:///srv/www/yumda/al2/x86_64 --deep --json',
    )
    .action(async (dest: string, opts: { endpoint?: string; deep?: boolean; concurrency: number; json?: boolean }) => {
      const { verifyPublishedRepositories } = await publishLibrary();
      const results = await verifyPublishedRepositories(dest, {
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        packageChecksums: opts.deep ?? false,
        concurrency: opts.concurrency,
      });
      if (opts.json) printJson({ ok: results.every((r) => r.ok), repositories: results });
      else {
        for (const result of results) {
          for (const p of result.problems) note(`problem: ${result.destination}${p}`);
          note(
            `${result.destination}: ${result.ok ? 'consistent' : 'NOT consistent'} (${result.metadataChecked} metadata files, ${result.packagesChecked} packages checked)`,
          );
        }
      }
      if (!results.every((r) => r.ok)) process.exitCode = ExitCode.integrity;
    });
}
