import { S3Client } from '@aws-sdk/client-s3';
import { YumdaError } from './errors.js';
import { networkTimeouts } from './fetch.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading slash, '' or ending in '/'. */
  prefix: string;
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) throw new YumdaError('BAD_S3_URL', `not an S3 URL: ${url} (expected s3://bucket/prefix)`, { exitCode: 2 });
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
