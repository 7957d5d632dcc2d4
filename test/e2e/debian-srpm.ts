/**
 * Packs an Amazon Linux 2 spec with Debian's upstream tarball into a source RPM, "as if Amazon Linux
 * had moved the package to Debian's version". This is the thin, test-only layer between AL2's specs
 * (written for AL2's older upstream versions, with AL2's patch files, which the corpus does not hold)
 * and the upstream sources Debian's archive serves. What it changes is data, one file per package in
 * test/fixtures/debian-adapt/NAME.yaml (see the README there); everything else (the /opt port, what
 * Lambda needs) is the production overlays' job (specs/*.yaml, patches/), which `yumda build` applies
 * to these SRPMs exactly as to AL2's own.
 *
 * What it always does: the Version becomes Debian's upstream version; every Patch the spec names is
 * an empty file (AL2's patches are for its older upstream versions, and the corpus has the specs
 * only: %patch applies an empty file as a no-op, so the spec text stays AL2's and the production
 * overlays apply to it as written); the orig tarball is repacked under the name and top directory
 * the spec expects; every other Source gets a stand-in: a tarball with its top directory for
 * archives, a one-line comment otherwise, or the content the adaptation gives.
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod/v3';
import { buildMacroFiles } from '../../src/config/macros.js';
import { quoteBareWords } from '../../src/build/rpm-compat.js';
import { evaluateSpec } from '../../src/spec/evaluate.js';
import { parseSpec } from '../../src/spec/parse.js';
import { projectPath } from '../../src/util/paths.js';
import type { DebianOrig } from './debian-source.js';

export const ADAPT_DIR = projectPath('test/fixtures/debian-adapt');
/** Packing is AL2's side: only the stand-ins for AL2's own macros, not the lambda2 layout. */
const AL2_STANDINS = buildMacroFiles()[0]!;

const adaptSchema = z
  .object({
    /** Debian's source package name (default: the file's name). */
    debian: z.string().optional(),
    /** Why each change is needed (free text, required: the layer must stay explained). */
    notes: z.string().min(1),
    /** The Version to write when it is not Debian's upstream version as is (libedit: "3.1" of "3.1-20221030"). */
    version: z.string().optional(),
    /** The subdirectory of Debian's tarball that is the release (expat: the repository's "expat/"). */
    subdir: z.string().optional(),
    /** Literal replacements on AL2's spec; each must match (count: exactly that many times). {VERSION} in `with` is the new version. */
    replace: z
      .array(
        z.object({ find: z.string().min(1), with: z.string(), count: z.number().int().positive().optional() }).strict(),
      )
      .default([]),
    /** Contents of Sources that need more than a stand-in comment. */
    sources: z.record(z.string()).default({}),
    /**
     * Production Lambda patches (patches/NAME/) that are written for AL2's version and whose code
     * is gone from Debian's: applied as empty files (no-ops) by this test only, each with its reason.
     */
    obsoleteLambdaPatches: z.record(z.string().min(1)).default({}),
  })
  .strict();
export type Adaptation = z.infer<typeof adaptSchema>;

export async function loadAdaptation(name: string): Promise<Adaptation> {
  const file = join(ADAPT_DIR, `${name}.yaml`);
  return adaptSchema.parse(parseYaml(await readFile(file, 'utf8')) ?? {});
}

/** The AL2 spec with the adaptation applied (pure). */
export function adaptSpec(al2: string, version: string, adapt: Adaptation): string {
  let text = al2;
  const v = adapt.version ?? version;
  for (const r of adapt.replace) {
    const n = text.split(r.find).length - 1;
    if (n === 0 || (r.count !== undefined && n !== r.count))
      throw new Error(
        `adaptation: "${r.find.slice(0, 60)}" occurs ${n} times${r.count ? `, expected ${r.count}` : ''}`,
      );
    text = text.split(r.find).join(r.with.replaceAll('{VERSION}', v));
  }
  // the main package's Version tag; a macro value (%{openssh_ver}) is left to the replacements
  text = text.replace(/^(Version:\s*)([0-9][^\s%]*)\s*$/m, `$1${v}`);
  return text;
}

interface SpecSources {
  /** Expanded file names of Source tags, in order; the first is the upstream tarball. */
  files: string[];
  /** Expanded file names of Patch tags. */
  patches: string[];
  version: string;
}

function specSources(text: string): SpecSources {
  const target = { macroFiles: [readFileSync(AL2_STANDINS, 'utf8')] };
  const spec = parseSpec(text);
  const evaluated = evaluateSpec(spec, target);
  const named = (key: string): string[] =>
    spec.tags
      .filter((t) => t.key === key && t.section === 0)
      .sort((a, b) => Number(/\d+$/.exec(a.name)?.[0] ?? 0) - Number(/\d+$/.exec(b.name)?.[0] ?? 0))
      .map((t) => basename(evaluated.macros.expand(t.value).trim()));
  return { files: named('source'), patches: named('patch'), version: evaluated.version };
}

const COMPRESS: Array<[RegExp, string[]]> = [
  [/\.tar\.gz$|\.tgz$/, ['-z']],
  [/\.tar\.bz2$/, ['-j']],
  [/\.tar\.xz$/, ['-J']],
];

function tarFlags(file: string): string[] | undefined {
  return COMPRESS.find(([re]) => re.test(file))?.[1];
}

