#!/usr/bin/env node
/**
 * The `yumda` executable (bundled to dist/bin/yumda.cjs by scripts/bundle.ts).
 *
 * Node 20 spends most of a small command's time compiling JavaScript, and has no compile cache
 * for ES modules (module.enableCompileCache arrived in Node 22). So the CLI ships as one CommonJS
 * bundle per command group, and this launcher runs the group's bundle through vm.Script with V8's
 * code cache: the first run of a group writes the compiled code to
 * $XDG_CACHE_HOME/yumda/v8/GROUP-NODEVERSION-ARCH.cache, later runs skip the compilation. V8 checks
 * the cache against the source and its own version and flags, and rejects a stale or corrupt one;
 * the launcher then writes a new one. YUMDA_COMPILE_CACHE=0 turns the cache off.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { writeFileAtomicSync } from '../util/fs.js';
import { defaultCacheDir } from '../util/paths.js';
import { commandGroupOf } from './command-groups.js';

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

function compileCachePath(bundleName: string): string | undefined {
  if (process.env.YUMDA_COMPILE_CACHE === '0') return undefined;
  return join(defaultCacheDir(), 'v8', `${bundleName}-${process.version}-${process.arch}.cache`);
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
function runBundle(bundle: string, cachePath: string | undefined): void {
  let source: string;
  try {
    source = readFileSync(bundle, 'utf8');
  } catch {
    process.stderr.write(`yumda: ${bundle} is missing: this checkout is not built (run npm run build)\n`);
    process.exit(1);
  }
  const cachedData = readCache(cachePath);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  if (cachePath && (!cachedData || script.cachedDataRejected)) {
    // At exit the cache also holds the functions compiled lazily during the run.
    process.once('exit', () => {
      try {
        mkdirSync(dirname(cachePath), { recursive: true });
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

const bundleName = commandGroupOf(process.argv.slice(2)) ?? 'all';
runBundle(join(dirname(fileURLToPath(import.meta.url)), `${bundleName}.cjs`), compileCachePath(bundleName));
