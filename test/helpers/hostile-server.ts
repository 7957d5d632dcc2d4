/**
 * A hostile HTTP server on 127.0.0.1 for the repository-client attack tests: files from a directory
 * as usual, and per-path misbehaviour the static server cannot do: a body that never ends, a
 * connection accepted and never answered, a body that stalls after its headers, a status. Counts
 * the bytes it sent per path, so a test can show a transfer was cut off early.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join, normalize } from 'node:path';
import { isYumdaError } from '../../src/util/errors.js';

export type Behaviour =
  /** Headers, then `chunk` repeated forever (until the client goes away). */
  | { endless: string | Buffer; headers?: Record<string, string> }
  /** Accept the connection, read the request, never answer. */
  | { hang: true }
  /** Send headers (and `prefix`), then nothing more, never end. */
  | { stall: true; prefix?: string }
  /** Headers, then one byte every `everyMs`, forever (never idle, never done). */
  | { drip: number }
  /** Answer with this status and a short body. */
  | { status: number; body?: string };

export interface HostileServer {
  url: string;
  /** Requests so far (URL paths), in order. */
  requests: string[];
  /** Bytes of body sent per URL path. */
  sent: Map<string, number>;
  on(urlPath: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function hostileServer(dir: string): Promise<HostileServer> {
  const root = normalize(dir);
  const behaviours = new Map<string, Behaviour>();
  const requests: string[] = [];
  const sent = new Map<string, number>();
  const sockets = new Set<Socket>();
  const count = (path: string, n: number): void => {
    sent.set(path, (sent.get(path) ?? 0) + n);
  };

  const endless = (res: ServerResponse, path: string, chunk: Buffer, headers: Record<string, string>): void => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    const pump = (): void => {
      while (!res.destroyed) {
        count(path, chunk.length);
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(path);
    const b = behaviours.get(path);
    if (b && 'hang' in b) return; // never answered
    if (b && 'stall' in b) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      if (b.prefix) res.write(b.prefix);
      return;
    }
    if (b && 'drip' in b) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => {
        count(path, 1);
        res.write(' ');
      }, b.drip);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (b && 'status' in b) {
      res.writeHead(b.status, { 'content-type': 'text/plain' }).end(b.body ?? '');
      return;
    }
    if (b && 'endless' in b) {
      endless(res, path, Buffer.isBuffer(b.endless) ? b.endless : Buffer.from(b.endless), b.headers ?? {});
      return;
    }
    void (async () => {
      const file = normalize(join(root, decodeURIComponent(path)));
      const info = file.startsWith(root) ? await stat(file).catch(() => null) : null;
      if (!info?.isFile()) {
        res.writeHead(404).end('not found\n');
        return;
      }
      const body = await readFile(file);
      count(path, body.length);
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    })();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    sent,
    on(urlPath, behaviour) {
      behaviours.set(urlPath.startsWith('/') ? urlPath : `/${urlPath}`, behaviour);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The YumdaError a promise fails with, as code, message and exit code ({ code: 'none' } when it does not fail). */
export async function failureOf(p: Promise<unknown>): Promise<{ code: string; message: string; exitCode: number }> {
  try {
    await p;
  } catch (e) {
    if (isYumdaError(e)) return { code: e.code, message: e.message, exitCode: e.exitCode };
    throw e;
  }
  return { code: 'none', message: 'no error', exitCode: 0 };
}
