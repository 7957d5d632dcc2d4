import { S3Client } from '@aws-sdk/client-s3';
import { ExitCode, YumdaError } from './errors.js';
import { networkTimeouts } from './fetch.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading slash, '' or ending in '/'. */
  prefix: string;
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1])
    throw new YumdaError('BAD_S3_URL', `not an S3 URL: ${url} (expected s3://bucket/prefix)`, { exitCode: 2 });
  let prefix = m[2] ?? '';
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return { bucket: m[1], prefix };
}

const clients = new Map<string, S3Client>();

/**
 * An S3 client with the standard credential chain. `endpoint` (or AWS_ENDPOINT_URL_S3 /
 * AWS_ENDPOINT_URL) selects an S3-compatible store; for those, path-style addressing and no
 * aws-chunked/flexible checksums (radosgw rejects streaming checksum uploads).
 */
export function s3Client(endpoint?: string): S3Client {
  const ep = endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const key = ep ?? '';
  let client = clients.get(key);
  if (!client) {
    const timeouts = networkTimeouts();
    client = new S3Client({
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(ep ? { endpoint: ep, forcePathStyle: true } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 4,
      // the client's network timeouts (YUMDA_CONNECT_TIMEOUT, YUMDA_TIMEOUT): a connection, then each wait for data
      requestHandler: { connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.idleMs },
    });
    clients.set(key, client);
  }
  return client;
}

/** The fields of an AWS SDK error that say what went wrong. */
export interface AwsError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function s3Status(e: unknown): number | undefined {
  return (e as AwsError).$metadata?.httpStatusCode;
}

const WRITE_HINT = 'check the credentials and that they may list, read, write and delete under the prefix';

/**
 * Turns an SDK error into one clear line, keeping the exit-code conventions: missing or refused
 * credentials are S3_NO_CREDENTIALS / S3_ACCESS_DENIED (exit 1: the user's to fix), only a store
 * that cannot be reached (no answer, 5xx) is UNREACHABLE (exit 4). `deniedHint` suits the caller
 * (publish needs write access, install only read access).
 */
export function s3Error(e: unknown, what: string, deniedHint = WRITE_HINT): YumdaError {
  if (e instanceof YumdaError) return e;
  const err = e as AwsError;
  const code = s3Status(e);
  if (err.name === 'CredentialsProviderError' || /credential/i.test(err.message ?? '')) {
    return new YumdaError('S3_NO_CREDENTIALS', `${what}: no AWS credentials found`, {
      hint: 'set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the standard AWS credential chain is used)',
      cause: e,
    });
  }
  if (err.name === 'NoSuchBucket') return new YumdaError('NOT_FOUND', `${what}: no such bucket`, { cause: e });
  if (
    code === 401 ||
    code === 403 ||
    [
      'AccessDenied',
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'ExpiredToken',
      'InvalidToken',
      'TokenRefreshRequired',
      'AllAccessDisabled',
    ].includes(err.name ?? '')
  ) {
    return new YumdaError('S3_ACCESS_DENIED', `${what}: access denied (${err.name ?? code})`, {
      hint: deniedHint,
      cause: e,
    });
  }
  if (code === undefined || code >= 500) {
    return new YumdaError('UNREACHABLE', `${what}: ${err.name ?? 'error'}: ${err.message ?? String(e)}`, {
      exitCode: ExitCode.unreachable,
      cause: e,
    });
  }
  return new YumdaError('S3_ERROR', `${what}: ${err.name ?? code}: ${err.message ?? ''}`.trim(), { cause: e });
}
