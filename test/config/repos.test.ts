import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configuredRepos, parseRepoFile, repoFromUrl } from '../../src/config/repos.js';
import { YumdaError } from '../../src/util/errors.js';
import { loadProfile } from '../../src/config/profile.js';
import { deriveSonames, generateProfile, parseNevra } from '../../scripts/gen-base-profile.js';
import { projectPath } from '../../src/util/paths.js';

const good = `# comment
[yumda]
name=yumda $basearch
baseurl=https://example.com/al2/$basearch/
  https://mirror.example.com/al2/$basearch/
enabled=1
gpgcheck=1
gpgkey=https://example.com/RPM-GPG-KEY
priority=5
exclude=kernel* foo
metadata_expire=90m

[extras]
mirrorlist=http://example.com/mirror.list
enabled=0
`;

t.test('parses a yum .repo file', async (t) => {
  const repos = parseRepoFile(good, 'x.repo', { basearch: 'aarch64' });
  t.match(repos[0], {
    id: 'yumda',
    name: 'yumda aarch64',
    baseurls: ['https://example.com/al2/aarch64/', 'https://mirror.example.com/al2/aarch64/'],
    enabled: true,
    gpgcheck: true,
    gpgkeys: ['https://example.com/RPM-GPG-KEY'],
    priority: 5,
    exclude: ['kernel*', 'foo'],
    metadataExpire: 5400,
    origin: 'x.repo:2',
  });
  t.match(repos[1], {
    id: 'extras',
    baseurls: [],
    mirrorlist: 'http://example.com/mirror.list',
    enabled: false,
    priority: 99,
    metadataExpire: null,
  });
  const expire = (v: string): number | null =>
    parseRepoFile(`[a]\nbaseurl=http://x/\nmetadata_expire=${v}\n`, 'e.repo')[0]!.metadataExpire;
  t.same(
    ['3600', '30s', '6h', '2d', '0', 'never', '-1'].map(expire),
    [3600, 30, 21600, 172800, 0, Infinity, Infinity],
    'seconds, units, never',
  );
});

t.test('a bad file names the line and the key', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['[a]\nbaseurl=http://x/\nenabled=maybe\n', /^bad\.repo:3: \[a\] enabled: must be 1\/0/],
    ['[a]\nbaseurl=http://x/\npriority=high\n', /^bad\.repo:3: \[a\] priority: must be a whole number/],
    [
      '[a]\nbaseurl=ftp://x/\n',
      /^bad\.repo:2: \[a\] baseurl: "ftp:\/\/x\/" must be a file:\/\/, http\(s\):\/\/ or s3:\/\//,
    ],
    ['baseurl=http://x/\n', /^bad\.repo:1: key "baseurl" before any \[repository\] section/],
    ['[a]\nthis is not ini\n', /^bad\.repo:2: expected "key=value"/],
    ['[a]\nname=no url\n', /^bad\.repo:1: \[a\] needs a baseurl or a mirrorlist/],
    ['[a]\nbaseurl=http://x/\ngpgcheck=1\n', /^bad\.repo:3: \[a\] gpgcheck=1 needs a gpgkey/],
    ['[a]\nbaseurl=http://x/\nrepo_gpgcheck=1\n', /^bad\.repo:3: \[a\] repo_gpgcheck=1 needs a gpgkey/],
    [
      '[a]\nbaseurl=http://x/\nmetadata_expire=soon\n',
      /^bad\.repo:3: \[a\] metadata_expire: must be seconds, a number with s\/m\/h\/d, or never/,
    ],
  ];
  for (const [text, message] of cases) {
    let caught: unknown;
    try {
      parseRepoFile(text, 'bad.repo');
    } catch (e) {
      caught = e;
    }
    t.ok(caught instanceof YumdaError && (caught as YumdaError).exitCode === 2, 'a usage error');
    t.match((caught as Error).message, message);
  }
});

