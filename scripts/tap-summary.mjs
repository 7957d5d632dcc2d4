#!/usr/bin/env node
// Reads TAP 14 output (tap --reporter=tap) on stdin, echoes it, and ends with "N passed, N failed".
// A test is a subtest directly inside a test file (indent 4); a file that fails without any failing
// test (a crash, a timeout) counts as one failed test.
import { createInterface } from 'node:readline';

const rl = createInterface({ input: process.stdin });
let passed = 0,
  failed = 0,
  skipped = 0,
  fileFailedChildren = 0;
const failures = [];
for await (const line of rl) {
  process.stdout.write(line + '\n');
  const m = /^( *)(not ok|ok) \d+ - (.*)$/.exec(line);
  if (!m) continue;
  const depth = m[1].length / 4;
  const ok = m[2] === 'ok';
  const directive = /# (SKIP|TODO)/i.test(m[3]);
  if (depth === 1) {
    if (directive) skipped++;
    else if (ok) passed++;
    else {
      failed++;
      fileFailedChildren++;
      failures.push(m[3]);
    }
  } else if (depth === 0) {
    if (!ok && fileFailedChildren === 0) {
      failed++;
      failures.push(`${m[3]} (the file itself failed)`);
    }
    fileFailedChildren = 0;
  }
}
if (failures.length) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
if (skipped) process.stdout.write(`${skipped} skipped\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
