import t from 'tap';
import { planPublish, summarizePlan } from '../../src/publish/plan.js';
import type { LocalFile, LocalRepo, RemoteObject, RemoteState } from '../../src/publish/types.js';

function file(path: string, content: string): LocalFile {
  const role =
    path === 'repodata/repomd.xml'
      ? 'repomd'
      : path === 'repodata/repomd.xml.asc'
        ? 'signature'
        : path.startsWith('repodata/')
          ? 'metadata'
          : 'package';
  return { path, absPath: `/dir/${path}`, size: content.length, sha256: `sha-${content}`, md5: `md5-${content}`, role };
}
function repo(files: Record<string, string>): LocalRepo {
  const list = Object.entries(files).map(([p, c]) => file(p, c));
  return {
    dir: '/dir',
    files: list,
    repomd: list.find((f) => f.role === 'repomd')!,
    signature: list.find((f) => f.role === 'signature'),
    referenced: list.filter((f) => f.role === 'metadata').map((f) => f.path),
  };
}
/** What is at DEST: same path → content, identified by MD5 (like a single-part ETag). */
function remote(files: Record<string, string>, referenced?: string[]): RemoteState {
  const objects: RemoteObject[] = Object.entries(files).map(([path, c]) => ({
    path,
    size: c.length,
    etag: `"etag-${c}"`,
    md5: `md5-${c}`,
    sha256: undefined,
  }));
  const repomd = files['repodata/repomd.xml'];
  return {
    objects,
    repomd: repomd === undefined ? undefined : { etag: `"etag-${repomd}"`, referenced: referenced ?? [] },
  };
}

const gen1 = {
  'Packages/a.rpm': 'A1',
  'Packages/b.rpm': 'B1',
  'repodata/111-primary.xml.gz': 'P1',
  'repodata/repomd.xml': 'R1',
};
const gen2 = {
  'Packages/a.rpm': 'A1',
  'Packages/b.rpm': 'B2',
  'repodata/222-primary.xml.gz': 'P2',
  'repodata/repomd.xml': 'R2',
};

t.test('first publish: packages, then metadata, then repomd.xml with If-None-Match', async (t) => {
  const plan = planPublish(repo(gen1), remote({}));
  t.same(
    plan.steps.map((s) => [s.phase, s.path]),
    [
      ['packages', 'Packages/a.rpm'],
      ['packages', 'Packages/b.rpm'],
      ['metadata', 'repodata/111-primary.xml.gz'],
      ['commit', 'repodata/repomd.xml'],
    ],
  );
  t.match(plan.steps.at(-1), { action: 'commit', condition: { ifNoneMatch: '*' } });
  t.ok(plan.switchesGeneration);
});

t.test('republishing the same content plans nothing', async (t) => {
  const plan = planPublish(repo(gen1), remote(gen1, ['repodata/111-primary.xml.gz']));
  t.same(plan.steps, []);
  t.equal(plan.unchanged.length, 4);
  t.notOk(plan.switchesGeneration);
});

t.test('a stored sha256 also proves an object unchanged (multipart ETags carry no MD5)', async (t) => {
  const state = remote(gen1, ['repodata/111-primary.xml.gz']);
  for (const o of state.objects) {
    o.md5 = undefined;
    o.sha256 = o.path === 'Packages/b.rpm' ? 'sha-other' : `sha-${gen1[o.path as keyof typeof gen1]}`;
  }
  t.same(
    planPublish(repo(gen1), state).steps.map((s) => s.path),
    ['Packages/b.rpm'],
  );
});

t.test('one changed package: it, the new metadata and repomd.xml (If-Match the ETag read at start)', async (t) => {
  const plan = planPublish(repo(gen2), remote(gen1, ['repodata/111-primary.xml.gz']));
  t.same(
    plan.steps.map((s) => [s.action, s.path, s.action === 'delete' ? null : s.condition]),
    [
      ['upload', 'Packages/b.rpm', { ifMatch: '"etag-B1"' }],
      ['upload', 'repodata/222-primary.xml.gz', { ifNoneMatch: '*' }],
      ['commit', 'repodata/repomd.xml', { ifMatch: '"etag-R1"' }],
    ],
  );
  t.same(plan.keptPreviousGeneration, ['repodata/111-primary.xml.gz']);
  t.match(summarizePlan(plan), { uploads: 3, deletes: 0, unchanged: 1, uploadBytes: 6 });
});

t.test('--delete: removed packages and metadata older than the previous generation go, after the switch', async (t) => {
  const local = repo({ 'Packages/a.rpm': 'A1', 'repodata/333-primary.xml.gz': 'P3', 'repodata/repomd.xml': 'R3' });
  const state = remote({ ...gen2, 'repodata/111-primary.xml.gz': 'P1' }, ['repodata/222-primary.xml.gz']);
  const withoutDelete = planPublish(local, state);
  t.notOk(
    withoutDelete.steps.some((s) => s.action === 'delete'),
    'nothing is deleted without --delete',
  );
  const plan = planPublish(local, state, { delete: true });
  t.same(
    plan.steps.map((s) => [s.phase, s.action, s.path]),
    [
      ['metadata', 'upload', 'repodata/333-primary.xml.gz'],
      ['commit', 'commit', 'repodata/repomd.xml'],
      ['cleanup', 'delete', 'Packages/b.rpm'],
      ['cleanup', 'delete', 'repodata/111-primary.xml.gz'],
    ],
  );
  t.same(plan.keptPreviousGeneration, ['repodata/222-primary.xml.gz'], 'the generation being replaced stays');
});

t.test('signature: uploaded after the switch; a stale one is removed when the new generation has none', async (t) => {
  const signed = planPublish(repo({ ...gen2, 'repodata/repomd.xml.asc': 'S2' }), remote(gen1, []));
  t.same(
    signed.steps.slice(-2).map((s) => [s.phase, s.path]),
    [
      ['commit', 'repodata/repomd.xml'],
      ['signature', 'repodata/repomd.xml.asc'],
    ],
  );
  const unsigned = planPublish(repo(gen2), remote({ ...gen1, 'repodata/repomd.xml.asc': 'S1' }, []));
  t.match(unsigned.steps.at(-1), {
    phase: 'signature',
    action: 'delete',
    path: 'repodata/repomd.xml.asc',
    reason: 'stale-signature',
  });
});

t.test('no repomd.xml read at start: the switch requires that none exists', async (t) => {
  const state = remote(gen1);
  state.repomd = undefined; // e.g. created by someone between our read and our listing
  t.match(planPublish(repo(gen2), state).steps.at(-1), { action: 'commit', condition: { ifNoneMatch: '*' } });
});
