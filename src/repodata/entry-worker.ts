/** Worker thread of EntryPool: reads one package per message and answers with its rendered XML. */
import { parentPort } from 'node:worker_threads';
import { isYumdaError } from '../util/errors.js';
import { readAndRender, type ReadRequest, type ReadResponse } from './entry-pool.js';

parentPort?.on('message', (req: ReadRequest) => {
  readAndRender(req).then(
    (entry) => parentPort!.postMessage({ id: req.id, ok: true, entry } satisfies ReadResponse),
    (e: unknown) => {
      const error = isYumdaError(e)
        ? { code: e.code, message: e.message, exitCode: e.exitCode, hint: e.hint, yumda: true as const }
        : { message: (e as Error).message, yumda: false as const };
      parentPort!.postMessage({ id: req.id, ok: false, error } satisfies ReadResponse);
    },
  );
});
