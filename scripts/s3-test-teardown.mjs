// tap `after` hook (.taprc): stops the radosgw that test/helpers/s3.ts started, once no tap run
// uses it any more. Test processes register their tap runner's pid in $D/users/; this hook runs as
// a child of the same runner. An instance a developer started (no started-by-tests marker) stays.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = process.env.YUMDA_S3_DIR ?? join(process.env.TMPDIR ?? '/tmp', 'yumda-s3-local');
const users = join(dir, 'users');
rmSync(join(users, String(process.ppid)), { force: true });
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};
const others = existsSync(users) ? readdirSync(users).filter((name) => alive(Number(name))) : [];
if (existsSync(join(dir, 'started-by-tests')) && others.length === 0) {
  const script = fileURLToPath(new URL('./s3-down.sh', import.meta.url));
  execFileSync(script, [], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, YUMDA_S3_DIR: dir } });
}
