import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir, removed when test `t` ends. */
export async function scratchDir(t: { teardown: (fn: () => unknown) => void }, label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `yumda-${label}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
