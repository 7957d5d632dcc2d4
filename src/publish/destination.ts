/** Where a repository is published: an S3 prefix or a local directory, behind one interface. */
import type { Readable } from 'node:stream';
import { ExitCode, YumdaError } from '../util/errors.js';
import type { LocalFile, RemoteObject, WriteCondition } from './types.js';

export interface PutOptions {
  condition: WriteCondition;
  contentType: string;
  cacheControl: string;
  signal?: AbortSignal;
}

export interface Destination {
  /** The destination as the user wrote it (s3://bucket/prefix/ or file:///path/). */
  readonly url: string;
  /**
   * Every object below the destination, paths relative to it; with a prefix (e.g. ".yumda/deleting/")
   * only those below it. Without one, the publisher's own bookkeeping below ".yumda/" is left out.
   */
  list(prefix?: string): Promise<RemoteObject[]>;
  /** The sha256 of an object whose listing did not tell (S3 multipart objects, local files). */
  lookupSha256(object: RemoteObject): Promise<string | undefined>;
  /** A small object's content and ETag, or undefined when it does not exist. */
  readSmall(path: string): Promise<{ body: Buffer; etag: string } | undefined>;
  /** Streams an object (for verification). */
  open(path: string): Promise<Readable>;
  /**
   * Writes a file if the condition holds. When it does not, resolves to 'conflict' — unless the
   * object already holds the same content (a concurrent publisher wrote the same bytes), which
   * counts as written.
   */
  put(file: LocalFile, options: PutOptions): Promise<'written' | 'conflict'>;
  /** Creates a small object (bookkeeping such as deletion markers) only if none exists at path. */
  create(path: string, body: Buffer): Promise<'written' | 'conflict'>;
  delete(path: string): Promise<void>;
  /** Releases resources (locks of file:// destinations). */
  close(): Promise<void>;
}

/** The publisher's own bookkeeping below DEST, never published, planned or pruned as repository content. */
export const BOOKKEEPING_PREFIX = '.yumda/';

export function conflictError(url: string, path: string): YumdaError {
  return new YumdaError(
    'PUBLISH_CONFLICT',
    `another publisher changed ${url.replace(/\/?$/, '/')}${path} while this publish ran; this publish stopped and switched nothing`,
    {
      exitCode: ExitCode.failure,
      hint: 'run the publish again: it starts from the repository the other publisher left',
    },
  );
}
