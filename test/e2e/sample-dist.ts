/**
 * The sample upstream distribution (test/fixtures/sample-dist/) as Amazon Linux would publish it:
 * each upstream/NAME directory becomes NAME-VERSION.tar.gz plus an SRPM packed by the real
 * `rpmbuild -bs` with dist .amzn2. Packing is reproducible (fixed tar metadata, SOURCE_DATE_EPOCH),
 * so packing an unchanged package twice gives the same bytes and the same checksum.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPath } from '../../src/util/paths.js';

export const sampleDistDir = projectPath('test/fixtures/sample-dist');
export const samplePackages = ['libsample', 'sample-data', 'samplecalc', 'sampled', 'samplegreet'];

/** Packs upstream/NAME (spec text optionally replaced) into DEST/NAME-V-R.amzn2.src.rpm; returns its path. */
export async function packSampleSrpm(
  name: string,
  dest: string,
  options: { upstreamDir?: string; specText?: string } = {},
): Promise<string> {
  const upstream = join(options.upstreamDir ?? join(sampleDistDir, 'upstream'), name);
  const specText = options.specText ?? (await readFile(join(upstream, `${name}.spec`), 'utf8'));
  // rpmbuild records expanded %prep/%build/%install in the header: a topdir named after the content
  // keeps two packings of the same package byte-identical
  const work = join(
    tmpdir(),
    `yumda-pack-${name}-${createHash('sha256').update(specText).update(upstream).digest('hex').slice(0, 12)}`,
  );
  const lock = `${work}.lock`;
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 600) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    await rm(work, { recursive: true, force: true });
    const sources = join(work, 'SOURCES');
    await mkdir(sources, { recursive: true });
    const specFile = join(work, `${name}.spec`);
    await writeFile(specFile, specText);
    for (const entry of await readdir(upstream, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        await execa(
          'tar',
          [
            '--sort=name',
            '--mtime=@0',
            '--owner=0',
            '--group=0',
            '--numeric-owner',
            '-cf',
            join(sources, `${entry.name}.tar`),
            entry.name,
          ],
          { cwd: upstream },
        );
        await execa('gzip', ['-n', '-9', join(sources, `${entry.name}.tar`)]);
      } else if (!entry.name.endsWith('.spec')) {
        await cp(join(upstream, entry.name), join(sources, entry.name));
      }
    }
    await mkdir(dest, { recursive: true });
    const r = await execa(
      'rpmbuild',
      [
        '-bs',
        '--nodeps',
        '--define',
        `_topdir ${work}`,
        '--define',
        `_srcrpmdir ${dest}`,
        '--define',
        'dist .amzn2',
        '--define',
        '_buildhost build.amzn2.invalid',
        '--define',
        'use_source_date_epoch_as_buildtime 1',
        '--define',
        'clamp_mtime_to_source_date_epoch 1',
        specFile,
      ],
      { env: { SOURCE_DATE_EPOCH: '1763856000', LC_ALL: 'C' }, all: true, reject: false },
    );
    if (r.exitCode !== 0) throw new Error(`rpmbuild -bs ${name} failed:\n${r.all}`);
    const m = /Wrote: (\S+\.src\.rpm)/.exec(String(r.all));
    if (!m) throw new Error(`rpmbuild -bs ${name}: no SRPM written:\n${r.all}`);
    return m[1]!;
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(lock, { recursive: true, force: true });
  }
}

/** Packs every sample package into dest; returns name → SRPM path. */
export async function packSampleDist(dest: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(samplePackages.map(async (name) => out.set(name, await packSampleSrpm(name, dest))));
  return out;
}
