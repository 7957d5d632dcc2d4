import t, { type Test } from 'tap';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { publishRepository, verifyPublished, type PublishResult } from '../../src/publish/index.js';
import { s3Client } from '../../src/util/s3.js';
import { YumdaError } from '../../src/util/errors.js';
import { projectPath } from '../../src/util/paths.js';
import { ensureS3, s3Unavailable } from '../helpers/s3.js';
import { yumda } from '../helpers/cli.js';
import { writeRepo, type PackageSpec } from './repo-fixture.js';
import { gpgVerify, makeGpgKey } from '../repodata/keys.js';
import { writeFile } from 'node:fs/promises';
import { scratchDir } from '../helpers/tmp.js';

const skip = s3Unavailable();
const base: PackageSpec[] = [{ name: 'alpha' }, { name: 'bravo' }, { name: 'charlie' }, { name: 'delta' }];

function uploadedPaths(r: PublishResult): string[] {
  return r.plan.steps.filter((s) => s.action !== 'delete').map((s) => s.path);
}
function deletedPaths(r: PublishResult): string[] {
  return r.plan.steps.filter((s) => s.action === 'delete').map((s) => s.path);
}

async function liveRepomd(bucket: string, key: string): Promise<string> {
  const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

async function assertConsistent(t: Test, url: string): Promise<void> {
  const v = await verifyPublished(url, { packageChecksums: true });
  t.same(v.problems, [], `${url} is consistent`);
  t.ok(
    v.ok && v.metadataChecked >= 3 && v.packagesChecked >= 1,
    `checked ${v.metadataChecked} metadata files and ${v.packagesChecked} packages`,
  );
}

t.test('publish to radosgw: first, no-op, one changed, --delete', { skip }, async (t) => {
  const s3 = await ensureS3();
  const dir = await scratchDir(t, 'publish-s3');
  const dest = s3.url('al2/x86_64');
  const names = await writeRepo(dir, base);

  const first = await publishRepository(dir, dest);
  t.equal(first.summary.uploads, names.length + 3 + 1, 'every package, 3 metadata files and repomd.xml uploaded');
  t.ok(first.switched);
  // order: all packages, then metadata, then repomd.xml
  const phases = first.plan.steps.map((s) => s.phase);
  t.same(
    phases,
    [...phases].sort(
      (a, b) => ['packages', 'metadata', 'commit'].indexOf(a) - ['packages', 'metadata', 'commit'].indexOf(b),
    ),
  );
  t.equal(first.plan.steps.at(-1)?.path, 'repodata/repomd.xml');
  t.equal(first.plan.steps.at(-1)?.action, 'commit');
  await assertConsistent(t, dest);

  const head = await s3Client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `al2/x86_64/${names[0]}` }));
  t.equal(head.ContentType, 'application/x-rpm');
  t.match(head.CacheControl, /immutable/);
  t.match(head.Metadata?.sha256, /^[0-9a-f]{64}$/, 'sha256 stored in object metadata');
  const repomdHead = await s3Client().send(
    new HeadObjectCommand({ Bucket: s3.bucket, Key: 'al2/x86_64/repodata/repomd.xml' }),
  );
  t.equal(repomdHead.ContentType, 'application/xml');
  t.match(repomdHead.CacheControl, /max-age=60/);

  const again = await publishRepository(dir, dest);
  t.equal(again.summary.uploads, 0, 'no-op republish uploads nothing');
  t.equal(again.done, 0);
  t.equal(again.summary.unchanged, first.summary.uploads);

  const oldRepomd = await liveRepomd(s3.bucket, 'al2/x86_64/repodata/repomd.xml');
  await writeRepo(dir, [base[0]!, { name: 'bravo', variant: 'rebuilt' }, base[2]!, base[3]!]);
  const changed = await publishRepository(dir, dest);
  t.same(
    uploadedPaths(changed).filter((p) => !p.startsWith('repodata/')),
    [names[1]],
    'only the changed package is uploaded',
  );
  t.ok(uploadedPaths(changed).includes('repodata/repomd.xml'));
  t.same(deletedPaths(changed), [], 'nothing deleted without --delete');
  t.ok(changed.plan.keptPreviousGeneration.length >= 1, 'previous generation metadata is kept');
  await assertConsistent(t, dest);
  // a client that read the old repomd.xml a moment ago still finds its metadata
  for (const href of [...oldRepomd.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!)) {
    const h = await s3Client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `al2/x86_64/${href}` }));
    t.ok(h.ContentLength! > 0, `previous generation ${href} still there`);
  }

  // drop charlie; --delete removes it (after the switch) and prunes generations before the previous one
  await writeRepo(dir, [base[0]!, { name: 'bravo', variant: 'rebuilt' }, base[3]!]);
  const pruned = await publishRepository(dir, dest, { delete: true });
  t.ok(deletedPaths(pruned).includes(names[2]!), 'the removed package is deleted');
  t.ok(
    deletedPaths(pruned).some((p) => p.startsWith('repodata/')),
    'metadata older than the previous generation is pruned',
  );
  const firstStepIndex = (pred: (p: string) => boolean): number =>
    pruned.plan.steps.findIndex((s) => pred(s.path) && s.action === 'delete');
  const commitIndex = pruned.plan.steps.findIndex((s) => s.action === 'commit');
  t.ok(commitIndex >= 0 && firstStepIndex(() => true) > commitIndex, 'deletions come after the switch');
  for (const p of pruned.plan.keptPreviousGeneration)
    t.notOk(deletedPaths(pruned).includes(p), `previous generation ${p} kept`);
  await assertConsistent(t, dest);
  // the generation kept by that publish goes at the next one
  const next = await publishRepository(dir, dest, { dryRun: true, delete: true });
  t.equal(next.summary.uploads, 0, 'nothing to upload');
  t.same(
    deletedPaths(next),
    [...pruned.plan.keptPreviousGeneration].sort(),
    'the next --delete prunes the generation kept before',
  );
});

