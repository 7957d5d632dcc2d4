#!/usr/bin/env node
/**
 * The `yumda` executable (bundled to dist/bin/yumda.cjs by scripts/bundle.ts).
 *
 * Node 20 spends most of a small command's time compiling JavaScript, and has no compile cache
 * for ES modules (module.enableCompileCache arrived in Node 22). So the CLI ships as one CommonJS
 * bundle per command group, and this launcher runs the group's bundle through vm.Script with V8's
 * code cache, one per command: $XDG_CACHE_HOME/yumda/v8/GROUP-COMMAND-NODEVERSION-ARCH.cache
 * (when it is written: code-cache.ts). V8 checks a cache against the source, its own version and
 * flags, and rejects a stale or corrupt one. YUMDA_COMPILE_CACHE=0 turns the cache off.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { writeFileAtomicSync } from '../util/fs.js';
import { defaultCacheDir } from '../util/paths.js';
import { isHelpOrVersion, shouldWriteCodeCache } from './code-cache.js';
import { commandOf } from './command-groups.js';

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

function compileCachePath(name: string): string | undefined {
  if (process.env.YUMDA_COMPILE_CACHE === '0') return undefined;
  return join(defaultCacheDir(), 'v8', `${name}-${process.version}-${process.arch}.cache`);
}

function readCache(path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Runs a CommonJS bundle as require() would, compiled with (and then for) the code cache. */
function runBundle(bundle: string, cachePath: string | undefined, helpOrVersion: boolean): void {
  const started = Date.now(); // not performance.now(): that global loads perf_hooks (ten modules) on first use
  let source: string;
  try {
    source = readFileSync(bundle, 'latin1'); // ASCII only (scripts/bundle.ts checks)
  } catch {
    process.stderr.write(`yumda: ${bundle} is missing: this checkout is not built (run npm run build)\n`);
    process.exit(1);
  }
  const cachedData = readCache(cachePath);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  if (cachePath) {
    const accepted = cachedData !== undefined && !script.cachedDataRejected;
    process.once('exit', (exitCode) => {
      if (!shouldWriteCodeCache({ accepted, exitCode, helpOrVersion, elapsedMs: Date.now() - started })) return;
      try {
        mkdirSync(dirname(cachePath), { recursive: true });
        // created at exit, the cache also holds the functions compiled lazily during the run
        writeFileAtomicSync(cachePath, script.createCachedData(), { durable: false });
      } catch {
        // a read-only or full cache directory only costs speed
      }
    });
  }
  const wrapper = script.runInThisContext() as CommonJsWrapper;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

const argv = process.argv.slice(2);
const command = commandOf(argv);
const bundle = command?.group ?? 'all';
// the all-commands bundle runs for --help, --version and unknown commands: its cache is theirs
runBundle(join(dirname(fileURLToPath(import.meta.url)), `${bundle}.cjs`), compileCachePath(command ? `${bundle}-${command.name}` : bundle), command ? isHelpOrVersion(argv) : false);
