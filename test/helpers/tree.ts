import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The paths under `dir`, sorted: directories end in '/', files carry their size with `sizes`
 * (to see a layer was left exactly as it was). A missing directory lists as empty.
 */
export function listTree(dir: string, options: { sizes?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(r + '/');
        walk(join(d, e.name), r);
      } else out.push(options.sizes ? `${r} ${statSync(join(d, e.name)).size}` : r);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out.sort();
}