/** Repacks Debian's orig tarball as `dest` with `topDir` as its top directory (copied when it already is). */
async function repack(
  orig: string,
  dest: string,
  topDir: string,
  subdir: string | undefined,
  scratch: string,
): Promise<void> {
  const flags = tarFlags(dest);
  if (!flags) throw new Error(`${dest}: unknown archive type for the upstream tarball`);
  const listing = String((await execa('tar', ['-tf', orig])).stdout).split('\n');
  const tops = [...new Set(listing.filter(Boolean).map((p) => p.split('/')[0]!))];
  if (tops.length !== 1) throw new Error(`${orig}: expected one top directory, found ${tops.join(', ')}`);
  if (!subdir && tops[0] === topDir && tarFlags(orig)?.[0] === flags[0]) {
    await copyFile(orig, dest);
    return;
  }
  const dir = await mkdtemp(join(scratch, 'repack-'));
  await execa('tar', ['-xf', orig, '-C', dir]);
  const staged = join(dir, '.staged');
  await mkdir(staged);
  await rename(join(dir, tops[0]!, subdir ?? ''), join(staged, topDir));
  // fast compression levels: the archive lives only as long as the test
  await execa('tar', ['-c', ...flags, '-f', dest, '-C', staged, topDir], {
    env: { GZIP: '-1', XZ_OPT: '-0 -T0', BZIP2: '-1' },
  });
  await rm(dir, { recursive: true, force: true });
}

/** A stand-in for a Source the corpus does not hold. */
async function standIn(dest: string, content: string | undefined): Promise<void> {
  const flags = tarFlags(dest);
  if (content === undefined && flags) {
    const top = basename(dest).replace(/\.(tar\.(gz|bz2|xz)|tgz)$/, '');
    const dir = await mkdtemp(join(dest, '..', '.standin-'));
    await mkdir(join(dir, top));
    await writeFile(
      join(dir, top, 'README.standin'),
      `stand-in for Amazon Linux 2's ${basename(dest)} (not in the spec corpus)\n`,
    );
    await execa('tar', ['-c', ...flags, '-f', dest, '-C', dir, top]);
    await rm(dir, { recursive: true, force: true });
    return;
  }
  await writeFile(dest, content ?? `# stand-in for Amazon Linux 2's ${basename(dest)} (not in the spec corpus)\n`);
}

export interface PackResult {
  name: string;
  srpm: string;
  version: string;
}

/**
 * Packs `name`'s AL2 spec (al2Spec) with Debian's tarball into `srpmDir` (rpmbuild -bs --nodeps,
 * dist .amzn2, as AL2 names its SRPMs).
 */
export async function packDebianSrpm(
  name: string,
  al2Spec: string,
  orig: DebianOrig,
  srpmDir: string,
  scratch: string,
): Promise<PackResult> {
  const adapt = await loadAdaptation(name);
  const text = adaptSpec(await readFile(al2Spec, 'utf8'), orig.version, adapt);
  const pack = join(scratch, `pack-${name}`);
  await rm(pack, { recursive: true, force: true });
  await mkdir(join(pack, 'SOURCES'), { recursive: true });
  const sources = specSources(text);
  const [tarball, ...others] = sources.files;
  if (!tarball) throw new Error(`${name}: the spec names no Source`);
  const topDir = tarball.replace(/\.(tar\.(gz|bz2|xz)|tgz)$/, '');
  await repack(orig.orig, join(pack, 'SOURCES', tarball), topDir, adapt.subdir, pack);
  for (const file of others) await standIn(join(pack, 'SOURCES', file), adapt.sources[file]);
  // AL2's patches are for its older upstream versions (and not in the corpus): empty stand-ins, which
  // %patch and %autosetup apply as no-ops, so the spec's text stays AL2's
  for (const file of sources.patches) await writeFile(join(pack, 'SOURCES', file), '');
  const spec = join(pack, `${name}.spec`);
  // AL2's rpm 4.11 packed its SRPMs; Debian's rpm 4.18 cannot parse bare words in %if (the same
  // quoting yumda build applies to every prepared spec, src/build/rpm-compat.ts)
  await writeFile(spec, quoteBareWords(text).text);
  await mkdir(srpmDir, { recursive: true });
  const r = await execa(
    'rpmbuild',
    [
      '-bs',
      '--nodeps',
      '--define',
      `_topdir ${pack}`,
      '--define',
      `_srcrpmdir ${srpmDir}`,
      '--define',
      'dist .amzn2',
      '--load',
      AL2_STANDINS,
      spec,
    ],
    { reject: false, all: true },
  );
  if (r.exitCode !== 0)
    throw new Error(`${name}: rpmbuild -bs failed: ${String(r.all).split('\n').slice(-5).join(' | ')}`);
  const written = /Wrote:\s*(\S+\.src\.rpm)/.exec(String(r.all))?.[1];
  if (!written) throw new Error(`${name}: rpmbuild -bs wrote no SRPM`);
  return { name, srpm: written, version: sources.version };
}

/**
 * A copy of the production patches directory for this test: the production patches, except those an
 * adaptation declares obsolete for Debian's version, which become empty (no-op) files.
 */
export async function testPatchesDir(names: string[], productionDir: string, dest: string): Promise<string> {
  await rm(dest, { recursive: true, force: true });
  await execa('cp', ['-a', productionDir, dest]);
  for (const name of names) {
    const adapt = await loadAdaptation(name);
    for (const file of Object.keys(adapt.obsoleteLambdaPatches)) {
      const path = join(dest, name, file);
      await readFile(path); // must exist in production: a stale entry is an error
      await writeFile(path, '');
    }
  }
  return dest;
}
