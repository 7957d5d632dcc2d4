/**
 * Test repositories for the publish tests: small real RPMs from rpmbuild (cached by spec content)
 * copied into a directory and indexed with createrepo_c.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { buildFixture, fixtureCacheRoot } from '../helpers/rpmbuild.js';

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

export async function buildPackage(p: PackageSpec): Promise<string> {
  const text = specText(p);
  const dir = join(fixtureCacheRoot, 'publish-specs');
  await mkdir(dir, { recursive: true });
  const specPath = join(dir, `${p.name}-${p.variant ?? 'a'}-${p.bigBytes ?? 0}.spec`);
  await writeFile(specPath, text);
  const built = await buildFixture(specPath);
  if (built.rpms.length !== 1) throw new Error(`expected one RPM from ${specPath}, got ${built.rpms.length}`);
  return built.rpms[0]!;
}

/** (Re)writes dir to hold exactly these packages under Packages/, indexed by createrepo_c. */
export async function writeRepo(dir: string, packages: PackageSpec[]): Promise<string[]> {
  await rm(join(dir, 'Packages'), { recursive: true, force: true });
  await mkdir(join(dir, 'Packages'), { recursive: true });
  const names: string[] = [];
  for (const p of packages) {
    const rpm = await buildPackage(p);
    await copyFile(rpm, join(dir, 'Packages', basename(rpm)));
    names.push(`Packages/${basename(rpm)}`);
  }
  const result = await execa('createrepo_c', ['--quiet', '--no-database', '--update', dir], { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`createrepo_c failed:\n${result.all}`);
  return names;
}

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `yumda-publish-${label}-`));
}
