/**
 * Test repositories for the publish tests: small real RPMs from rpmbuild (cached by spec content)
 * copied into a directory and indexed with `yumda repo index` (indexRepository), or with Debian's
 * createrepo_c to show publish takes any createrepo-style repository.
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { buildFixture, fixtureCacheRoot } from '../helpers/rpmbuild.js';
import { indexRepository, type IndexOptions } from '../../src/repodata/index.js';

export interface PackageSpec {
  name: string;
  version?: string;
  release?: string;
  /** Different variants of the same NEVRA have different content (a rebuild). */
  variant?: string;
  /** Extra incompressible payload bytes (stored uncompressed), for multipart uploads. */
  bigBytes?: number;
}

function specText(p: PackageSpec): string {
  return `Name: ${p.name}
Version: ${p.version ?? '1.0'}
Release: ${p.release ?? '1'}
Summary: publish test package ${p.name}
License: MIT
BuildArch: noarch
Prefix: /opt
%define _binary_payload w.ufdio

%description
Variant ${p.variant ?? 'a'} of ${p.name}.

%install
mkdir -p %{buildroot}/opt/share/${p.name}
echo '${p.name} ${p.variant ?? 'a'}' > %{buildroot}/opt/share/${p.name}/data
${p.bigBytes ? `head -c ${p.bigBytes} /dev/urandom > %{buildroot}/opt/share/${p.name}/big` : ''}

%files
/opt/share/${p.name}
`;
}

export async function buildPackage(p: PackageSpec, kind: 'rpm' | 'srpm' = 'rpm'): Promise<string> {
  const text = specText(p);
  const dir = join(fixtureCacheRoot, 'publish-specs');
  await mkdir(dir, { recursive: true });
  const specPath = join(dir, `${p.name}-${p.variant ?? 'a'}-${p.bigBytes ?? 0}.spec`);
  await writeFile(specPath, text);
  const built = await buildFixture(specPath);
  const out = kind === 'rpm' ? built.rpms : built.srpms;
  if (out.length !== 1) throw new Error(`expected one ${kind} from ${specPath}, got ${out.length}`);
  return out[0]!;
}

export interface WriteRepoOptions {
  indexer?: 'yumda' | 'createrepo_c';
  /** Passed to indexRepository (e.g. signKey). */
  index?: IndexOptions;
  kind?: 'rpm' | 'srpm';
}

/** (Re)writes dir to hold exactly these packages under Packages/, indexed. Returns their paths. */
export async function writeRepo(
  dir: string,
  packages: PackageSpec[],
  options: WriteRepoOptions = {},
): Promise<string[]> {
  await rm(join(dir, 'Packages'), { recursive: true, force: true });
  await mkdir(join(dir, 'Packages'), { recursive: true });
  const names: string[] = [];
  for (const p of packages) {
    const rpm = await buildPackage(p, options.kind);
    await copyFile(rpm, join(dir, 'Packages', basename(rpm)));
    names.push(`Packages/${basename(rpm)}`);
  }
  if (options.indexer === 'createrepo_c') {
    const result = await execa('createrepo_c', ['--quiet', '--no-database', '--update', dir], {
      reject: false,
      all: true,
    });
    if (result.exitCode !== 0) throw new Error(`createrepo_c failed:\n${result.all}`);
  } else {
    await indexRepository(dir, { update: true, ...options.index });
  }
  return names;
}
