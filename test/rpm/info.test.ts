/**
 * `readRpmInfo` against the reference: `rpm -qp --queryformat` on the same files, field by field,
 * and the header byte range against createrepo_c's rpm:header-range.
 */
import t from 'tap';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readRpmHeaders } from '../../src/rpm/header.js';
import { readRpmInfo } from '../../src/rpm/package.js';
import { PGP_HASH_ALGOS } from '../../src/rpm/tags.js';
import type { Dependency, RpmPackageInfo } from '../../src/rpm/types.js';
import { depFlagFromSense, formatEvr } from '../../src/rpm/version.js';
import { yumda } from '../helpers/cli.js';
import { allFixtureRpms, featureRpms } from './fixtures.js';

const F = '\x1f';
const R = '\x1e';

const SCALARS = [
  'NAME',
  'EPOCH',
  'VERSION',
  'RELEASE',
  'ARCH',
  'SUMMARY',
  'DESCRIPTION',
  'LICENSE',
  'URL',
  'VENDOR',
  'PACKAGER',
  'GROUP',
  'BUILDTIME',
  'BUILDHOST',
  'SOURCERPM',
  'LONGSIZE',
  'LONGARCHIVESIZE',
  'PAYLOADFORMAT',
  'PAYLOADCOMPRESSOR',
  'PAYLOADFLAGS',
  'FILEDIGESTALGO',
];
const DEP_KINDS = {
  provides: 'PROVIDE',
  requires: 'REQUIRE',
  conflicts: 'CONFLICT',
  obsoletes: 'OBSOLETE',
  recommends: 'RECOMMEND',
  suggests: 'SUGGEST',
  supplements: 'SUPPLEMENT',
  enhances: 'ENHANCE',
} as const;
const FILE_TAGS = [
  'FILENAMES',
  'FILEMODES',
  'LONGFILESIZES',
  'FILEDIGESTS',
  'FILELINKTOS',
  'FILEFLAGS',
  'FILEUSERNAME',
  'FILEGROUPNAME',
  'FILEMTIMES',
  'FILEINODES',
  'FILEDEVICES',
];

function queryFormat(): string {
  const parts: string[] = [SCALARS.map((s) => `%{${s}}`).join(F), '[%{PREFIXES}' + F + ']'];
  for (const tag of Object.values(DEP_KINDS)) parts.push(`[%{${tag}NAME}${F}%{${tag}FLAGS}${F}%{${tag}VERSION}${F}]`);
  parts.push('[' + FILE_TAGS.map((tag) => `%{${tag}}`).join(F) + F + ']');
  parts.push(`[%{CHANGELOGTIME}${F}%{CHANGELOGNAME}${F}%{CHANGELOGTEXT}${F}]`);
  return parts.join(R);
}

interface RpmQuery {
  scalars: Record<string, string>;
  prefixes: string[];
  deps: Record<string, { name: string; sense: number; version: string }[]>;
  files: Record<string, string>[];
  changelog: { time: number; author: string; text: string }[];
}