t.test('two publishers at once: exactly one wins, the repository stays consistent', { skip }, async (t) => {
  const s3 = await ensureS3();
  const dirA = await scratchDir(t, 'publish-race-a');
  const dirB = await scratchDir(t, 'publish-race-b');
  const dest = s3.url('race');
  await writeRepo(dirA, base);
  await publishRepository(dirA, dest);
  // both start from the same live generation, with different new content (including a package
  // of the same name and version but different bytes)
  await writeRepo(dirA, [...base, { name: 'echo', variant: 'from-a' }]);
  await writeRepo(dirB, [...base, { name: 'echo', variant: 'from-b' }, { name: 'foxtrot' }]);
  let planned = 0;
  let release!: () => void;
  const barrier = new Promise<void>((r) => (release = r));
  const waitForBoth = async (): Promise<void> => {
    if (++planned === 2) release();
    await barrier;
  };
  // both plan against the same live repomd.xml before either writes anything
  const publishWithBarrier = (dir: string): Promise<PublishResult> => {
    let waited = false;
    return publishRepository(dir, dest, {
      concurrency: 1,
      beforeExecute: async () => {
        if (!waited) {
          waited = true;
          await waitForBoth();
        }
      },
    });
  };
  const results = await Promise.allSettled([publishWithBarrier(dirA), publishWithBarrier(dirB)]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.equal(won.length, 1, 'one publisher wins');
  t.equal(lost.length, 1, 'one publisher loses');
  t.ok(
    lost[0]?.reason instanceof YumdaError && lost[0].reason.code === 'PUBLISH_CONFLICT',
    `the loser fails clearly: ${String(lost[0]?.reason)}`,
  );
  const winnerDir = results[0]!.status === 'fulfilled' ? dirA : dirB;
  t.equal(
    await liveRepomd(s3.bucket, 'race/repodata/repomd.xml'),
    await readFile(join(winnerDir, 'repodata/repomd.xml'), 'utf8'),
    "the winner's repomd.xml is live",
  );
  await assertConsistent(t, dest);
  // the loser simply runs again on top of the winner
  const loserDir = winnerDir === dirA ? dirB : dirA;
  await publishRepository(loserDir, dest);
  await assertConsistent(t, dest);
});

t.test(
  'two publishers with different packages race for repomd.xml: the conditional switch picks one',
  { skip },
  async (t) => {
    const s3 = await ensureS3();
    const dirA = await scratchDir(t, 'publish-switch-a');
    const dirB = await scratchDir(t, 'publish-switch-b');
    const dest = s3.url('switch');
    await writeRepo(dirA, base);
    await publishRepository(dirA, dest);
    await writeRepo(dirA, [...base, { name: 'echo' }]);
    await writeRepo(dirB, [...base, { name: 'foxtrot' }]);
    let planned = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => (release = r));
    const publish = (dir: string): Promise<PublishResult> =>
      publishRepository(dir, dest, {
        beforeExecute: async () => {
          if (++planned === 2) release();
          await barrier;
        },
      });
    const results = await Promise.allSettled([publish(dirA), publish(dirB)]);
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    t.equal(lost.length, 1, 'exactly one publisher loses');
    t.match(
      lost[0]?.reason,
      { code: 'PUBLISH_CONFLICT', message: /repodata\/repomd\.xml/ },
      'it lost the switch of repomd.xml',
    );
    const winnerDir = results[0]!.status === 'fulfilled' ? dirA : dirB;
    t.equal(
      await liveRepomd(s3.bucket, 'switch/repodata/repomd.xml'),
      await readFile(join(winnerDir, 'repodata/repomd.xml'), 'utf8'),
    );
    await assertConsistent(t, dest);
  },
);

