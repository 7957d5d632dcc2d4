/** yumda repo index: --update, corrupt packages, layouts, signing, generations, and the CLI. */
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, truncate, utimes, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { indexRepository } from '../../src/repodata/index.js';
import { readOther, readPrimary } from '../../src/repodata/reader.js';
import { readRepomd } from '../../src/repodata/repomd.js';
import type { PackageRecord } from '../../src/repodata/types.js';
import { isYumdaError, type YumdaError } from '../../src/util/errors.js';
import { yumda } from '../helpers/cli.js';
import { copyInto, repoFixtures, tempDir } from './fixtures.js';
import { gpgVerify, makeGpgKey } from './keys.js';

async function primaryOf(root: string): Promise<PackageRecord[]> {
  const repomd = readRepomd(await readFile(join(root, 'repodata', 'repomd.xml'), 'utf8'));
  const out: PackageRecord[] = [];
  for await (const p of readPrimary(join(root, repomd.data.find((d) => d.type === 'primary')!.location))) out.push(p);
  return out;
}

async function rejectsNaming(
  t: Test,
  promise: Promise<unknown>,
  name: RegExp,
  what: string,
): Promise<YumdaError | undefined> {
  try {
    await promise;
    t.fail(`${what}: expected an error`);
    return undefined;
  } catch (e) {
    t.ok(isYumdaError(e), `${what}: a YumdaError`);
    t.match((e as Error).message, name, `${what}: the message names the file`);
    return isYumdaError(e) ? e : undefined;
  }
}

async function assertMetadataIntact(t: Test, root: string, repomdBefore: string): Promise<void> {
  const repomdText = await readFile(join(root, 'repodata', 'repomd.xml'), 'utf8');
  t.equal(repomdText, repomdBefore, 'repomd.xml unchanged');
  for (const d of readRepomd(repomdText).data) t.ok(existsSync(join(root, d.location)), `${d.location} still there`);
  t.same(
    (await readdir(join(root, 'repodata'))).filter((n) => n.includes('.tmp-')),
    [],
    'no staging files left behind',
  );
}

t.test('--update reuses unchanged packages and picks up a changed one', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('update');
  await copyInto(dir, rpms, 'pkgs');
  const hello = rpms.find((r) => r.includes('/hello-'))!;
  const app = rpms.find((r) => r.includes('/repo-app-'))!;
  await copyFile(app, join(dir, 'pkgs', 'changing.rpm'));
  const first = (await indexRepository(dir)).repositories[0]!;
  t.equal(first.read, rpms.length + 1);
  const firstRepomd = readRepomd(await readFile(first.repomd, 'utf8'));

  const unchanged = (await indexRepository(dir, { update: true })).repositories[0]!;
  t.equal(unchanged.read, 0, 'nothing re-read when nothing changed');
  t.equal(unchanged.reused, rpms.length + 1);
  t.same(
    unchanged.data.map((d) => d.checksum),
    first.data.map((d) => d.checksum),
    'same content, same checksums',
  );

  // replace one package at the same path: different size and mtime
  await copyFile(hello, join(dir, 'pkgs', 'changing.rpm'));
  const later = new Date(Date.now() + 60_000);
  await utimes(join(dir, 'pkgs', 'changing.rpm'), later, later);
  const updated = (await indexRepository(dir, { update: true, workers: 1 })).repositories[0]!;
  t.equal(updated.read, 1, 'only the changed package is read');
  t.equal(updated.reused, rpms.length);
  const changed = (await primaryOf(dir)).find((p) => p.locationHref === 'pkgs/changing.rpm')!;
  t.equal(changed.name, 'hello', 'the new content is indexed');

  // what --update wrote equals a full re-index
  const full = (await indexRepository(dir)).repositories[0]!;
  t.same(
    full.data.map((d) => d.openChecksum),
    updated.data.map((d) => d.openChecksum),
    'identical to a full index',
  );

  // generations: the current and the previous one stay, older ones are pruned
  const names = await readdir(join(dir, 'repodata'));
  for (const d of firstRepomd.data) {
    if (!updated.data.some((u) => u.checksum === d.checksum))
      t.notOk(names.includes(d.location.slice('repodata/'.length)), `old generation ${d.type} pruned`);
  }
  for (const d of updated.data)
    t.ok(names.includes(d.location.slice('repodata/'.length)), `previous generation ${d.type} kept`);
});

