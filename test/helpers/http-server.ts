/**
 * A small static HTTP server for tests: serves a directory on 127.0.0.1 at a random port, with
 * hooks to make a path misbehave (an HTTP status, a corrupted body, a dropped connection), for a
 * number of requests or for good. Every request is logged so tests can assert what was fetched.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join, normalize, sep } from 'node:path';

export type Fault =
  /** Answer with this HTTP status and no body. */
  | { status: number }
  /** Serve the file with some bytes flipped (same length, so only a checksum can tell). */
  | { corrupt: true }
  /** Close the socket without answering. */
  | { drop: true };

export interface ServedDirectory {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** Paths requested so far, in order (URL paths, e.g. "/repodata/repomd.xml"). */
  requests: string[];
  /** Makes requests for urlPath fail; `times` limits it to the next N requests (default: always). */
  inject(urlPath: string, fault: Fault, times?: number): void;
  /** Removes every injected fault. */
  clearFaults(): void;
  close(): Promise<void>;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

function resolveInside(root: string, urlPath: string): string | null {
  const decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  const full = normalize(join(root, decoded));
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : null;
}

/** Serves `dir` read-only over HTTP on 127.0.0.1 (random port). Call close() when done. */
export async function serveDirectory(dir: string): Promise<ServedDirectory> {
  const root = normalize(dir);
  const faults = new Map<string, ActiveFault>();
  const requests: string[] = [];

  const server: Server = createServer((req, res) => {
    const urlPath = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(urlPath);
    const active = faults.get(urlPath);
    let fault: Fault | undefined;
    if (active && active.remaining > 0) {
      active.remaining--;
      fault = active.fault;
    }
    if (fault && 'drop' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`injected HTTP ${fault.status}\n`);
      return;
    }
    const path = resolveInside(root, urlPath);
    void (async () => {
      const info = path ? await stat(path).catch(() => null) : null;
      if (!path || !info || !info.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-length': String(info.size), 'content-type': 'application/octet-stream' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const stream = createReadStream(path);
      if (fault && 'corrupt' in fault) {
        let first = true;
        stream.on('data', (chunk) => {
          const buf = Buffer.from(chunk as Buffer);
          if (first && buf.length > 0) {
            // flip bytes near the end of the first chunk: past any header, so parsers still succeed
            const at = Math.max(0, buf.length - 1 - Math.min(64, buf.length - 1));
            buf[at] = (buf[at] ?? 0) ^ 0xff;
            first = false;
          }
          res.write(buf);
        });
        stream.on('end', () => res.end());
      } else {
        stream.pipe(res);
      }
      stream.on('error', () => res.destroy());
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('test HTTP server has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    inject(urlPath, fault, times = Number.POSITIVE_INFINITY) {
      faults.set(urlPath.startsWith('/') ? urlPath : `/${urlPath}`, { fault, remaining: times });
    },
    clearFaults() {
      faults.clear();
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port that was just free), for "unreachable" tests. */
export async function deadUrl(): Promise<string> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const address = probe.address();
  const port = address && typeof address !== 'string' ? address.port : 9;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
