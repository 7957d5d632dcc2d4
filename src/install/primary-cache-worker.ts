/** Worker thread of buildPrimaryCache (primary-cache.ts): builds one index file and answers once. */
import { parentPort, workerData } from 'node:worker_threads';
import { boundedChunks, unwrapLimit } from '../repodata/limits.js';
import { toWireError } from '../util/errors.js';
import { writePrimaryCache, type PrimaryIndexJob, type PrimaryIndexResult } from './primary-cache.js';

const job = workerData as PrimaryIndexJob;
unwrapLimit(
  writePrimaryCache(boundedChunks(job.xmlPath, job.openSize, job.label), job.cachePath, job.checksum, job.label),
).then(
  () => parentPort!.postMessage({ ok: true } satisfies PrimaryIndexResult),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: toWireError(e) } satisfies PrimaryIndexResult),
);
