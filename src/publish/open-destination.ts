import { ExitCode, YumdaError } from '../util/errors.js';
import type { Destination } from './destination.js';
import { FileDestination } from './file-destination.js';
import { S3Destination, type S3DestinationOptions } from './s3-destination.js';

/** s3://bucket/prefix or file:///path (a plain absolute path is taken as file://). */
export function openDestination(url: string, options: S3DestinationOptions = {}): Destination {
  if (url.startsWith('s3://')) return new S3Destination(url, options);
  if (url.startsWith('file://')) return new FileDestination(url);
  if (url.startsWith('/')) return new FileDestination(new URL(`file://${url}`).href);
  throw new YumdaError('BAD_URL', `unsupported destination: ${url} (use s3://bucket/prefix or file:///path)`, { exitCode: ExitCode.usage });
}