t.test('--update after a package is removed and one is added', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('update2');
  const [a, b, c] = rpms;
  await copyInto(dir, [a!, b!]);
  await indexRepository(dir);
  const { rm } = await import('node:fs/promises');
  await rm(join(dir, a!.split('/').pop()!));
  await copyInto(dir, [c!]);
  const r = (await indexRepository(dir, { update: true })).repositories[0]!;
  t.equal(r.packages, 2);
  t.equal(r.read, 1);
  t.equal(r.reused, 1);
  t.same((await primaryOf(dir)).map((p) => p.locationHref).sort(), [b!, c!].map((p) => p.split('/').pop()).sort());
});

t.test('--update over metadata createrepo_c wrote gives what a full index gives', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('update-foreign');
  await copyInto(dir, rpms);
  await execa('createrepo_c', ['--quiet', '--no-database', dir]);
  const r = (await indexRepository(dir, { update: true })).repositories[0]!;
  t.equal(r.read + r.reused, rpms.length);
  t.ok(r.reused > 0, `reused createrepo_c's entries (${r.reused} of ${rpms.length})`);
  const updated = await primaryOf(dir);
  await indexRepository(dir);
  t.same(updated, await primaryOf(dir), 'same records as a full index');
});

t.test('a corrupt RPM is named and the previous metadata stays intact', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('corrupt');
  await copyInto(dir, rpms);
  await indexRepository(dir);
  const before = await readFile(join(dir, 'repodata', 'repomd.xml'), 'utf8');

  const truncated = join(dir, 'zz-truncated.rpm');
  await copyFile(rpms[0]!, truncated);
  await truncate(truncated, 300);
  await rejectsNaming(t, indexRepository(dir), /zz-truncated\.rpm/, 'truncated header');
  await assertMetadataIntact(t, dir, before);
  const { rm } = await import('node:fs/promises');
  await rm(truncated);

  // a flipped byte in the payload: headers parse, the payload digest does not match
  const flipped = join(dir, 'zz-flipped.rpm');
  await copyFile(rpms[0]!, flipped);
  const fh = await open(flipped, 'r+');
  const size = (await fh.stat()).size;
  const byte = Buffer.alloc(1);
  await fh.read(byte, 0, 1, size - 10);
  byte[0] = byte[0]! ^ 0xff;
  await fh.write(byte, 0, 1, size - 10);
  await fh.close();
  const e = await rejectsNaming(t, indexRepository(dir, { update: true }), /zz-flipped\.rpm/, 'payload digest');
  t.equal(e?.code, 'RPM_DIGEST_MISMATCH');
  await assertMetadataIntact(t, dir, before);

  const cli = await yumda(['repo', 'index', dir]);
  t.not(cli.exitCode, 0, 'CLI fails');
  t.match(cli.stderr, /zz-flipped\.rpm/, 'CLI names the file');
  await assertMetadataIntact(t, dir, before);
});

t.test('layouts: RPMS/ and SRPMS/ are separate repositories; mixing is refused', async (t) => {
  const { rpms, srpms } = await repoFixtures();
  const mixed = await tempDir('mixed');
  await copyInto(mixed, [rpms[0]!, srpms[0]!]);
  await t.rejects(indexRepository(mixed), { code: 'REPO_MIXED' });

  const empty = await tempDir('empty');
  const r = (await indexRepository(empty)).repositories[0]!;
  t.equal(r.packages, 0, 'an empty repository is valid');
  t.same(await primaryOf(empty), []);
  await t.rejects(indexRepository(join(empty, 'nope')), { code: 'REPO_NOT_FOUND' });
});

