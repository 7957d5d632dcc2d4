/**
 * Benchmark input: a real dependency graph of about 63,000 packages, Debian bookworm's binary
 * index (the Packages file apt keeps in /var/lib/apt/lists after `apt-get update`), written as
 * yum metadata (primary, filelists, other, repomd.xml) so that yumda and dnf resolve the same graph.
 *
 *   npm run build && node dist/scripts/bench/debian-repo.js OUT_DIR [--packages-file FILE]
 *
 * Without --packages-file the index is found with apt's own tooling (`apt-get indextargets`, the
 * bookworm main Packages file for the machine's architecture) and read with `apt-helper cat-file`,
 * which undoes apt's compression (lz4, xz, gz). No package is downloadable: the repository is for
 * resolving (`install --dry-run`, `dnf install --assumeno`).
 *
 * The mapping (Debian → RPM): Version [E:]U[-R] → epoch E, version U (with `-` and `:` as `_`),
 * release R (`0` without one); Architecture amd64/arm64 → x86_64/aarch64, all → noarch;
 * Depends and Pre-Depends → Requires (of alternatives `a | b` the first, as neither yum metadata
 * without rich dependencies nor yumda can say "or"); Provides → Provides (plus the package's own
 * name = EVR); Conflicts and Breaks → Conflicts; Recommends → Recommends; the operators << <= = >=
 * >> → LT LE EQ GE GT (a bound whose revision is only punctuation, `<< 2.39.5-.`, as `<= 2.39.5`
 * with any release); arch qualifiers (`:any`, `:native`) dropped. A versioned Conflicts or Breaks on
 * a name no package has is dropped: in Debian only versioned Provides meet a versioned relation, in
 * RPM any provide of the name does, so `Breaks: perl-modules (<< 5.36)` would hit every package that
 * provides perl-modules unversioned. Replaces has no RPM meaning
 * (file takeover) and is dropped. Pre-Depends are plain Requires (needed at run time, not only by
 * scriptlets). One package is added for the benchmark: `bench-unsatisfiable` (requires git and a
 * capability nothing provides).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGzip } from 'node:zlib';
import {
  filelistsFooter,
  filelistsHeader,
  otherFooter,
  otherHeader,
  primaryFooter,
  primaryHeader,
  renderFilelistsPackage,
  renderOtherPackage,
  renderPrimaryPackage,
} from '../../src/repodata/render.js';
import { renderRepomd, type RepomdData } from '../../src/repodata/repomd.js';
import { emptyPackageRecord, type PackageRecord } from '../../src/repodata/types.js';
import type { DepFlag, Dependency } from '../../src/rpm/types.js';
import { hashFile } from '../../src/util/hash.js';

/** The bookworm main Packages file of this machine's architecture, as apt lists it. */
export function aptPackagesFile(): string {
  const out = execFileSync(
    'apt-get',
    ['indextargets', '--format', '$(FILENAME)\t$(CODENAME)\t$(COMPONENT)\t$(ARCHITECTURE)', 'Identifier: Packages'],
    { encoding: 'utf8' },
  );
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const rows = out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
  const row = rows.find(([, codename, component, a]) => codename === 'bookworm' && component === 'main' && a === arch);
  if (!row)
    throw new Error(`no bookworm main ${arch} Packages index among apt's index targets (run apt-get update):\n${out}`);
  return row[0]!;
}

const ARCHS: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', all: 'noarch', i386: 'i686' };
const OPS: Record<string, Exclude<DepFlag, null>> = {
  '<<': 'LT',
  '<=': 'LE',
  '=': 'EQ',
  '>=': 'GE',
  '>>': 'GT',
  '<': 'LE',
  '>': 'GE',
};

/** Debian's [E:]U[-R] as an RPM EVR. */
export function debianEvr(version: string): { epoch: number; version: string; release: string } {
  let rest = version.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const [upstream, revision] = dash > 0 ? [rest.slice(0, dash), rest.slice(dash + 1)] : [rest, '0'];
  return { epoch, version: upstream.replace(/[-:]/g, '_'), release: revision.replace(/[-:]/g, '_') };
}