t.test('precedence: --repo/--repofile, YUMDA_REPOS, then the shipped default', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'yumda-repos-'));
  writeFileSync(join(dir, 'a.repo'), good);
  t.same(
    configuredRepos({ repo: ['file:///srv/r'], env: {} }).map((r) => r.baseurls[0]),
    ['file:///srv/r'],
  );
  t.same(
    configuredRepos({ repofile: [join(dir, 'a.repo')], env: {} }).map((r) => `${r.id}:${r.enabled}`),
    ['yumda:true', 'extras:false'],
  );
  t.same(
    configuredRepos({ repofile: [join(dir, 'a.repo')], enablerepo: ['extras'], env: {} }).map((r) => r.enabled),
    [true, true],
  );
  t.same(
    configuredRepos({ env: { YUMDA_REPOS: 'http://a/x, s3://b/y' } }).map((r) => r.baseurls[0]),
    ['http://a/x', 's3://b/y'],
  );
  const shipped = configuredRepos({ env: {} });
  t.equal(shipped[0]!.id, 'yumda', 'repo-metadata/repos/yumda.repo is the default');
  t.match(shipped[0]!.baseurls[0], /x86_64\/$/);
  t.throws(() => configuredRepos({ repo: ['not a url'], env: {} }), /--repo: "not a url" must be/);
  t.match(repoFromUrl('/srv/repo/al2', '--repo'), { baseurls: ['file:///srv/repo/al2'], id: /^al2-[0-9a-f]{4}$/ });
});

t.test('base profile al2: generated from the captured runtime, as committed', async (t) => {
  const committed = loadProfile('al2');
  const { baseProfileSchema } = await import('../../src/config/profile.js');
  t.same(
    baseProfileSchema().parse(JSON.parse(readFileSync(projectPath('repo-metadata', 'base', 'al2.json'), 'utf8'))),
    committed,
    'the shipped profile (loaded unvalidated) passes the schema as it is',
  );
  const captured = projectPath('..', 'shared', 'lambda-base', 'al2');
  if (existsSync(captured))
    t.same(generateProfile('al2', captured), committed, 'repo-metadata/base/al2.json is what the script generates');
  else
    t.comment(
      `not compared with a fresh generation: no captured runtime at ${captured} (../shared is only on developer machines)`,
    );
  const names = new Set(committed.provides.map((c) => c.name));
  for (const cap of [
    'libz.so.1()(64bit)',
    'libc.so.6(GLIBC_2.2.5)(64bit)',
    'libc.so.6(GLIBC_2.26)(64bit)',
    'libpthread.so.0(GLIBC_2.12)(64bit)',
    'libcrypto.so.10(OPENSSL_1.0.2)(64bit)',
    'libstdc++.so.6(GLIBCXX_3.4.24)(64bit)',
    '/bin/sh',
    '/usr/bin/sh',
    'zlib',
    'zlib(x86-64)',
    'rtld(GNU_HASH)',
  ]) {
    t.ok(names.has(cap), cap);
  }
  t.notOk(names.has('libc.so.6(GLIBC_2.27)(64bit)'), 'nothing newer than glibc 2.26');
  t.notOk(
    committed.rpm.features.some((f) => f.name === 'rpmlib(PayloadIsZstd)'),
    'rpm 4.11 reads no zstd',
  );
  t.same(committed.rpm.payloadCompressors, ['gzip', 'bzip2', 'xz', 'lzma']);
  t.match(
    committed.provides.find((c) => c.name === 'openssl-libs'),
    { epoch: 1, version: '1.0.2k' },
  );
  t.same(committed.ldLibraryPath.at(-1), '/opt/lib');
  t.same(
    deriveSonames(
      [
        '/usr/lib64/libacl.so.1',
        '/usr/lib64/libacl.so.1.1.0',
        '/usr/lib64/libz.so',
        '/usr/lib64/libz.so.1',
        '/usr/lib64/libc-2.26.so',
        '/usr/lib64/libfreebl3.so',
        '/usr/lib64/gconv/X.so',
      ],
      ['/usr/lib64'],
    ),
    ['libacl.so.1', 'libfreebl3.so', 'libz.so.1'],
  );
  t.match(parseNevra('ncurses-base-6.0-8.20170212.amzn2.1.3.noarch'), {
    name: 'ncurses-base',
    version: '6.0',
    release: '8.20170212.amzn2.1.3',
    arch: 'noarch',
  });
});
