/**
 * Installing a resolved plan into a layer directory (what Lambda sees at /opt):
 * download in parallel (sha256 from the metadata, cached packages reused, GPG when configured) →
 * check each package against the target's rpm (rpmlib features, payload compressor) → extract
 * every package into a staging directory inside DIR (relocating the /opt prefix, skipping files
 * outside it, docs unless asked) → check file conflicts → move into place → write the manifest.
 * Every failure before the move leaves DIR untouched; a failure during the move is rolled back.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { BaseProfile } from '../config/profile.js';
import type { RepoDefinition } from '../config/repos.js';
import { BaseSatisfier } from '../resolve/base.js';
import { depToString, nevra, type PoolPackage } from '../resolve/pool.js';
import type { ResolvePlan } from '../resolve/resolve.js';
import { extractPackage, type ExtractedEntry } from '../rpm/extract.js';
import { readRpmInfo } from '../rpm/package.js';
import type { RpmFile } from '../rpm/types.js';
import { ExitCode, YumdaError } from '../util/errors.js';
import { fetchPackage, isVerified } from '../repodata/client.js';
import { hrefFileName } from '../repodata/location.js';
import { tempSibling } from '../util/fs.js';
import { loadKeys, verifyRpmSignature } from './gpg.js';
import { readManifest, writeManifest, type Manifest, type ManifestFile, type ManifestPackage } from './manifest.js';
import { packageLocation, type LoadedRepo } from './metadata.js';

export interface ApplyOptions {
  dest: string;
  profile: BaseProfile;
  arch: string;
  cacheDir: string;
  repos: LoadedRepo[];
  withDocs?: boolean;
  concurrency?: number;
  onNote?: (message: string) => void;
  /** Progress callback for a terminal display. */
  onProgress?: (done: number, total: number, bytes: number, totalBytes: number) => void;
}

export interface InstallResult {
  installed: ManifestPackage[];
  /** name-version-release.arch of packages replaced (upgraded or obsoleted). */
  removed: string[];
  /** Names of installed packages that a new version replaced (upgrades). */
  replacedNames: string[];
  /** Files left out because they live outside the layer prefix (per package: count and examples). */
  outsidePrefix: Array<{ package: string; count: number; examples: string[] }>;
  docsSkipped: number;
  downloadedBytes: number;
  reusedPackages: number;
}

/** Below this package size the bundled decompressors beat spawning xz/zstd/bzip2 (measured: 60 packages of 25 kB, 2.0 s → 1.2 s). */
const SPAWN_WORTHWHILE_BYTES = 1 << 20;

const DOC_DIRS = ['share/doc/', 'share/man/', 'share/info/', 'share/gtk-doc/', 'doc/', 'man/', 'info/'];

/** Docs are left out unless --with-docs: %doc files and anything under doc/man/info dirs of the prefix. */
export function isDocFile(file: RpmFile, prefix: string): boolean {
  if (file.flags.includes('doc')) return true;
  if (!file.path.startsWith(prefix + '/')) return false;
  const rel = file.path.slice(prefix.length + 1);
  return DOC_DIRS.some((d) => rel.startsWith(d) || rel + '/' === d);
}

function packageCachePath(cacheDir: string, repo: LoadedRepo, pkg: PoolPackage): string {
  return join(cacheDir, 'packages', basename(repo.cacheDir), hrefFileName(pkg.locationHref, `${nevra(pkg)} from ${pkg.repo}: location`));
}

/** Downloads (or reuses) every package of the plan; returns local paths by pkgId. */
async function downloadAll(plan: ResolvePlan, options: ApplyOptions, result: InstallResult): Promise<Map<string, string>> {
  const repoById = new Map(options.repos.map((r) => [r.def.id, r]));
  const limit = pLimit(options.concurrency ?? 6);
  const totalBytes = plan.install.reduce((s, p) => s + p.pkg.sizePackage, 0);
  let done = 0;
  let bytes = 0;
  const paths = new Map<string, string>();
  await Promise.all(
    plan.install.map(({ pkg }) =>
      limit(async () => {
        const repo = repoById.get(pkg.repo);
        if (!repo) throw new Error(`no repository ${pkg.repo} for ${nevra(pkg)}`);
        const path = packageCachePath(options.cacheDir, repo, pkg);
        // the repository client: xml:base, any checksum type, held to its size, mirror fail-over
        const where = packageLocation(pkg);
        if (await isVerified(path, where)) {
          result.reusedPackages++;
          bytes += pkg.sizePackage;
        } else {
          await fetchPackage(repo.mirrors, where, path, {
            onProgress: (n) => {
              bytes += n;
              result.downloadedBytes += n;
              options.onProgress?.(done, plan.install.length, bytes, totalBytes);
            },
          }).catch((e: unknown) => {
            if (e instanceof YumdaError && e.code === 'NOT_FOUND') {
              throw new YumdaError('PACKAGE_NOT_FOUND', `${nevra(pkg)} is no longer in ${pkg.repo} (${e.message})`, {
                hint: 'the repository changed since its metadata was read: run again with --refresh',
                cause: e,
              });
            }
            if (e instanceof YumdaError && e.code === 'CHECKSUM_MISMATCH') {
              throw new YumdaError('PACKAGE_CHECKSUM', `${nevra(pkg)} from ${pkg.repo}: the downloaded file does not match the checksum in the repository metadata`, {
                exitCode: ExitCode.integrity,
                hint: 'the package was replaced without reindexing the repository, or the download was altered: nothing was installed',
                cause: e,
              });
            }
            throw e;
          });
        }
        if (repo.def.gpgcheck) await verifyRpmSignature(path, await loadKeys(repo.def.gpgkeys), nevra(pkg));
        done++;
        options.onProgress?.(done, plan.install.length, bytes, totalBytes);
        paths.set(pkg.pkgId, path);
      }),
    ),
  );
  return paths;
}

