/**
 * GPG on install: packages signed with the real rpmsign (throwaway RSA keys made by gpg), a .repo
 * with gpgcheck=1 and gpgkey=file://…. A good signature installs; an unsigned package, one signed
 * by another key, one whose header was altered (digests recomputed, so only the signature can
 * tell), and one whose payload was altered (indexed by createrepo_c, which does not check) are refused
 * with exit 3 and the layer directory is left exactly as it was.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { yumda } from '../helpers/cli.js';
import { createHash } from 'node:crypto';
import { indexRepository } from '../../src/repodata/index.js';
import { readRpmHeaders } from '../../src/rpm/header.js';
import { SigTag } from '../../src/rpm/tags.js';
import { buildSources } from './fixtures.js';
import { distro } from './distro.js';
import { listTree } from '../helpers/tree.js';

const tools = await Promise.all(
  ['rpmsign', 'gpg'].map(async (tool) =>
    (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0 ? null : tool,
  ),
);
const absent = tools.filter(Boolean);

if (absent.length > 0) {
  t.test(
    'GPG-signed packages',
    { skip: `${absent.join(' and ')} not installed (apt-get install -y rpm gpg): cannot sign test packages` },
    async () => {},
  );
} else {
  const work = await mkdtemp(join(tmpdir(), 'yumda-gpg-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));

  /** A throwaway RSA signing key (rpm 4.11 on AL2 verifies RSA and DSA only) in its own GNUPGHOME. */
  async function makeKey(name: string): Promise<{ home: string; publicKey: string }> {
    const home = join(work, `gnupg-${name}`);
    await mkdir(home, { mode: 0o700 });
    await execa(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        `yumda ${name} <${name}@yumda.invalid>`,
        'rsa2048',
        'sign',
        'never',
      ],
      { env: { GNUPGHOME: home } },
    );
    const publicKey = join(work, `${name}.pub.asc`);
    await writeFile(
      publicKey,
      (await execa('gpg', ['--batch', '--armor', '--export'], { env: { GNUPGHOME: home } })).stdout + '\n',
    );
    return { home, publicKey };
  }

  async function sign(rpm: string, key: { home: string }, name: string): Promise<void> {
    // Debian's rpm points %__gpg at gpg2; the gpg binary is named gpg
    await execa(
      'rpmsign',
      ['--addsign', '--define', `_gpg_name yumda ${name}`, '--define', '__gpg /usr/bin/gpg', rpm],
      { env: { GNUPGHOME: key.home } },
    );
  }

  const rpms = (await buildSources(distro.filter((s) => ['editor', 'writer', 'vim-editor'].includes(s.name)))).filter(
    (r) => !r.endsWith('.src.rpm'),
  );
  const trusted = await makeKey('trusted');
  const stranger = await makeKey('stranger');

  /** A repository of the fixture RPMs after `alter` (sign, tamper) ran on each copy, and its .repo file. */
  async function repo(
    name: string,
    alter: (rpm: string) => Promise<void>,
    indexer: 'yumda' | 'createrepo_c' = 'yumda',
  ): Promise<string> {
    const dir = join(work, name);
    await mkdir(join(dir, 'Packages'), { recursive: true });
    for (const rpm of rpms) {
      const copy = join(dir, 'Packages', basename(rpm));
      await cp(rpm, copy);
      await alter(copy);
    }
    if (indexer === 'yumda') await indexRepository(dir, { revision: '1' });
    else await execa('createrepo_c', ['--quiet', dir]);
    const repofile = join(work, `${name}.repo`);
    await writeFile(
      repofile,
      `[${name}]\nname=${name}\nbaseurl=file://${dir}\ngpgcheck=1\ngpgkey=file://${trusted.publicKey}\n`,
    );
    return repofile;
  }

  const writerOnly = (rpm: string): boolean => basename(rpm).startsWith('writer-');
  const signedRepo = await repo('signed', (rpm) => sign(rpm, trusted, 'trusted'));
  const unsignedRepo = await repo('unsigned', async () => {});
  const strangerRepo = await repo('stranger', (rpm) => sign(rpm, stranger, 'stranger'));
  /**
   * An attacker who rewrites a signed package and also recomputes the digests in its signature
   * header (header SHA1/SHA256, header+payload MD5), so that only the RSA signature can tell.
   */
  async function tamper(
    rpm: string,
    change: (bytes: Buffer, headerStart: number, headerEnd: number) => void,
  ): Promise<void> {
    const { headerStart, headerEnd } = await readRpmHeaders(rpm);
    const bytes = await readFile(rpm);
    const digests = (b: Buffer): Buffer[] => [
      Buffer.from(createHash('sha1').update(b.subarray(headerStart, headerEnd)).digest('hex')),
      Buffer.from(createHash('sha256').update(b.subarray(headerStart, headerEnd)).digest('hex')),
      createHash('md5').update(b.subarray(headerStart)).digest(),
    ];
    const before = digests(bytes);
    change(bytes, headerStart, headerEnd);
    const after = digests(bytes);
    for (let i = 0; i < before.length; i++) {
      const at = bytes.subarray(0, headerStart).indexOf(before[i]!);
      if (at < 0) throw new Error(`digest ${i} not found in the signature header of ${rpm}`);
      after[i]!.copy(bytes, at);
    }
    await writeFile(rpm, bytes);
  }

  const headerRepo = await repo('tampered-header', async (rpm) => {
    await sign(rpm, trusted, 'trusted');
    if (!writerOnly(rpm)) return;
    // the summary lives in the signed header: one changed letter
    await tamper(rpm, (bytes, start) => {
      const at = bytes.indexOf('the writer package', start);
      bytes[at] = 'T'.charCodeAt(0);
    });
  });
  const payloadRepo = await repo(
    'tampered-payload',
    async (rpm) => {
      await sign(rpm, trusted, 'trusted');
      if (!writerOnly(rpm)) return;
      // a byte of the compressed payload (the signed header carries the payload's digest)
      await tamper(rpm, (bytes) => {
        bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff;
      });
      // yumda's indexer refuses such a package (payload digest); createrepo_c does not look
    },
    'createrepo_c',
  );

  /**
   * A signature that is not a document signature: the RSA header signature's type byte set to 0x10
   * (a key certification). OpenPGP.js then reports no document signatures at all, which must not
   * count as a pass. The signature header is outside every digest, so nothing else notices.
   */
  const certificationRepo = await repo('certification-type', async (rpm) => {
    await sign(rpm, trusted, 'trusted');
    if (!writerOnly(rpm)) return;
    const headers = await readRpmHeaders(rpm);
    const packet = headers.signature.binary(SigTag.RSA);
    if (!packet) throw new Error(`${rpm} has no RSA header signature`);
    const bytes = await readFile(rpm);
    const at = bytes.subarray(0, headers.headerStart).indexOf(packet);
    // packet header: old format (bit 6 clear) with 1/2/4 length bytes, or new format
    const first = packet[0]!;
    const lengthBytes = first & 0x40 ? (packet[1]! < 192 ? 1 : packet[1]! < 224 ? 2 : 5) : [1, 2, 4][first & 3]!;
    const body = at + 1 + lengthBytes;
    if (bytes[body] !== 4) throw new Error(`expected a version 4 signature packet in ${rpm}`);
    bytes[body + 1] = 0x10;
    await writeFile(rpm, bytes);
  });

  t.test('a package signed with the repository key installs', async (t) => {
    const dest = join(work, 'good');
    const r = await yumda([
      'install',
      'writer',
      '--repofile',
      signedRepo,
      '--cache-dir',
      join(work, 'cache-good'),
      '-d',
      dest,
      '--no-check',
    ]);
    t.equal(r.exitCode, 0, r.stderr);
    t.ok(existsSync(join(dest, 'bin/writer')));
    t.ok(existsSync(join(dest, 'bin/editor')));
  });

  for (const [label, repofile, error] of [
    [
      'an unsigned package',
      unsignedRepo,
      /writer-1\.0-1\.lambda2\.noarch is not signed, but its repository has gpgcheck=1/,
    ],
    [
      'a package signed by another key',
      strangerRepo,
      /writer-1\.0-1\.lambda2\.noarch: signature does not verify with the repository's key/,
    ],
    [
      'a package whose signed header was altered (digests recomputed)',
      headerRepo,
      /writer-1\.0-1\.lambda2\.noarch: signature does not verify with the repository's key/,
    ],
    [
      'a package whose signature is a key certification, not a document signature',
      certificationRepo,
      /writer-1\.0-1\.lambda2\.noarch: signature does not verify with the repository's key/,
    ],
    [
      'a package whose payload was altered',
      payloadRepo,
      /writer-1\.0-1\.lambda2\.noarch.*(digest|payload|decompress|mismatch)/i,
    ],
  ] as const) {
    t.test(`${label} is refused (exit 3), the layer is unchanged`, async (t) => {
      const dest = join(work, `bad-${basename(repofile, '.repo')}`);
      // something already in the layer, from the good repository (it provides text-editor: only writer is fetched next)
      const first = await yumda([
        'install',
        'vim-editor',
        '--repofile',
        signedRepo,
        '--cache-dir',
        join(work, `cache-${basename(repofile)}-1`),
        '-d',
        dest,
        '--no-check',
      ]);
      t.equal(first.exitCode, 0, first.stderr);
      const before = listTree(dest, { sizes: true });
      const manifest = readFileSync(join(dest, '.yumda/installed.json'), 'utf8');
      const r = await yumda([
        'install',
        'writer',
        '--repofile',
        repofile,
        '--cache-dir',
        join(work, `cache-${basename(repofile)}-2`),
        '-d',
        dest,
        '--no-check',
      ]);
      t.equal(r.exitCode, 3, r.stderr);
      t.match(r.stderr, error);
      t.same(listTree(dest, { sizes: true }), before, 'DIR is as it was');
      t.equal(readFileSync(join(dest, '.yumda/installed.json'), 'utf8'), manifest);
    });
  }
}
