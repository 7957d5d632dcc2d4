/**
 * Bundles the compiled CLI (dist/src) into dist/bin, what the `yumda` executable runs:
 *   dist/bin/yumda.cjs          the launcher (src/cli/launch.ts): picks a bundle, runs it with V8's code cache
 *   dist/bin/GROUP.cjs          one CommonJS bundle per command group (src/cli/command-groups.ts),
 *                               holding only that group's command modules
 *   dist/bin/all.cjs            every command (--help, unknown commands and their suggestions)
 *   dist/bin/entry-worker.js    the indexer's worker thread (ESM; found beside the bundle that starts it)
 * Run by `npm run build` after tsc. esbuild only bundles; type checking is tsc's.
 */
import { build, type Plugin } from 'esbuild';
import { chmod, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { commandGroups } from '../src/cli/command-groups.js';
import { projectPath } from '../src/util/paths.js';

const out = projectPath('dist/bin');
const compiled = (path: string): string => projectPath('dist/src', path);

/** Native, or large and only needed by one network command: loaded from node_modules when used. */
const external = ['lzma-native', '@aws-sdk/*', 'openpgp', '@snyk/rpm-parser', 'sql.js'];

/** Leaves out the command modules of other groups (program.ts imports a group's modules only for that group). */
function onlyCommandModules(modules: readonly string[] | undefined): Plugin {
  return {
    name: 'only-command-modules',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[\w-]+\.js$/ }, (args) => {
        if (!modules || !args.importer.endsWith('/cli/program.js')) return undefined;
        const name = args.path.slice('./commands/'.length, -'.js'.length);
        return modules.includes(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

/**
 * Builtins loaded on first use instead of at load. Modules that spawn, hash, inflate, do async
 * file I/O or start threads import them, but a warm `install --dry-run` does none of it:
 * child_process (which pulls in net, dgram and more; commander requires it at load too) about
 * 3 ms, zlib, crypto and fs/promises (with readline) 1-2 ms each, of a 70 ms run; an
 * `index --update` that reads inline never starts a worker thread. The stand-in answers the key and
 * descriptor queries of esbuild's interop helper from the export names the build's Node has, and
 * loads the real module on the first property read (childProcess.spawn, a named import's first use).
 */
const LAZY_BUILTINS = ['child_process', 'zlib', 'crypto', 'fs/promises', 'worker_threads'];

function lazyBuiltins(names: readonly string[]): Plugin {
  const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
  const nodeRequire = createRequire(import.meta.url);
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        const name = args.path.replace(/^node:/, '');
        // the stand-in's own require is the real module
        if (args.namespace === 'lazy-builtin') return { path: `node:${name}`, external: true };
        return { path: name, namespace: 'lazy-builtin' };
      });
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        // the export names, known without loading: esbuild's interop copies them (to import by name)
        const keys = Object.getOwnPropertyNames(nodeRequire(`node:${args.path}`));
        return {
          contents: `const keys = ${JSON.stringify(keys)};
let real;
const load = () => (real ??= require("node:${args.path}"));
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => keys.includes(key) || key in load(),
  ownKeys: () => keys,
  getOwnPropertyDescriptor: (_, key) => (keys.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined),
});`,
          loader: 'js',
        };
      });
    },
  };
}

/** Options every output shares: one file, Node 20, the heavy dependencies left in node_modules. */
const common = { bundle: true, platform: 'node', target: 'node20', external, logLevel: 'warning' } as const;

/**
 * A CommonJS bundle of a compiled entry. import.meta.url becomes the bundle's own URL: paths.ts
 * finds the project from it, entry-pool.ts its worker beside it.
 */
const commonJs = {
  ...common,
  format: 'cjs',
  define: { 'import.meta.url': '__yumdaBundleUrl' },
  banner: { js: "const __yumdaBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
} as const;

async function bundleCli(name: string, modules: readonly string[] | undefined): Promise<void> {
  await build({
    ...commonJs,
    // main.js through an import, not as the entry point: esbuild keeps an entry's #! line, which
    // the launcher's function wrapper cannot compile (main.js keeps it for running it directly)
    stdin: { contents: "import './main.js';", resolveDir: compiled('cli'), sourcefile: 'bundle-entry.js' },
    outfile: `${out}/${name}.cjs`,
    // import() becomes require(): Node 20 loses a vm.Script's dynamic-import callback when the
    // script comes from a code cache ("A dynamic import callback was not specified")
    supported: { 'dynamic-import': false },
    plugins: [onlyCommandModules(modules), lazyBuiltins(LAZY_BUILTINS)],
    // no comments or indentation: less to read and hash on every run (names stay, for stack traces)
    minifyWhitespace: true,
    lineLimit: 400,
  });
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await Promise.all([
  ...commandGroups.map((g) => bundleCli(g.id, g.modules)),
  bundleCli('all', undefined),
  build({ ...common, format: 'esm', entryPoints: [compiled('repodata/entry-worker.js')], outfile: `${out}/entry-worker.js` }),
  build({ ...commonJs, entryPoints: [compiled('cli/launch.js')], outfile: `${out}/yumda.cjs`, plugins: [lazyBuiltins(LAZY_BUILTINS)] }),
]);
await chmod(`${out}/yumda.cjs`, 0o755);

// The launcher reads bundles as latin1 (a third of the time of utf8 for the client bundle, and V8
// keeps a one-byte string): that is only right for ASCII. esbuild escapes non-ASCII by default.
for (const name of await readdir(out)) {
  const bytes = await readFile(join(out, name));
  const at = bytes.findIndex((b) => b > 0x7f);
  if (at >= 0) throw new Error(`dist/bin/${name}: non-ASCII byte at offset ${at}: ${bytes.subarray(Math.max(0, at - 40), at + 10).toString()}`);
}