/** Refuses packages the target's rpm could not install (rpmlib features, payload compression). */
async function checkTargetCompat(pkg: PoolPackage, path: string, base: BaseSatisfier): Promise<void> {
  const info = await readRpmInfo(path, { label: nevra(pkg) });
  for (const req of info.requires) {
    if (req.rpmlib && !base.supportsRpmlib(req)) {
      const zstd = req.name === 'rpmlib(PayloadIsZstd)' ? ' (a zstd-compressed payload: rebuild it with xz, e.g. %_binary_payload w2.xzdio)' : '';
      throw new YumdaError('RPMLIB_UNSUPPORTED', `${nevra(pkg)} needs ${depToString(req)}, which rpm ${base.profile.rpm.version} on ${base.profile.id} does not support${zstd}`);
    }
  }
  if (info.payloadCompressor && !base.supportsPayload(info.payloadCompressor)) {
    throw new YumdaError('PAYLOAD_UNSUPPORTED', `${nevra(pkg)} has a ${info.payloadCompressor} payload, which rpm ${base.profile.rpm.version} on ${base.profile.id} cannot read`, {
      hint: `${base.profile.id} reads ${base.profile.rpm.payloadCompressors.join(', ')} payloads`,
    });
  }
}

interface Staged {
  pkg: PoolPackage;
  root: string;
  entries: ExtractedEntry[];
  skippedFiles: number;
}

async function removeEmptyDirs(dir: string, paths: string[]): Promise<void> {
  for (const rel of [...paths].sort((a, b) => b.length - a.length)) {
    try {
      await rmdir(join(dir, rel));
    } catch {
      // not empty, or gone: keep it
    }
  }
}

