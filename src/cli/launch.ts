#!/usr/bin/env node
/**
 * The `yumda` executable (bundled to dist/bin/yumda.cjs by scripts/bundle.ts).
 *
 * Node 20 spends most of a small command's time compiling JavaScript, and has no compile cache
 * for ES modules (module.enableCompileCache arrived in Node 22). So the CLI ships as one CommonJS
 * bundle per command group, and this launcher runs the group's bundle through vm.Script with V8's
 * code cache, one per command: $XDG_CACHE_HOME/yumda/v8/GROUP-COMMAND-NODEVERSION-ARCH.cache.
 * The cache is written at the end of the command's first successful run (not by --help or
 * --version, whose code is a small part of the command's), so it holds what the command compiled.
 * V8 checks a cache against the source, its own version and flags, and rejects a stale or corrupt
 * one; the launcher then writes a new one. YUMDA_COMPILE_CACHE=0 turns the cache off.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { writeFileAtomicSync } from '../util/fs.js';
import { defaultCacheDir } from '../util/paths.js';
import { commandOf } from './command-groups.js';

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

function compileCachePath(name: string): string | undefined {
  if (process.env.YUMDA_COMPILE_CACHE === '0') return undefined;
  return join(defaultCacheDir(), 'v8', `${name}-${process.version}-${process.arch}.cache`);
}

/** Help and version runs compile little of a command: a cache written by them would stay that small. */
function writesCache(argv: readonly string[]): boolean {
  return !argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');
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
function runBundle(bundle: string, cachePath: string | undefined, writeCache: boolean): void {
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
  if (cachePath && writeCache && (!cachedData || script.cachedDataRejected)) {
    // At exit the cache also holds the functions compiled lazily during the run.
    process.once('exit', (code) => {
      if (code !== 0) return;
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

const argv = process.argv.slice(2);
const command = commandOf(argv);
const bundle = command?.group ?? 'all';
runBundle(join(dirname(fileURLToPath(import.meta.url)), `${bundle}.cjs`), compileCachePath(command ? `${bundle}-${command.name}` : bundle), command ? writesCache(argv) : true);
