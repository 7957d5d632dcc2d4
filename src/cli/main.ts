#!/usr/bin/env node
import { runCli } from './run.js';

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