/** Installs the plan into options.dest. The plan comes from resolve() against the same manifest. */
export async function applyPlan(plan: ResolvePlan, options: ApplyOptions): Promise<InstallResult> {
  const dest = options.dest;
  const prefix = options.profile.layerRoot.replace(/\/+$/, '');
  const base = new BaseSatisfier(options.profile);
  const result: InstallResult = { installed: [], removed: [], replacedNames: [], outsidePrefix: [], docsSkipped: 0, downloadedBytes: 0, reusedPackages: 0 };
  if (plan.install.length === 0) return result;

  const manifest: Manifest = (await readManifest(dest)) ?? { format: 1, base: options.profile.id, arch: options.arch, packages: [] };
  const paths = await downloadAll(plan, options, result);
  // headers, payload decompression (often an xz child process) and file writes overlap well: a few at a time
  const work = pLimit(Math.max(2, Math.min(options.concurrency ?? 6, 4)));
  await Promise.all(plan.install.map(({ pkg }) => work(() => checkTargetCompat(pkg, paths.get(pkg.pkgId)!, base))));

  const destExisted = existsSync(dest);
  await mkdir(join(dest, '.yumda'), { recursive: true });
  const stage = tempSibling(join(dest, '.yumda', 'staging'));
  await mkdir(stage);
  const journal: Array<{ target: string; backup: string | null }> = [];
  try {
    // 1. extract each package into its own staging root (in parallel; results kept in plan order,
    //    which decides who owns a path shared by two new packages)
    const extractOne = async (pkg: PoolPackage, index: number): Promise<Staged & { outside: string[]; docs: number }> => {
      const root = join(stage, String(index));
      const entries: ExtractedEntry[] = [];
      const outside: string[] = [];
      let docs = 0;
      const extracted = await extractPackage(paths.get(pkg.pkgId)!, root, {
        // a decompressor child process costs ~9 ms of main-thread time to spawn: small payloads
        // decompress faster in-process, large ones faster in xz(1)
        ...(pkg.sizePackage > 0 && pkg.sizePackage < SPAWN_WORTHWHILE_BYTES ? { decompressor: 'builtin' as const } : {}),
        stripPrefix: prefix,
        outsidePrefix: 'skip',
        label: nevra(pkg),
        filter: (file) => {
          if (file.flags.includes('ghost')) return false;
          if (file.path !== prefix && !file.path.startsWith(prefix + '/')) return false;
          if (!options.withDocs && isDocFile(file, prefix)) {
            docs++;
            return false;
          }
          return true;
        },
        onFile: (entry) => entries.push(entry),
      });
      // directories outside the prefix (/tmp/var) are implied by their files: count real content only
      for (const file of extracted.info.files) {
        const inside = file.path === prefix || file.path.startsWith(prefix + '/');
        if (!inside && !file.flags.includes('ghost') && (file.mode & 0o170000) !== 0o040000) outside.push(file.path);
      }
      return { pkg, root, entries, skippedFiles: extracted.skipped, outside, docs };
    };
    const extractedAll = await Promise.all(plan.install.map(({ pkg }, i) => work(() => extractOne(pkg, i))));
    const staged: Staged[] = [];
    for (const { outside, docs, ...s } of extractedAll) {
      if (outside.length > 0) result.outsidePrefix.push({ package: nevra(s.pkg), count: outside.length, examples: outside.slice(0, 3) });
      result.docsSkipped += docs;
      staged.push(s);
    }

    // 2. file conflicts: between new packages, and with packages already in DIR
    const replaced = new Set([...plan.remove.map((p) => p.name)]);
    const owners = new Map<string, { owner: string; entry: { type: string; sha256: string | null; linkto: string | null } }>();
    for (const p of manifest.packages) {
      if (replaced.has(p.name)) continue;
      for (const f of p.files) if (f.type !== 'dir') owners.set(f.path, { owner: `${p.name}-${p.version}-${p.release}.${p.arch} (installed)`, entry: f });
    }
    for (const s of staged) {
      for (const e of s.entries) {
        if (e.type === 'dir' || e.path === '') continue;
        const other = owners.get(e.path);
        const same = other && other.entry.type.replace('hardlink', 'file') === e.type.replace('hardlink', 'file') && other.entry.sha256 === e.sha256 && other.entry.linkto === e.linkto;
        if (other && !same && !(e.type === 'hardlink' || other.entry.type === 'hardlink')) {
          throw new YumdaError('FILE_CONFLICT', `file /opt/${e.path} from ${nevra(s.pkg)} conflicts with the one from ${other.owner}`);
        }
        if (!other) owners.set(e.path, { owner: nevra(s.pkg), entry: e });
      }
    }

    // 3. move into place (journaled: a failure restores what was there)
    const backups = join(stage, 'backup');
    await mkdir(backups);
    let backupCount = 0;
    const ensured = new Set<string>();
    for (const s of staged) {
      for (const e of s.entries) {
        if (e.path === '') continue;
        const target = join(dest, e.path);
        if (e.type === 'dir') {
          const st = await lstat(target).catch(() => null);
          if (!st) {
            await mkdir(target, { recursive: true, mode: e.mode & 0o7777 });
            ensured.add(target);
            journal.push({ target, backup: null });
          } else if (!st.isDirectory()) {
            throw new YumdaError('FILE_CONFLICT', `/opt/${e.path} is a directory in ${nevra(s.pkg)} but not in the layer`);
          }
          continue;
        }
        if (!ensured.has(dirname(target))) {
          await mkdir(dirname(target), { recursive: true });
          ensured.add(dirname(target));
        }
        const st = await lstat(target).catch(() => null);
        let backup: string | null = null;
        if (st) {
          if (st.isDirectory()) throw new YumdaError('FILE_CONFLICT', `/opt/${e.path} from ${nevra(s.pkg)} would replace a directory in the layer`);
          backup = join(backups, String(backupCount++));
          await rename(target, backup);
        }
        journal.push({ target, backup });
        await rename(join(s.root, e.path), target);
      }
    }

    // 4. packages replaced (upgraded or obsoleted): their files no new package owns go
    const now = new Date().toISOString();
    const newPaths = new Set(staged.flatMap((s) => s.entries.map((e) => e.path)));
    const removedDirs: string[] = [];
    for (const p of manifest.packages.filter((q) => replaced.has(q.name))) {
      for (const f of p.files) {
        if (newPaths.has(f.path)) continue;
        if (f.type === 'dir') removedDirs.push(f.path);
        else await unlink(join(dest, f.path)).catch(() => undefined);
      }
      result.removed.push(`${p.name}-${p.version}-${p.release}.${p.arch}`);
      if (staged.some((st) => st.pkg.name === p.name)) result.replacedNames.push(p.name);
    }
    for (const p of manifest.packages.filter((q) => replaced.has(q.name))) {
      for (const f of p.files) {
        for (let d = f.path.slice(0, f.path.lastIndexOf('/')); d.length > 0; d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) removedDirs.push(d);
      }
    }
    await removeEmptyDirs(dest, [...new Set(removedDirs)]);

    for (const s of staged) {
      const files: ManifestFile[] = s.entries
        .filter((e) => e.path !== '')
        .map((e) => ({ path: e.path, type: e.type, mode: e.mode, sha256: e.sha256, linkto: e.linkto }));
      const entry: ManifestPackage = {
        name: s.pkg.name,
        epoch: s.pkg.epoch,
        version: s.pkg.version,
        release: s.pkg.release,
        arch: s.pkg.arch,
        repo: s.pkg.repo,
        pkgId: s.pkg.pkgId,
        summary: s.pkg.summary,
        sourcerpm: s.pkg.sourcerpm,
        sizeInstalled: s.pkg.sizeInstalled,
        provides: s.pkg.provides,
        requires: s.pkg.requires,
        conflicts: s.pkg.conflicts,
        obsoletes: s.pkg.obsoletes,
        files,
        skippedFiles: s.skippedFiles,
        installedAt: now,
      };
      result.installed.push(entry);
    }
    manifest.packages = [...manifest.packages.filter((p) => !replaced.has(p.name) && !result.installed.some((i) => i.name === p.name)), ...result.installed];
    await writeManifest(dest, manifest);
  } catch (e) {
    // roll back: newest first
    for (const j of journal.reverse()) {
      try {
        const st = await lstat(j.target).catch(() => null);
        if (st?.isDirectory() && j.backup === null) await rmdir(j.target).catch(() => undefined);
        else if (st) await unlink(j.target);
        if (j.backup) await rename(j.backup, j.target);
      } catch {
        // best effort: keep rolling back the rest
      }
    }
    await rm(stage, { recursive: true, force: true });
    if (!destExisted) await rm(dest, { recursive: true, force: true });
    else if ((await readdir(join(dest, '.yumda'))).length === 0) await rmdir(join(dest, '.yumda'));
    throw e;
  }
  await rm(stage, { recursive: true, force: true });
  return result;
}

