/** Targets are data: every target names a macros file that exists and sets the target's dist tag. */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { resolveTarget, targetIds } from '../../src/config/target.js';
import { projectPath } from '../../src/util/paths.js';

t.test('each target has its macros file, with its dist tag and the /opt prefix', async (t) => {
  const ids = targetIds();
  t.ok(ids.includes('al2') && ids.includes('al2023'), `targets: ${ids.join(', ')}`);
  for (const id of ids) {
    const target = resolveTarget(id);
    const path = projectPath(`repo-metadata/macros/${target.macros}`);
    t.ok(existsSync(path), `${id}: ${target.macros} exists`);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    t.match(
      text,
      new RegExp(`^%dist\\s+${target.distTag.replace('.', '\\.')}$`, 'm'),
      `${id}: %dist ${target.distTag}`,
    );
    t.match(text, /^%_prefix\s+\/opt$/m, `${id}: prefix /opt`);
  }
});
