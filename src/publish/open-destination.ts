import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExitCode, YumdaError } from '../util/errors.js';
import type { Destination } from './destination.js';
import { FileDestination } from './file-destination.js';
import { S3Destination, type S3DestinationOptions } from './s3-destination.js';

/** s3://bucket/prefix or file:///path; a plain path (absolute or relative to the working directory) is a directory. */
export function openDestination(url: string, options: S3DestinationOptions = {}): Destination {
  if (url.startsWith('s3://')) return new S3Destination(url, options);
  if (url.startsWith('file://')) return new FileDestination(url);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return new FileDestination(pathToFileURL(resolve(url)).href);
  throw new YumdaError(
    'BAD_URL',
    `unsupported destination: ${url} (use s3://bucket/prefix, file:///path or a directory)`,
    { exitCode: ExitCode.usage },
  );
}
