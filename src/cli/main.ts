#!/usr/bin/env node
import { runCli } from './run.js';

// The AWS SDK warns on every run under Node 20 that its 2027 releases will need Node 22; yumda pins
// the SDK it ships with, so the warning only confuses users. An explicit setting still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `yumda … | head` closes the pipe early: stop quietly, as cat and grep do, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