/** One relation ("name (op version)", arch qualifier allowed) as a Dependency. */
function relation(text: string, pre = false): Dependency | null {
  const m = /^\s*([^\s(:]+)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?/.exec(text);
  if (!m) return null;
  if (!m[2]) return { name: m[1]!, flags: null, epoch: null, version: null, release: null, pre };
  const evr = debianEvr(m[3]!);
  const flags = OPS[m[2]]!;
  // "<< 2.39.5-." (any revision of 2.39.5 sorts below "."; an RPM release does not): the version with any release
  if (/^[^0-9A-Za-z]+$/.test(evr.release))
    return {
      name: m[1]!,
      flags: flags === 'LT' ? 'LE' : flags === 'GT' ? 'GE' : flags,
      epoch: evr.epoch,
      version: evr.version,
      release: null,
      pre,
    };
  return { name: m[1]!, flags, epoch: evr.epoch, version: evr.version, release: evr.release, pre };
}

/** A comma-separated relation field; of alternatives, the first. */
function relations(field: string | undefined, pre = false): Dependency[] {
  if (!field) return [];
  const out: Dependency[] = [];
  for (const part of field.split(',')) {
    const dep = relation(part.split('|')[0]!, pre);
    if (dep) out.push(dep);
  }
  return out;
}

/** A Packages stanza (field → value, continuation lines joined) as a package record; null for an arch yum has no name for. */
export function debianRecord(fields: Map<string, string>): PackageRecord | null {
  const name = fields.get('Package');
  const arch = ARCHS[fields.get('Architecture') ?? ''];
  const version = fields.get('Version');
  if (!name || !arch || !version) return null;
  const evr = debianEvr(version);
  const [summary, ...description] = (fields.get('Description') ?? name).split('\n');
  const source = (fields.get('Source') ?? name).split(' ')[0]!;
  return {
    ...emptyPackageRecord(),
    pkgId: fields.get('SHA256') ?? createHash('sha256').update(`${name}-${version}-${arch}`).digest('hex'),
    checksumType: 'sha256',
    name,
    arch,
    ...evr,
    summary: summary!,
    description: description.join('\n').trim() || summary!,
    packager: fields.get('Maintainer') ?? '',
    url: fields.get('Homepage') ?? '',
    group: fields.get('Section') ?? '',
    sizePackage: Number(fields.get('Size') ?? 0),
    sizeInstalled: Number(fields.get('Installed-Size') ?? 0) * 1024,
    locationHref: fields.get('Filename') ?? `pool/${name}.deb`,
    sourcerpm: `${source}-${evr.version}-${evr.release}.src.rpm`,
    provides: [{ name, flags: 'EQ', ...evr, pre: false }, ...relations(fields.get('Provides'))],
    requires: [...relations(fields.get('Pre-Depends')), ...relations(fields.get('Depends'))],
    conflicts: [...relations(fields.get('Conflicts')), ...relations(fields.get('Breaks'))].filter(
      (d) => d.name !== name,
    ),
    recommends: relations(fields.get('Recommends')),
  };
}

/** The stanzas of a Packages file, streamed. */
async function* stanzas(lines: AsyncIterable<string>): AsyncGenerator<Map<string, string>> {
  let fields = new Map<string, string>();
  let last = '';
  for await (const line of lines) {
    if (line === '') {
      if (fields.size > 0) yield fields;
      fields = new Map();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last) fields.set(last, `${fields.get(last)}\n${line.slice(1) === '.' ? '' : line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    last = line.slice(0, colon);
    fields.set(last, line.slice(colon + 1).trim());
  }
  if (fields.size > 0) yield fields;
}

/** The packages added for the benchmark (see the header). */
export function benchPackages(): PackageRecord[] {
  const evr = { epoch: 0, version: '1', release: '1' };
  const dep = (name: string): Dependency => ({
    name,
    flags: null,
    epoch: null,
    version: null,
    release: null,
    pre: false,
  });
  return [
    {
      ...emptyPackageRecord(),
      pkgId: createHash('sha256').update('bench-unsatisfiable').digest('hex'),
      checksumType: 'sha256',
      name: 'bench-unsatisfiable',
      arch: 'noarch',
      ...evr,
      summary: 'a request that cannot be met: git and a capability nothing provides',
      locationHref: 'pool/bench-unsatisfiable.deb',
      sourcerpm: 'bench-unsatisfiable-1-1.src.rpm',
      provides: [{ name: 'bench-unsatisfiable', flags: 'EQ', ...evr, pre: false }],
      requires: [dep('git'), dep('bench-capability-nobody-provides')],
    },
  ];
}

interface GzWriter {
  write(text: string): Promise<void>;
  end(): Promise<RepomdData>;
}

/** A gzip-compressed metadata file written as it goes; end() renames it by its checksum and returns its repomd entry. */
function gzWriter(repodata: string, type: string): GzWriter {
  const tmp = join(repodata, `${type}.xml.gz.tmp`);
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(tmp);
  gzip.pipe(file);
  const done = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
    gzip.on('error', reject);
  });
  const open = createHash('sha256');
  let openSize = 0;
  return {
    async write(text) {
      open.update(text);
      openSize += Buffer.byteLength(text);
      if (!gzip.write(text)) await new Promise((r) => gzip.once('drain', r));
    },
    async end() {
      gzip.end();
      await done;
      const checksum = await hashFile(tmp);
      const location = `repodata/${checksum}-${type}.xml.gz`;
      await rename(tmp, join(repodata, `${checksum}-${type}.xml.gz`));
      return {
        type,
        location,
        checksumType: 'sha256',
        checksum,
        openChecksumType: 'sha256',
        openChecksum: open.digest('hex'),
        size: (await stat(join(repodata, `${checksum}-${type}.xml.gz`))).size,
        openSize,
        timestamp: 1,
      };
    },
  };
}

/** Converts a Packages file (plain text lines) into a yum repository at outDir; returns the package count. */
export async function convertPackages(lines: AsyncIterable<string>, outDir: string): Promise<number> {
  const repodata = join(outDir, 'repodata');
  await mkdir(repodata, { recursive: true });
  // the package count goes in each header: a first pass keeps the records (about 63,000: fine in memory for a generator)
  const records: PackageRecord[] = [];
  for await (const fields of stanzas(lines)) {
    const r = debianRecord(fields);
    if (r) records.push(r);
  }
  records.push(...benchPackages());
  const real = new Set(records.map((r) => r.name));
  for (const r of records) r.conflicts = r.conflicts.filter((c) => c.flags === null || real.has(c.name));
  const primary = gzWriter(repodata, 'primary');
  const filelists = gzWriter(repodata, 'filelists');
  const other = gzWriter(repodata, 'other');
  await primary.write(primaryHeader(records.length));
  await filelists.write(filelistsHeader(records.length));
  await other.write(otherHeader(records.length));
  for (const r of records) {
    const id = { pkgId: r.pkgId, name: r.name, arch: r.arch, epoch: r.epoch, version: r.version, release: r.release };
    await primary.write(renderPrimaryPackage(r));
    await filelists.write(renderFilelistsPackage({ ...id, files: [] }));
    await other.write(renderOtherPackage({ ...id, changelog: [] }));
  }
  await primary.write(primaryFooter);
  await filelists.write(filelistsFooter);
  await other.write(otherFooter);
  const data = [await primary.end(), await filelists.end(), await other.end()];
  await writeFile(join(repodata, 'repomd.xml'), renderRepomd({ revision: '1', data }));
  return records.length;
}

/** The lines of an apt index file, decompressed by apt itself. */
export function aptFileLines(path: string): AsyncIterable<string> {
  const child = spawn('/usr/lib/apt/apt-helper', ['cat-file', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  return createInterface({ input: child.stdout, crlfDelay: Infinity });
}

/** Writes the Debian repository into outDir (from `packagesFile`, else apt's bookworm index). */
export async function debianRepo(
  outDir: string,
  packagesFile = aptPackagesFile(),
): Promise<{ packages: number; source: string }> {
  return { packages: await convertPackages(aptFileLines(packagesFile), outDir), source: packagesFile };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--packages-file');
  if (!out) {
    process.stderr.write('usage: node dist/scripts/bench/debian-repo.js OUT_DIR [--packages-file FILE]\n');
    process.exit(2);
  }
  const i = args.indexOf('--packages-file');
  const result = await debianRepo(out, i >= 0 ? args[i + 1] : undefined);
  process.stdout.write(`${out}: ${result.packages} packages from ${result.source}\n`);
}