/** Removes installed packages from DIR: their files that no other installed package owns. */
export async function removePackages(dest: string, names: string[]): Promise<{ removed: ManifestPackage[]; brokenDependents: string[] }> {
  const manifest = await readManifest(dest);
  if (!manifest) throw new YumdaError('NOT_A_LAYER', `${dest} has no yumda manifest (.yumda/installed.json): nothing was installed there by yumda`);
  const removed: ManifestPackage[] = [];
  for (const name of names) {
    const p = manifest.packages.find((q) => q.name === name || `${q.name}-${q.version}-${q.release}` === name || `${q.name}-${q.version}-${q.release}.${q.arch}` === name);
    if (!p) throw new YumdaError('NOT_INSTALLED', `package ${name} is not installed in ${dest}`, { hint: `yumda list --installed -d ${dest}` });
    removed.push(p);
  }
  const keep = manifest.packages.filter((p) => !removed.includes(p));
  const owned = new Set(keep.flatMap((p) => p.files.map((f) => f.path)));
  const dirs: string[] = [];
  for (const p of removed) {
    for (const f of p.files) {
      if (owned.has(f.path)) continue;
      if (f.type === 'dir') dirs.push(f.path);
      else await unlink(join(dest, f.path)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }
  // parent directories nobody owns explicitly go too once empty (rpm %files rarely list them)
  for (const p of removed) {
    for (const f of p.files) {
      for (let d = f.path.slice(0, f.path.lastIndexOf('/')); d.length > 0; d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) {
        if (!owned.has(d)) dirs.push(d);
      }
    }
  }
  await removeEmptyDirs(dest, [...new Set(dirs)]);
  // what the remaining packages needed from the removed ones
  const brokenDependents: string[] = [];
  const { depMatches } = await import('../rpm/version.js');
  for (const k of keep) {
    for (const req of k.requires) {
      const fromRemoved = removed.some((r) => r.provides.some((p) => depMatches(p, req)) || r.name === req.name);
      const stillProvided = keep.some((o) => o.provides.some((p) => depMatches(p, req)) || o.name === req.name);
      if (fromRemoved && !stillProvided) brokenDependents.push(`${k.name} needs ${depToString(req)}`);
    }
  }
  manifest.packages = keep;
  await writeManifest(dest, manifest);
  return { removed, brokenDependents };
}

export type { RepoDefinition };