t.test('changelog limit option', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('changelog');
  await copyInto(
    dir,
    rpms.filter((r) => r.includes('repo-rich')),
  );
  const count = async (): Promise<number> => {
    const repomd = readRepomd(await readFile(join(dir, 'repodata', 'repomd.xml'), 'utf8'));
    for await (const o of readOther(join(dir, repomd.data.find((d) => d.type === 'other')!.location)))
      return o.changelog.length;
    return -1;
  };
  await indexRepository(dir, { changelogLimit: -1 });
  t.equal(await count(), 12);
  await indexRepository(dir, { changelogLimit: 3 });
  t.equal(await count(), 3);
});

t.test('--sign-key writes repomd.xml.asc that gpg --verify accepts', async (t) => {
  const { rpms } = await repoFixtures();
  const dir = await tempDir('sign');
  await copyInto(dir, rpms);
  const key = await makeGpgKey(await tempDir('key'));
  const r = (await indexRepository(dir, { signKey: key.secretKeyFile })).repositories[0]!;
  t.match(r.signedBy, /^[0-9A-F]{40}$/);
  const asc = join(dir, 'repodata', 'repomd.xml.asc');
  t.match(await readFile(asc, 'utf8'), /^-----BEGIN PGP SIGNATURE-----/);
  const good = await gpgVerify(key, asc, join(dir, 'repodata', 'repomd.xml'));
  t.ok(good.ok, 'gpg --verify accepts it', { gpgOutput: good.output });
  const tampered = join(dir, 'tampered.xml');
  await writeFile(
    tampered,
    (await readFile(join(dir, 'repodata', 'repomd.xml'), 'utf8')).replace('<revision>', '<revision>1'),
  );
  t.notOk((await gpgVerify(key, asc, tampered)).ok, 'and rejects a modified repomd.xml');

  // unsigned re-index removes the stale signature
  await indexRepository(dir);
  t.notOk(existsSync(asc), 'stale repomd.xml.asc removed');

  // a passphrase-protected key
  const locked = await makeGpgKey(await tempDir('key2'), 'correct horse');
  await t.rejects(indexRepository(dir, { signKey: locked.secretKeyFile, signPassphrase: '' }), {
    code: 'SIGN_KEY_LOCKED',
  });
  await t.rejects(indexRepository(dir, { signKey: locked.secretKeyFile, signPassphrase: 'wrong' }), {
    code: 'SIGN_KEY_LOCKED',
  });
  await indexRepository(dir, { signKey: locked.secretKeyFile, signPassphrase: 'correct horse' });
  t.ok((await gpgVerify(locked, asc, join(dir, 'repodata', 'repomd.xml'))).ok, 'signed with the unlocked key');
  await t.rejects(indexRepository(dir, { signKey: join(dir, 'missing.asc') }), { code: 'SIGN_KEY_UNREADABLE' });
});

t.test('CLI: yumda repo index --json and --update', async (t) => {
  const { rpms, srpms } = await repoFixtures();
  const dir = await tempDir('cli');
  await copyInto(dir, rpms, 'RPMS');
  await copyInto(dir, srpms, 'SRPMS');
  const first = await yumda(['repo', 'index', dir, '--json', '--workers', '2']);
  t.equal(first.exitCode, 0, 'index succeeds', { stderr: first.stderr });
  const summary = JSON.parse(first.stdout) as { repositories: { kind: string; packages: number; read: number }[] };
  t.same(
    summary.repositories.map((r) => [r.kind, r.packages, r.read]),
    [
      ['binary', rpms.length, rpms.length],
      ['source', srpms.length, srpms.length],
    ],
  );
  const again = await yumda(['repo', 'index', dir, '--update', '--json']);
  t.equal(again.exitCode, 0, 'update succeeds', { stderr: again.stderr });
  t.same(
    (JSON.parse(again.stdout) as { repositories: { read: number }[] }).repositories.map((r) => r.read),
    [0, 0],
  );
  const human = await yumda(['repo', 'index', join(dir, 'RPMS')]);
  t.equal(human.exitCode, 0);
  t.equal(human.stdout, '', 'human output goes to stderr');
  t.match(human.stderr, /binary packages/);
  const bad = await yumda(['repo', 'index', dir, '--workers', 'zero']);
  t.equal(bad.exitCode, 2, 'usage error');
  const help = await yumda(['repo', 'index', '--help']);
  t.match(help.stdout, /Examples:/);
});
