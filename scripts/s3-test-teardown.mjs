// tap `after` hook (.taprc): stops the radosgw that test/helpers/s3.ts started for this test run.
// An instance a developer started with scripts/s3-up.sh (no started-by-tests marker) is left running.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = process.env.YUMDA_S3_DIR ?? join(process.env.TMPDIR ?? '/tmp', 'yumda-s3-local');
if (existsSync(join(dir, 'started-by-tests'))) {
  const script = fileURLToPath(new URL('./s3-down.sh', import.meta.url));
  execFileSync(script, [], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, YUMDA_S3_DIR: dir } });
}