t.test(
  'a signed repository: repomd.xml.asc goes up after the switch and verifies; a stale one is removed',
  { skip },
  async (t) => {
    const s3 = await ensureS3();
    const dir = await scratchDir(t, 'publish-signed');
    const keys = await scratchDir(t, 'publish-keys');
    const key = await makeGpgKey(keys);
    const dest = s3.url('signed');
    await writeRepo(dir, base.slice(0, 2), { index: { signKey: key.secretKeyFile } });
    const signed = await publishRepository(dir, dest);
    t.same(
      signed.plan.steps.slice(-2).map((s) => [s.phase, s.path]),
      [
        ['commit', 'repodata/repomd.xml'],
        ['signature', 'repodata/repomd.xml.asc'],
      ],
    );
    await writeFile(join(keys, 'repomd.xml'), await liveRepomd(s3.bucket, 'signed/repodata/repomd.xml'));
    await writeFile(join(keys, 'repomd.xml.asc'), await liveRepomd(s3.bucket, 'signed/repodata/repomd.xml.asc'));
    const verified = await gpgVerify(key, join(keys, 'repomd.xml.asc'), join(keys, 'repomd.xml'));
    t.ok(verified.ok, `gpg --verify accepts the published signature: ${verified.output}`);
    await assertConsistent(t, dest);

    await rm(join(dir, 'repodata/repomd.xml.asc'));
    await writeRepo(dir, base.slice(0, 3));
    const unsigned = await publishRepository(dir, dest);
    t.match(unsigned.plan.steps.at(-1), {
      action: 'delete',
      path: 'repodata/repomd.xml.asc',
      reason: 'stale-signature',
    });
    await t.rejects(
      s3Client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'signed/repodata/repomd.xml.asc' })),
      'no stale signature left',
    );
  },
);

