/** Shared shapes of the publisher: what is in DIR, what is at DEST, and the plan between them. */

/** package: anything outside repodata/ (RPMs, keys, …); metadata: repodata files repomd.xml names. */
export type FileRole = 'package' | 'metadata' | 'repomd' | 'signature';

export interface LocalFile {
  /** Path relative to the repository root, forward slashes (also the object key below the prefix). */
  path: string;
  absPath: string;
  size: number;
  sha256: string;
  md5: string;
  role: FileRole;
}

export interface LocalRepo {
  dir: string;
  /** Every file to publish: packages, the metadata repomd.xml names, repomd.xml and its .asc. */
  files: LocalFile[];
  repomd: LocalFile;
  signature: LocalFile | undefined;
  /** Paths (relative) that repomd.xml names. */
  referenced: string[];
}

export interface RemoteObject {
  path: string;
  size: number;
  /** The ETag as the store returned it (quoted for S3). */
  etag: string | undefined;
  /** MD5 of the content, when the store's listing tells it (S3 single-part ETag). */
  md5: string | undefined;
  /** sha256 of the content when known (x-amz-meta-sha256 of S3 objects, hashed for file://). */
  sha256: string | undefined;
  /** When the store last wrote it (S3 LastModified, file mtime). */
  modified?: Date;
}

export interface RemoteState {
  objects: RemoteObject[];
  /** The live repomd.xml when the publish started: its ETag and the files it names. */
  repomd: { etag: string; referenced: string[] } | undefined;
}

export type Phase = 'packages' | 'metadata' | 'commit' | 'signature' | 'cleanup';
export const PHASES: readonly Phase[] = ['packages', 'metadata', 'commit', 'signature', 'cleanup'];

/** How a write is made conditional, so that concurrent publishers cannot overwrite each other. */
export type WriteCondition = { ifMatch: string } | { ifNoneMatch: '*' };

export type PlanStep =
  | {
      phase: 'packages' | 'metadata' | 'signature';
      action: 'upload';
      path: string;
      size: number;
      reason: 'new' | 'changed';
      condition: WriteCondition;
    }
  | {
      phase: 'commit';
      action: 'commit';
      path: string;
      size: number;
      reason: 'new' | 'changed';
      condition: WriteCondition;
    }
  | {
      phase: 'signature' | 'cleanup';
      action: 'delete';
      path: string;
      reason: 'removed-package' | 'old-metadata' | 'stale-signature';
    };

export interface PublishPlan {
  steps: PlanStep[];
  /** Paths already at DEST with the same content. */
  unchanged: string[];
  /** Metadata of the generation being replaced: left in place so readers of the old repomd.xml still find it. */
  keptPreviousGeneration: string[];
  /** Whether repomd.xml changes (a new generation is switched to). */
  switchesGeneration: boolean;
}
