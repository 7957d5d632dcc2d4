/**
 * Packages for the target tests, built with the real rpmbuild: noarch ones, x86_64 ones holding a
 * real x86-64 ELF, an aarch64 one (rpmbuild --target aarch64) holding an AArch64 ELF,
 * a mislabelled x86_64 one holding an AArch64 ELF, and a zstd-payload one. The AArch64 ELF is a
 * real x86-64 one with its e_machine set to 183: every ELF reader (file(1), readelf, yumda) sees AArch64.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFixture, fixtureCacheRoot } from '../helpers/rpmbuild.js';
import { buildSources, specFor, type FixtureSource } from '../install/fixtures.js';
import { indexRepository } from '../../src/repodata/index.js';

/**
 * A real x86-64 ELF that needs nothing from the base: Debian's ldconfig is static-pie, so a layer
 * holding it passes `yumda check` with --base none.
 */
export const STATIC_ELF = '/sbin/ldconfig';

/** Shell lines writing the static ELF as an AArch64 one to PATH (e_machine at offset 18, little-endian 183). */
export const aarch64Elf = (path: string): string[] => [
  `mkdir -p $(dirname ${path})`,
  `cp ${STATIC_ELF} ${path}`,
  `printf '\\267\\000' | dd of=${path} bs=1 seek=18 count=2 conv=notrunc status=none`,
];

/** Shell lines writing a relocatable eBPF object (ET_REL, e_machine 247) to PATH: data no loader runs. */
const bpfObject = (path: string): string[] => [
  `mkdir -p $(dirname ${path})`,
  `cp ${STATIC_ELF} ${path}`,
  `printf '\\001\\000\\367\\000' | dd of=${path} bs=1 seek=16 count=4 conv=notrunc status=none`,
];

const x86Elf = (path: string): string[] => [`mkdir -p $(dirname ${path})`, `cp ${STATIC_ELF} ${path}`];

/** No automatic requires: the ELF files would ask for a libc the test repositories do not have. */
const plain = ['AutoReqProv: no'];

export const noarchSources: FixtureSource[] = [
  { name: 'hello', packages: [{ name: 'hello', files: { '/opt/share/hello/greeting': 'hello\n' } }] },
  {
    name: 'zst',
    defines: { _binary_payload: 'w19.zstdio' },
    packages: [{ name: 'zst', files: { '/opt/share/zst/data': 'zstd payload\n' } }],
  },
];

export const x86Sources: FixtureSource[] = [
  {
    name: 'bpfdata',
    preamble: plain,
    packages: [
      {
        name: 'bpfdata',
        arch: 'native',
        install: bpfObject('%{buildroot}/opt/share/bpfdata/prog.o'),
        extraFiles: ['/opt/share/bpfdata/prog.o'],
      },
    ],
  },
  {
    name: 'nat',
    preamble: plain,
    packages: [
      { name: 'nat', arch: 'native', install: x86Elf('%{buildroot}/opt/bin/nat'), extraFiles: ['/opt/bin/nat'] },
    ],
  },
  {
    name: 'liar',
    preamble: plain,
    packages: [
      { name: 'liar', arch: 'native', install: aarch64Elf('%{buildroot}/opt/bin/liar'), extraFiles: ['/opt/bin/liar'] },
    ],
  },
];

export const aarch64Source: FixtureSource = {
  name: 'armonly',
  preamble: plain,
  packages: [
    {
      name: 'armonly',
      arch: 'native',
      install: aarch64Elf('%{buildroot}/opt/bin/armonly'),
      extraFiles: ['/opt/bin/armonly'],
    },
  ],
};

/** rpmbuild --target aarch64 (cached by spec hash by buildFixture). */
export async function buildAarch64(src: FixtureSource): Promise<string[]> {
  const text = specFor(src);
  const dir = join(fixtureCacheRoot, 'target-specs');
  await mkdir(dir, { recursive: true });
  const spec = join(dir, `${src.name}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.spec`);
  await writeFile(spec, text);
  return (await buildFixture(spec, { defines: { _binary_payload: 'w2.xzdio' }, target: 'aarch64' })).rpms;
}

/** Every fixture RPM, by name. */
export async function targetRpms(): Promise<Record<string, string>> {
  const [plainRpms, arm] = await Promise.all([
    buildSources([...noarchSources, ...x86Sources]),
    buildAarch64(aarch64Source),
  ]);
  const byName: Record<string, string> = {};
  for (const rpm of [...plainRpms, ...arm]) byName[/([^/]+)-1\.0-/.exec(rpm)![1]!] = rpm;
  return byName;
}

/** A repository at DIR (Packages/ + repodata/ by yumda's indexer). */
export async function repoAt(dir: string, rpms: string[]): Promise<string> {
  await mkdir(join(dir, 'Packages'), { recursive: true });
  for (const rpm of rpms) await cp(rpm, join(dir, 'Packages', rpm.slice(rpm.lastIndexOf('/') + 1)));
  await indexRepository(dir, { revision: '1' });
  return dir;
}
