/** Worker thread of EntryPool: reads one package per message and answers with its rendered XML. */
import { parentPort } from 'node:worker_threads';
import { toWireError } from '../util/errors.js';
import { readAndRender, type ReadRequest, type ReadResponse } from './entry-pool.js';

parentPort?.on('message', (req: ReadRequest) => {
  readAndRender(req).then(
    (entry) => parentPort!.postMessage({ id: req.id, ok: true, entry } satisfies ReadResponse),
    (e: unknown) => parentPort!.postMessage({ id: req.id, ok: false, error: toWireError(e) } satisfies ReadResponse),
  );
});
