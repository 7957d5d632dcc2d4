#!/usr/bin/env node
/**
 * The `yumda` executable (package.json bin). It turns on Node's compile cache, then loads the
 * program: every module loaded after the call is compiled once and its V8 code cache kept on disk,
 * checked against the module's content on each load (a changed file is compiled afresh).
 * The cache lives with yumda's other caches ($XDG_CACHE_HOME/yumda/compile-cache), or in
 * $NODE_COMPILE_CACHE when that is set; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
import module from 'node:module';
import { join } from 'node:path';
import { defaultCacheDir } from '../util/paths.js';

const [major = 0] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`yumda: error: Node ${process.version} is too old: yumda needs Node 24 or newer\n`);
  process.exit(1);
}

module.enableCompileCache(process.env.NODE_COMPILE_CACHE || join(defaultCacheDir(), 'compile-cache'));

// `yumda … | head` closes the pipe early: stop quietly, as cat and grep do, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// imported, not a static import: static imports are loaded before this module's code runs
const { runCli } = await import('./run.js');
process.exitCode = await runCli(process.argv.slice(2));
