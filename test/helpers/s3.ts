/**
 * A real S3 endpoint for tests: Ceph radosgw on 127.0.0.1, started by scripts/s3-up.sh once per test
 * run and shared by every test process (a lock directory serialises the start; the state
 * directory's `ready` file is the marker; an endpoint already answering on the port is reused).
 * The .taprc `after` hook (scripts/s3-test-teardown.mjs) stops it again if tests started it and no
 * other tap run still uses it.
 *
 *   import { ensureS3, s3Unavailable } from '../helpers/s3.js';
 *   t.test('uploads', { skip: s3Unavailable() }, async (t) => {
 *     const s3 = await ensureS3();          // { endpoint, accessKeyId, secretAccessKey, bucket, url(), env }
 *     await publishRepository(dir, s3.url('repo'));   // library calls: process.env has the AWS_* settings
 *     await yumda(['install', …], { env: s3.env });    // child processes: pass s3.env
 *   });
 *
 * Every ensureS3() call creates a fresh, empty bucket. To use another S3 endpoint instead, set
 * YUMDA_TEST_S3_ENDPOINT, YUMDA_TEST_S3_ACCESS_KEY and YUMDA_TEST_S3_SECRET_KEY.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';
import { s3Client } from '../../src/util/s3.js';

// as the CLI does (src/cli/main.ts): the SDK's notice about future Node versions is noise in test output
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3TestEnv {
  /** http://127.0.0.1:7480 */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** A bucket created for this call, empty. */
  bucket: string;
  /** s3://<bucket>/<prefix> */
  url(prefix?: string): string;
  /** AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION: for child processes. */
  env: Record<string, string>;
}

/** Same defaults as scripts/s3-up.sh. */
export const s3StateDir = process.env.YUMDA_S3_DIR ?? join(process.env.TMPDIR ?? '/tmp', 'yumda-s3-local');
const port = Number(process.env.YUMDA_S3_PORT ?? 7480);
const REQUIRED_BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'uuidgen'];
export const S3_INSTALL_HINT = 'apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw uuid-runtime';
/** Present in the state dir when the test helper (not a developer) started the instance. */
export const STARTED_BY_TESTS = 'started-by-tests';

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));
}

/** Why S3 tests cannot run here (for tap's `skip`), or undefined when they can. */
export function s3Unavailable(): string | undefined {
  if (process.env.YUMDA_TEST_S3_ENDPOINT) return undefined;
  const missing = REQUIRED_BINARIES.filter((b) => !onPath(b));
  if (missing.length === 0) return undefined;
  return `S3 tests need Ceph radosgw (missing ${missing.join(', ')}); install with: ${S3_INSTALL_HINT}`;
}

function portAnswers(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: p });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function parseSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

async function withStartLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = `${s3StateDir}.lock`;
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // a lock left by a killed test process: s3-up.sh takes well under two minutes
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 180_000) await rm(lock, { recursive: true, force: true });
      if (i > 3000) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

let settings: Promise<{ endpoint: string; accessKeyId: string; secretAccessKey: string }> | undefined;

async function startOrReuse(): Promise<{ endpoint: string; accessKeyId: string; secretAccessKey: string }> {
  if (process.env.YUMDA_TEST_S3_ENDPOINT) {
    return {
      endpoint: process.env.YUMDA_TEST_S3_ENDPOINT,
      accessKeyId: process.env.YUMDA_TEST_S3_ACCESS_KEY ?? 'testak',
      secretAccessKey: process.env.YUMDA_TEST_S3_SECRET_KEY ?? 'testsk',
    };
  }
  const reason = s3Unavailable();
  if (reason) throw new Error(reason);
  return withStartLock(async () => {
    const ready = join(s3StateDir, 'ready');
    let text: string;
    if (existsSync(ready) && (await portAnswers(port))) {
      text = await readFile(ready, 'utf8');
    } else if (!existsSync(ready) && (await portAnswers(port))) {
      // somebody else's radosgw on the port (e.g. ../shared/tools/s3/ceph-up.sh): its default keys
      text = `AWS_ENDPOINT_URL_S3=http://127.0.0.1:${port}\nAWS_ACCESS_KEY_ID=testak\nAWS_SECRET_ACCESS_KEY=testsk\n`;
    } else {
      const result = await execa(projectPath('scripts/s3-up.sh'), [], {
        env: { YUMDA_S3_DIR: s3StateDir, YUMDA_S3_PORT: String(port) },
        reject: false,
        all: true,
      });
      if (result.exitCode !== 0) throw new Error(`scripts/s3-up.sh failed (exit ${result.exitCode}):\n${result.all}`);
      await writeFile(join(s3StateDir, STARTED_BY_TESTS), String(process.pid));
      text = String(result.stdout);
    }
    const env = parseSettings(text);
    return {
      endpoint: env.AWS_ENDPOINT_URL_S3!,
      accessKeyId: env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
    };
  });
}

let bucketCounter = 0;

/**
 * Records the tap run using the instance (the test process's parent is the tap runner, as is the
 * `after` hook's): the teardown stops the instance only when no live tap run still uses it.
 */
async function registerUser(): Promise<void> {
  if (process.env.YUMDA_TEST_S3_ENDPOINT) return;
  await mkdir(join(s3StateDir, 'users'), { recursive: true });
  await writeFile(join(s3StateDir, 'users', String(process.ppid)), '');
}

/**
 * Starts (once per test run) or reuses the local radosgw, sets the AWS_* variables of this process
 * so library code finds it, and creates a fresh bucket. Throws if radosgw is not installed: guard
 * tests with `{ skip: s3Unavailable() }`.
 */
export async function ensureS3(): Promise<S3TestEnv> {
  settings ??= startOrReuse();
  let s: Awaited<typeof settings>;
  try {
    s = await settings;
  } catch (e) {
    settings = undefined;
    throw e;
  }
  await registerUser();
  const env = {
    AWS_ENDPOINT_URL_S3: s.endpoint,
    AWS_ACCESS_KEY_ID: s.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  Object.assign(process.env, env);
  const bucket = `yumda-test-${process.pid}-${++bucketCounter}-${randomBytes(3).toString('hex')}`;
  await s3Client(s.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    ...s,
    region: 'us-east-1',
    bucket,
    url: (prefix = '') => `s3://${bucket}/${prefix.replace(/^\/+/, '')}`,
    env,
  };
}
