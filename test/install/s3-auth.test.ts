/**
 * Issue 12: wrong S3 credentials on `install` said "unreachable … check the network" (exit 4).
 * They are the user's to fix: S3_ACCESS_DENIED / S3_NO_CREDENTIALS, exit 1, a hint about the
 * credentials; only a store that does not answer is unreachable. Against radosgw when it is
 * available; the mapping itself is checked with the SDK's error shapes everywhere.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { publishRepository } from '../../src/publish/publish.js';
import { primaryFooter, primaryHeader } from '../../src/repodata/render.js';
import { renderRepomd } from '../../src/repodata/repomd.js';
import { s3Error } from '../../src/util/s3.js';
import { yumda } from '../helpers/cli.js';
import { ensureS3, s3Unavailable } from '../helpers/s3.js';
import { scratchDir } from '../helpers/tmp.js';

t.test('SDK errors: refused or missing credentials are not "unreachable"', async (t) => {
  const sdk = (name: string, status?: number, message = name): Error =>
    Object.assign(new Error(message), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
  for (const [e, code, exitCode] of [
    [sdk('InvalidAccessKeyId', 403), 'S3_ACCESS_DENIED', 1],
    [sdk('SignatureDoesNotMatch', 403), 'S3_ACCESS_DENIED', 1],
    [sdk('AccessDenied', 403), 'S3_ACCESS_DENIED', 1],
    [sdk('ExpiredToken', 400), 'S3_ACCESS_DENIED', 1],
    [sdk('Unknown', 401), 'S3_ACCESS_DENIED', 1],
    [
      sdk('CredentialsProviderError', undefined, 'Could not load credentials from any providers'),
      'S3_NO_CREDENTIALS',
      1,
    ],
    [sdk('InternalError', 503), 'UNREACHABLE', 4],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'UNREACHABLE', 4],
  ] as const) {
    const mapped = s3Error(e, 'cannot read s3://b/repo/repodata/repomd.xml', 'check the credentials');
    t.equal(mapped.code, code, `${e.name}: ${mapped.message}`);
    t.equal(mapped.exitCode, exitCode);
  }
});

t.test('install from S3 with wrong credentials (radosgw)', { skip: s3Unavailable() }, async (t) => {
  const s3 = await ensureS3();
  const work = await scratchDir(t, 's3-auth');
  const repo = join(work, 'repo');
  await mkdir(join(repo, 'repodata'), { recursive: true });
  const gz = gzipSync(primaryHeader(0) + primaryFooter);
  const sum = createHash('sha256').update(gz).digest('hex');
  await writeFile(join(repo, 'repodata', `${sum}-primary.xml.gz`), gz);
  const entry = {
    type: 'primary',
    location: `repodata/${sum}-primary.xml.gz`,
    checksumType: 'sha256',
    checksum: sum,
    openChecksumType: null,
    openChecksum: null,
    size: gz.length,
    openSize: null,
    timestamp: 1,
  };
  await writeFile(join(repo, 'repodata', 'repomd.xml'), renderRepomd({ revision: '1', data: [entry] }));
  const saved = { ...process.env };
  Object.assign(process.env, s3.env);
  t.teardown(() => {
    process.env = saved;
  });
  await publishRepository(repo, s3.url('auth'));
  const args = [
    'install',
    'anything',
    '--repo',
    s3.url('auth'),
    '--cache-dir',
    join(work, 'cache'),
    '-d',
    join(work, 'layer'),
  ];
  for (const env of [
    { ...s3.env, AWS_SECRET_ACCESS_KEY: 'wrong-secret' },
    { ...s3.env, AWS_ACCESS_KEY_ID: 'NOSUCHKEY0000000000' },
  ]) {
    const r = await yumda(args, { env });
    t.equal(r.exitCode, 1, r.stderr);
    t.match(r.stderr, /access denied \((SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied)/);
    t.match(r.stderr, /hint: check the credentials/);
    t.notMatch(r.stderr, /unreachable|check the network/);
  }
  const right = await yumda(args, { env: s3.env });
  t.match(right.stderr, /no package anything|nothing provides|anything/, 'the right credentials reach the repository');
  t.notMatch(right.stderr, /access denied/);
});