function chunks(s: string, n: number): string[][] {
  const items = s === '' ? [] : s.split(F).slice(0, -1);
  const out: string[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

async function rpmQuery(path: string): Promise<RpmQuery> {
  const { stdout } = await execa('rpm', ['-qp', '--nosignature', '--nodigest', '--queryformat', queryFormat(), path], {
    env: { LC_ALL: 'C.UTF-8' },
    stripFinalNewline: false,
  });
  const sections = stdout.split(R);
  const scalarValues = sections[0]!.split(F);
  const scalars = Object.fromEntries(SCALARS.map((s, i) => [s, scalarValues[i]!]));
  const prefixes = sections[1] === '' ? [] : sections[1]!.split(F).slice(0, -1);
  const deps: RpmQuery['deps'] = {};
  Object.keys(DEP_KINDS).forEach((kind, i) => {
    deps[kind] = chunks(sections[2 + i]!, 3).map(([name, sense, version]) => ({
      name: name!,
      sense: Number(sense),
      version: version!,
    }));
  });
  const files = chunks(sections[10]!, FILE_TAGS.length).map((row) =>
    Object.fromEntries(FILE_TAGS.map((tag, i) => [tag, row[i]!])),
  );
  const changelog = chunks(sections[11]!, 3).map(([time, author, text]) => ({
    time: Number(time),
    author: author!,
    text: text!,
  }));
  return { scalars, prefixes, deps, files, changelog };
}

const none = (v: string): string => (v === '(none)' ? '' : v);

const FLAG_BITS: [string, number][] = [
  ['config', 1],
  ['doc', 2],
  ['missingok', 8],
  ['noreplace', 16],
  ['specfile', 32],
  ['ghost', 64],
  ['license', 128],
  ['readme', 256],
  ['artifact', 4096],
];

type Asserts = Pick<typeof t, 'equal' | 'same'>;

function compare(t: Asserts, info: RpmPackageInfo, q: RpmQuery): void {
  const s = q.scalars;
  t.equal(info.name, s.NAME, 'name');
  t.equal(info.epoch, s.EPOCH === '(none)' ? null : Number(s.EPOCH), 'epoch');
  t.equal(info.version, s.VERSION, 'version');
  t.equal(info.release, s.RELEASE, 'release');
  t.equal(info.arch, s.ARCH, 'arch');
  t.equal(info.summary, s.SUMMARY, 'summary');
  t.equal(info.description, s.DESCRIPTION, 'description');
  t.equal(info.license, s.LICENSE, 'license');
  t.equal(info.url, none(s.URL!), 'url');
  t.equal(info.vendor, none(s.VENDOR!), 'vendor');
  t.equal(info.packager, none(s.PACKAGER!), 'packager');
  t.equal(info.group, none(s.GROUP!), 'group');
  t.equal(info.buildtime, Number(s.BUILDTIME), 'buildtime');
  t.equal(info.buildhost, s.BUILDHOST, 'buildhost');
  t.equal(info.sourcerpm, none(s.SOURCERPM!), 'sourcerpm');
  t.equal(info.isSource, s.SOURCERPM === '(none)', 'isSource');
  t.equal(info.size, Number(s.LONGSIZE), 'size');
  t.equal(info.archiveSize, Number(s.LONGARCHIVESIZE), 'archiveSize');
  t.equal(info.payloadFormat, s.PAYLOADFORMAT, 'payloadFormat');
  // without the tag rpm reads the payload through gzdio, which also passes an uncompressed one through
  t.equal(info.payloadCompressor, s.PAYLOADCOMPRESSOR === '(none)' ? 'gzip' : s.PAYLOADCOMPRESSOR, 'payloadCompressor');
  t.equal(info.payloadFlags, none(s.PAYLOADFLAGS!), 'payloadFlags');
  t.equal(
    info.fileDigestAlgo,
    s.FILEDIGESTALGO === '(none)' ? 'md5' : PGP_HASH_ALGOS[Number(s.FILEDIGESTALGO)],
    'fileDigestAlgo',
  );
  t.same(info.prefixes, q.prefixes, 'prefixes');
  for (const kind of Object.keys(DEP_KINDS) as (keyof typeof DEP_KINDS)[]) {
    const ours = (info[kind] as Dependency[]).map((d) => ({
      name: d.name,
      flags: d.flags,
      version: d.version === null && d.epoch === null ? '' : formatEvr(d),
    }));
    const theirs = q.deps[kind]!.map((d) => ({
      name: d.name,
      flags: d.version === '' ? null : depFlagFromSense(d.sense),
      version: d.version,
    }));
    t.same(ours, theirs, kind);
  }
  // rpmlib() and the createrepo_c "pre" rule (legacy PREREQ or an install-time context)
  const installOnly = (1 << 9) | (1 << 10) | (1 << 24) | (1 << 26) | (1 << 7) | (1 << 5);
  t.same(
    info.requires.map((r) => ({ rpmlib: r.rpmlib, pre: r.pre })),
    q.deps.requires!.map((d) => ({
      rpmlib: d.name.startsWith('rpmlib('),
      pre: (d.sense & 0x40) !== 0 || (d.sense & installOnly) !== 0,
    })),
    'requires rpmlib/pre',
  );
  t.same(
    info.files.map((f) => ({
      path: f.path,
      mode: f.mode,
      size: f.size,
      digest: f.digest,
      linkto: f.linkto,
      flags: [...f.flags].sort(),
      user: f.user,
      group: f.group,
      mtime: f.mtime,
      inode: f.inode,
      device: f.device,
    })),
    q.files.map((f) => ({
      path: f.FILENAMES,
      mode: Number(f.FILEMODES),
      size: Number(f.LONGFILESIZES),
      digest: f.FILEDIGESTS,
      linkto: f.FILELINKTOS,
      flags: FLAG_BITS.filter(([, bit]) => Number(f.FILEFLAGS) & bit)
        .map(([n]) => n)
        .sort(),
      user: f.FILEUSERNAME,
      group: f.FILEGROUPNAME,
      mtime: Number(f.FILEMTIMES),
      inode: Number(f.FILEINODES),
      device: Number(f.FILEDEVICES),
    })),
    'files',
  );
  t.same(info.changelog, q.changelog, 'changelog');
}

t.test('readRpmInfo agrees with rpm -qp --queryformat on every fixture', async (t) => {
  const fixtures = await allFixtureRpms();
  t.ok(fixtures.length >= 18, `${fixtures.length} fixture RPMs`);
  for (const { path, payload } of fixtures) {
    await t.test(`${basename(path)} (${payload})`, async (t) => {
      const [info, q] = await Promise.all([readRpmInfo(path), rpmQuery(path)]);
      compare(t, info, q);
    });
  }
});

t.test('the features fixture carries what the spec declares', async (t) => {
  const { rpms } = await featureRpms('gzip');
  const main = await readRpmInfo(rpms.find((p) => basename(p).startsWith('yumda-features-1'))!);
  t.equal(main.epoch, 2);
  t.equal(main.version, '1.2~rc1');
  t.same(main.prefixes, ['/opt']);
  const byPath = new Map(main.files.map((f) => [f.path, f]));
  t.same(byPath.get('/opt/etc/features/features.conf')!.flags.sort(), ['config', 'noreplace']);
  t.same(byPath.get('/opt/var/cache/features/state.db')!.flags, ['ghost']);
  t.equal(byPath.get('/opt/sbin/helper')!.mode & 0o7777, 0o4755);
  t.equal(byPath.get('/opt/bin/features-abs')!.linkto, '/opt/bin/features');
  const hard = ['/opt/bin/hard-a', '/opt/bin/hard-b', '/opt/sbin/hard-c'].map((p) => byPath.get(p)!.inode);
  t.equal(new Set(hard).size, 1, 'hardlink set shares an inode');
  const requires = new Map(main.requires.map((r) => [r.name, r]));
  t.equal(requires.get('shadow-utils')!.pre, true, 'Requires(pre) is pre');
  t.equal(requires.get('shadow-utils')!.scriptletOnly, true, 'Requires(pre) only is scriptlet-only');
  t.equal(requires.get('coreutils')!.pre, false);
  t.same(requires.get('glibc'), {
    name: 'glibc',
    flags: 'GE',
    epoch: 0,
    version: '2.17',
    release: '1',
    pre: false,
    rpmlib: false,
    scriptletOnly: false,
  });
  t.same(
    main.recommends.map((d) => d.name),
    ['rec-thing'],
  );
  t.same(
    main.changelog.map((c) => c.author),
    ['Second Author <two@yumda.invalid> - 2:1.2~rc1-3', 'First Author <one@yumda.invalid> - 2:1.2~rc1-1'],
  );
  const devel = await readRpmInfo(rpms.find((p) => basename(p).includes('-devel-'))!);
  t.same(
    devel.provides.find((p) => p.name === 'features-devel(x)'),
    { name: 'features-devel(x)', flags: 'EQ', epoch: 2, version: '1.0^git1', release: '1', pre: false },
  );
});

t.test('header range and digests: createrepo_c agrees, SHA256/SHA1 header digests verified', async (t) => {
  const { rpms } = await featureRpms('xz');
  const dir = await mkdtemp(join(tmpdir(), 'yumda-hdr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const p of rpms) await symlink(p, join(dir, basename(p)));
  await execa('createrepo_c', ['-q', '--simple-md-filenames', '--no-database', dir]);
  const primary = gunzipSync(await readFile(join(dir, 'repodata', 'primary.xml.gz'))).toString('utf8');
  for (const p of rpms) {
    const info = await readRpmInfo(p);
    const m = new RegExp(
      `<location href="${basename(p).replace(/[.^~+]/g, '\\$&')}"/>[\\s\\S]*?<rpm:header-range start="(\\d+)" end="(\\d+)"/>`,
    ).exec(primary);
    t.ok(m, `createrepo_c lists ${basename(p)}`);
    t.same([info.headerStart, info.headerEnd], [Number(m![1]), Number(m![2])], `header-range of ${basename(p)}`);
    const headers = await readRpmHeaders(p);
    t.same(headers.verifiedDigests, ['sha256', 'sha1']);
    t.equal(headers.payloadOffset, info.headerEnd);
  }
});

t.test('yumda rpm info --json and the text summary', async (t) => {
  const { rpms } = await featureRpms('gzip');
  const one = await yumda(['rpm', 'info', '--json', rpms[0]!]);
  t.equal(one.exitCode, 0, one.stderr);
  const parsed = JSON.parse(one.stdout) as RpmPackageInfo;
  t.same(parsed, JSON.parse(JSON.stringify(await readRpmInfo(rpms[0]!))));
  const q = await rpmQuery(rpms[0]!);
  compare(t, parsed, q);
  const many = await yumda(['rpm', 'info', '--json', ...rpms]);
  t.equal((JSON.parse(many.stdout) as unknown[]).length, rpms.length);
  const text = await yumda(['rpm', 'info', rpms[0]!]);
  t.equal(text.exitCode, 0);
  t.match(text.stdout, /^Name\s+: yumda-features$/m);
  t.match(text.stdout, /^Files\s+: \d+$/m);
  const missing = await yumda(['rpm', 'info', '/nonexistent.rpm']);
  t.equal(missing.exitCode, 1);
  t.match(missing.stderr, /^yumda: error: cannot open \/nonexistent\.rpm/m);
});
