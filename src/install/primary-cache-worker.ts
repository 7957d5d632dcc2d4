/** Worker thread of buildPrimaryCache (primary-cache.ts): builds one index file and answers once. */
import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../util/errors.js';
import { indexPrimaryFile, type PrimaryIndexJob, type PrimaryIndexResult } from './primary-cache.js';

indexPrimaryFile(workerData as PrimaryIndexJob).then(
  () => parentPort!.postMessage({ ok: true } satisfies PrimaryIndexResult),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: toWireError(e) } satisfies PrimaryIndexResult),
);