t.test('an interrupted publish leaves the old repository usable; the next one completes it', { skip }, async (t) => {
  const s3 = await ensureS3();
  const dir = await scratchDir(t, 'publish-interrupt');
  const dest = s3.url('interrupted');
  await writeRepo(dir, base);
  await publishRepository(dir, dest);
  const before = await liveRepomd(s3.bucket, 'interrupted/repodata/repomd.xml');

  const more = [...base, { name: 'echo' }, { name: 'foxtrot' }, { name: 'golf' }];
  await writeRepo(dir, more);
  let uploads = 0;
  await t.rejects(
    publishRepository(dir, dest, {
      concurrency: 1,
      onProgress: (e) => {
        if (e.type === 'step' && ++uploads === 2) throw new Error('injected failure after 2 uploads');
      },
    }),
    /injected failure/,
  );
  t.equal(await liveRepomd(s3.bucket, 'interrupted/repodata/repomd.xml'), before, 'repomd.xml not switched');
  await assertConsistent(t, dest);
  const resumed = await publishRepository(dir, dest);
  t.equal(
    uploadedPaths(resumed).filter((p) => p.startsWith('Packages/')).length,
    1,
    'only the package not uploaded before is uploaded',
  );
  await assertConsistent(t, dest);

  // a real kill: SIGKILL the CLI after its first finished step
  await writeRepo(dir, [...more, { name: 'hotel' }, { name: 'india' }, { name: 'juliet' }]);
  const child = execa(
    process.execPath,
    [projectPath('dist/src/cli/main.js'), 'repo', 'publish', dir, dest, '--concurrency', '1'],
    {
      env: s3.env,
      reject: false,
    },
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    if (/\[1\//.test(chunk.toString())) child.kill('SIGKILL');
  });
  const killed = await child;
  t.ok(killed.signal === 'SIGKILL' || killed.exitCode === 0, `publisher killed (${killed.signal ?? killed.exitCode})`);
  await assertConsistent(t, dest);
  const completed = await yumda(['repo', 'publish', dir, dest, '--json'], { env: s3.env });
  t.equal(completed.exitCode, 0, completed.stderr);
  await assertConsistent(t, dest);
});

t.test('large packages go up as multipart uploads and are skipped by their stored sha256', { skip }, async (t) => {
  const s3 = await ensureS3();
  const dir = await scratchDir(t, 'publish-multipart');
  const dest = s3.url('mp');
  const [big] = await writeRepo(dir, [{ name: 'kilo', bigBytes: 12 * 1024 * 1024 }]);
  const options = { multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 };
  await publishRepository(dir, dest, options);
  const head = await s3Client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `mp/${big}` }));
  t.match(head.ETag, /-\d+"$/, 'a multipart ETag');
  await assertConsistent(t, dest);
  const again = await publishRepository(dir, dest, options);
  t.equal(again.summary.uploads, 0, 'skipped by x-amz-meta-sha256');
});

t.test('CLI: --dry-run --json changes nothing; repo verify finds a tampered file', { skip }, async (t) => {
  const s3 = await ensureS3();
  const dir = await scratchDir(t, 'publish-cli');
  const dest = s3.url('cli');
  const names = await writeRepo(dir, base.slice(0, 2));
  const dry = await yumda(['repo', 'publish', dir, dest, '--dry-run', '--json'], { env: s3.env });
  t.equal(dry.exitCode, 0, dry.stderr);
  const plan = (JSON.parse(dry.stdout) as { repositories: { dryRun: boolean; steps: { path: string }[] }[] })
    .repositories[0]!;
  t.equal(plan.dryRun, true);
  t.equal(plan.steps.length, names.length + 4);
  const pub = await yumda(['repo', 'publish', dir, dest, '--verify'], { env: s3.env });
  t.equal(pub.exitCode, 0, pub.stderr);
  t.match(pub.stderr, /\[\d+\/\d+\] switch +repodata\/repomd.xml/);
  // tamper with a package behind the publisher's back
  await s3Client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: `cli/${names[0]}`, Body: 'not an rpm' }));
  const v = await yumda(['repo', 'verify', dest, '--json', '--deep'], { env: s3.env });
  t.equal(v.exitCode, 3);
  t.match(JSON.parse(v.stdout), {
    ok: false,
    repositories: [{ ok: false, problems: [new RegExp(names[0]!.replace(/[.]/g, '\\.'))] }],
  });
  // and publish repairs it (the size differs, so it is re-uploaded with If-Match on the tampered ETag)
  const repaired = await yumda(['repo', 'publish', dir, dest, '--json', '--verify'], { env: s3.env });
  t.equal(repaired.exitCode, 0, repaired.stderr);
  t.equal(JSON.parse(repaired.stdout).repositories[0].summary.uploads, 1);
});
