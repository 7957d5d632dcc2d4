/**
 * A `--delete` publish racing a publisher that plans and switches (issue 12): the published
 * repository must never end up referencing a file that is gone while both publishers exit 0.
 * The interleavings are forced with the publisher's pause points against real radosgw; then both
 * publishers run as CLI processes at once, round after round, to radosgw and to a directory.
 */
import t, { type Test } from 'tap';
import { mkdir, utimes, writeFile, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { publishRepository, verifyPublished, type PublishResult } from '../../src/publish/index.js';
import { MARKER_PREFIX } from '../../src/publish/guard.js';
import { ensureS3, s3Unavailable } from '../helpers/s3.js';
import { yumda } from '../helpers/cli.js';
import { scratchDir } from '../helpers/tmp.js';
import { writeRepo, type PackageSpec } from './repo-fixture.js';

const skip = s3Unavailable();
const alpha = { name: 'alpha' };
const bravo = { name: 'bravo' };
const charlie = { name: 'charlie' };
const delta = { name: 'delta' };

async function assertConsistent(t: Test, url: string, what: string): Promise<void> {
  const v = await verifyPublished(url, { packageChecksums: true });
  t.same(v.problems, [], `${what}: every file repomd.xml and primary name is there`);
  t.ok(v.ok, what);
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The live repository has alpha, bravo, charlie. A publishes alpha + bravo with --delete (so it
 * deletes charlie); B publishes alpha, bravo, charlie, delta, planned after A's switch, so it
 * counts charlie as already there.
 */
async function setUp(
  t: Test,
  dest: string,
  label: string,
): Promise<{ dirA: string; dirB: string; charliePath: string }> {
  const dir0 = await scratchDir(t, `${label}-0`);
  const dirA = await scratchDir(t, `${label}-a`);
  const dirB = await scratchDir(t, `${label}-b`);
  const names = await writeRepo(dir0, [alpha, bravo, charlie]);
  await publishRepository(dir0, dest);
  await writeRepo(dirA, [alpha, bravo]);
  await writeRepo(dirB, [alpha, bravo, charlie, delta]);
  return { dirA, dirB, charliePath: names[2]! };
}

t.test(
  'A deletes charlie after B planned and before B switches: B restores it before switching',
  { skip },
  async (t) => {
    const s3 = await ensureS3();
    const dest = s3.url('race-1');
    const { dirA, dirB, charliePath } = await setUp(t, dest, 'race1');
    const aSwitched = deferred();
    const bPlanned = deferred();
    const aDone = deferred();
    const a = publishRepository(dirA, dest, {
      delete: true,
      pause: async (at) => {
        if (at === 'after-switch') aSwitched.resolve();
        if (at === 'before-delete-batch') await bPlanned.promise;
      },
    }).finally(() => aDone.resolve());
    await aSwitched.promise;
    const b = publishRepository(dirB, dest, {
      beforeExecute: async (plan) => {
        t.ok(plan.unchanged.includes(charliePath), 'B counts charlie as already published');
        bPlanned.resolve();
        await aDone.promise;
      },
    });
    const [ra, rb] = await Promise.all([a, b]);
    t.ok(
      ra.plan.steps.some((s) => s.action === 'delete' && s.path === charliePath),
      'A planned to delete charlie',
    );
    t.same(ra.deletionsLeft, [], 'A deleted it (its repomd.xml was live)');
    t.ok(rb.switched, 'B switched');
    t.same(rb.restored, [charliePath], 'B found charlie gone and uploaded it again');
    await assertConsistent(t, dest, 'both exited 0');
  },
);

t.test(
  'A re-reads repomd.xml, B switches, then A deletes: B waits for A and restores what it removed',
  { skip },
  async (t) => {
    const s3 = await ensureS3();
    const dest = s3.url('race-2');
    const { dirA, dirB, charliePath } = await setUp(t, dest, 'race2');
    const aSwitched = deferred();
    const bSwitched = deferred();
    const notes: string[] = [];
    const a = publishRepository(dirA, dest, {
      delete: true,
      pause: async (at) => {
        if (at === 'after-switch') aSwitched.resolve();
        // A has checked that its repomd.xml is live; B switches before A's deletions land
        if (at === 'before-delete-batch') await bSwitched.promise;
      },
    });
    await aSwitched.promise;
    const b = publishRepository(dirB, dest, {
      pause: async (at) => {
        if (at === 'after-switch') bSwitched.resolve();
      },
      onProgress: (e) => {
        if (e.type === 'note') notes.push(e.message);
      },
    });
    const [ra, rb] = await Promise.all([a, b]);
    t.ok(ra.done > 0 && rb.switched);
    t.same(rb.restored, [charliePath], 'B restored charlie after A deleted it');
    t.ok(
      notes.some((n) => /waiting for 1 concurrent --delete/.test(n)),
      'B waited for A’s deletion marker',
    );
    await assertConsistent(t, dest, 'both exited 0');
  },
);

t.test('B switches before A re-reads repomd.xml: A leaves its deletions to the next --delete', { skip }, async (t) => {
  const s3 = await ensureS3();
  const dest = s3.url('race-3');
  const { dirA, dirB, charliePath } = await setUp(t, dest, 'race3');
  const aSwitched = deferred();
  const bDone = deferred();
  const a = publishRepository(dirA, dest, {
    delete: true,
    pause: async (at) => {
      // B runs from start to end between A's switch and A's first deletion batch
      if (at === 'after-switch') {
        aSwitched.resolve();
        await bDone.promise;
      }
    },
  });
  await aSwitched.promise;
  const rb = await publishRepository(dirB, dest).finally(() => bDone.resolve());
  const ra = await a;
  t.ok(rb.switched, 'B switched on top of A');
  t.ok(ra.deletionsLeft.includes(charliePath), 'A saw repomd.xml was no longer its own and left charlie');
  t.notOk(
    ra.plan.steps.some((s) => s.action === 'delete' && s.path === charliePath) && ra.deletionsLeft.length === 0,
    'nothing of B deleted',
  );
  await assertConsistent(t, dest, 'both exited 0');
});

/** Rounds of A (--delete, without charlie) and B (with charlie and delta) started at once, as CLI processes. */
async function cliRounds(
  t: Test,
  dest: string,
  label: string,
  env: Record<string, string>,
  rounds: number,
): Promise<void> {
  const dir0 = await scratchDir(t, `${label}-0`);
  const dirA = await scratchDir(t, `${label}-a`);
  const dirB = await scratchDir(t, `${label}-b`);
  await writeRepo(dirA, [alpha, bravo]);
  await writeRepo(dirB, [alpha, bravo, charlie, delta]);
  for (let round = 1; round <= rounds; round++) {
    await writeRepo(dir0, [alpha, bravo, charlie, ...(round % 2 ? [] : [delta])] as PackageSpec[]);
    const reset = await yumda(['repo', 'publish', dir0, dest, '--delete'], { env });
    t.equal(reset.exitCode, 0, reset.stderr);
    const [ra, rb] = await Promise.all([
      yumda(['repo', 'publish', dirA, dest, '--delete'], { env }),
      yumda(['repo', 'publish', dirB, dest], { env }),
    ]);
    for (const r of [ra, rb]) {
      t.ok(
        r.exitCode === 0 || (r.exitCode === 1 && /another publisher/.test(r.stderr)),
        `round ${round}: exit 0, or a clear conflict: ${r.exitCode} ${r.stderr
          .split('\n')
          .filter((l) => l.startsWith('yumda:'))
          .join(' ')}`,
      );
    }
    await assertConsistent(t, dest, `round ${round} (A exit ${ra.exitCode}, B exit ${rb.exitCode})`);
  }
}

t.test('CLI: --delete and a plain publish at once, to radosgw', { skip }, async (t) => {
  const s3 = await ensureS3();
  await cliRounds(t, s3.url('race-cli'), 'race-cli-s3', s3.env, 1);
});

t.test('CLI: --delete and a plain publish at once, to a directory', async (t) => {
  const out = await scratchDir(t, 'race-cli-dir');
  await cliRounds(t, pathToFileURL(join(out, 'repo')).href, 'race-cli-file', {}, 1);
});

t.test(
  'file://: a deleter on another machine (its marker, its deletion) is waited for; a stale marker is removed',
  async (t) => {
    const dir = await scratchDir(t, 'race-marker');
    const out = await scratchDir(t, 'race-marker-dest');
    const dest = pathToFileURL(out).href;
    const names = await writeRepo(dir, [alpha, bravo, charlie]);
    await publishRepository(dir, dest);
    // another host's --delete that decided before this publish switched: it announced itself,
    // removed charlie (which this publish's repomd.xml references), and withdraws its marker 300 ms later
    const markerDir = join(out, MARKER_PREFIX);
    await writeRepo(dir, [alpha, bravo, charlie, delta]);
    const notes: string[] = [];
    const r: PublishResult = await publishRepository(dir, dest, {
      onProgress: (e) => e.type === 'note' && notes.push(e.message),
      pause: async (at) => {
        if (at !== 'after-switch') return;
        await mkdir(markerDir, { recursive: true });
        await writeFile(join(markerDir, 'other-host.json'), '{}');
        await rm(join(out, names[2]!));
        setTimeout(() => void rm(join(markerDir, 'other-host.json'), { force: true }), 300);
      },
    });
    t.ok(
      notes.some((n) => /waiting for 1 concurrent --delete/.test(n)),
      'waited for the marker',
    );
    t.same(r.restored, [names[2]], 'restored what the deleter removed');
    await assertConsistent(t, dest, 'after the wait');

    // a marker left by a deleter killed long ago is not waited for, and goes
    await writeFile(join(markerDir, 'killed.json'), '{}');
    const old = new Date(Date.now() - 3600_000);
    await utimes(join(markerDir, 'killed.json'), old, old);
    const notes2: string[] = [];
    await publishRepository(dir, dest, { onProgress: (e) => e.type === 'note' && notes2.push(e.message) });
    t.ok(
      notes2.some((n) => /stale deletion marker/.test(n)),
      'stale marker reported',
    );
    t.same(await readdir(markerDir), [], 'and removed');
  },
);
