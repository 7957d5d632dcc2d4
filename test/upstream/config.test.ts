/** upstreams.json, upstream selection, mirror lists, package URLs, request matching: pure parts. */
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isYumdaError } from '../../src/util/errors.js';
import { closeMatches } from '../../src/util/suggest.js';
import {
  detectUrlKind,
  expandVariables,
  loadUpstreams,
  normalizeBaseUrl,
  resolveUpstream,
} from '../../src/upstream/config.js';
import { parseMirrorList, tryMirrors } from '../../src/repodata/client.js';
import { packageUrl } from '../../src/upstream/download.js';
import { buildSourceIndex, notFoundError, selectSource, type SourcePackage } from '../../src/upstream/select.js';
import { evrString } from '../../src/rpm/nevra.js';
import { YumdaError, ExitCode } from '../../src/util/errors.js';
import { yumda } from '../helpers/cli.js';

t.test('repo-metadata/upstreams.json is valid and says what the brief asks', async (t) => {
  const file = loadUpstreams();
  const byId = new Map(file.upstreams.map((u) => [u.id, u]));
  t.equal(file.default, 'al2-core');
  t.equal(byId.get('al2-core')?.url, 'http://amazonlinux.default.amazonaws.com/2/core/latest/SRPMS/mirror.list');
  t.equal(byId.get('al2023-core')?.url, 'https://cdn.amazonlinux.com/al2023/core/mirrors/latest/SRPMS/mirror.list');
  t.equal(byId.get('epel7')?.enabled, false, 'EPEL 7 present but disabled');
  t.ok(
    file.upstreams.some((u) => u.id.startsWith('al2-extras-') && !u.enabled),
    'an extras topic, disabled',
  );
  for (const u of file.upstreams) t.ok(u.enabled || u.note, `${u.id}: a disabled entry says why`);
});

t.test('invalid upstream files are refused with the failing field', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'yumda-upcfg-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const write = async (value: unknown) => {
    const f = join(dir, `u-${Math.random()}.json`);
    await writeFile(f, JSON.stringify(value));
    return f;
  };
  const dup = await write({
    default: 'a',
    upstreams: [
      { id: 'a', description: '', url: 'http://x/' },
      { id: 'a', description: '', url: 'http://y/' },
    ],
  });
  t.throws(() => loadUpstreams(dup), /duplicate upstream id "a"/);
  const disabledDefault = await write({
    default: 'a',
    upstreams: [{ id: 'a', description: '', url: 'http://x/', enabled: false }],
  });
  t.throws(() => loadUpstreams(disabledDefault), /default "a" is disabled/);
  const badId = await write({ default: 'A B', upstreams: [{ id: 'A B', description: '', url: 'http://x/' }] });
  t.throws(() => loadUpstreams(badId), /upstreams\.0\.id/);
});

t.test('--upstream ID|URL, then $YUMDA_UPSTREAM_URL, then the default', async (t) => {
  const none = { env: {} };
  t.equal(resolveUpstream(undefined, none).id, 'al2-core');
  t.equal(resolveUpstream(undefined, none).kind, 'mirrorlist');
  t.equal(
    resolveUpstream('al2023-core', none).url,
    'https://cdn.amazonlinux.com/al2023/core/mirrors/latest/SRPMS/mirror.list',
  );
  const env = { env: { YUMDA_UPSTREAM_URL: 'http://127.0.0.1:9/repo/' } };
  t.match(resolveUpstream(undefined, env), {
    id: 'url',
    kind: 'baseurl',
    origin: 'env',
    url: 'http://127.0.0.1:9/repo/',
  });
  t.match(
    resolveUpstream('epel7', env),
    { id: 'epel7', origin: 'flag', enabled: false },
    'the flag beats the environment',
  );
  t.match(resolveUpstream('/srv/mirror/SRPMS/mirror.list', none), { kind: 'mirrorlist', origin: 'flag' });
  const unknown = (() => {
    try {
      resolveUpstream('al2-cor', none);
    } catch (e) {
      return e;
    }
    return null;
  })();
  t.ok(isYumdaError(unknown));
  if (isYumdaError(unknown)) {
    t.equal(unknown.exitCode, 2);
    t.match(unknown.hint, /did you mean al2-core/);
  }
});

t.test('URL kinds: mirror.list / mirrorlist vs base URL; repodata suffixes stripped; metalink refused', async (t) => {
  t.equal(detectUrlKind('http://h/2/core/latest/SRPMS/mirror.list'), 'mirrorlist');
  t.equal(detectUrlKind('https://mirrors.example/mirrorlist?repo=epel-source-7&arch=x86_64'), 'mirrorlist');
  t.equal(detectUrlKind('https://h/pub/epel/7/SRPMS/'), 'baseurl');
  t.equal(detectUrlKind('file:///srv/repo'), 'baseurl');
  t.throws(() => detectUrlKind('https://mirrors.fedoraproject.org/metalink?repo=epel-7'), /metalink/);
  t.equal(normalizeBaseUrl('http://h/r/repodata/repomd.xml'), 'http://h/r');
  t.equal(normalizeBaseUrl('http://h/r/repodata/'), 'http://h/r');
  t.equal(normalizeBaseUrl('http://h/r/'), 'http://h/r');
  t.equal(
    expandVariables('http://amazonlinux.$awsregion.${awsdomain}/2/', {
      awsregion: 'eu-west-1',
      awsdomain: 'amazonaws.com',
    }),
    'http://amazonlinux.eu-west-1.amazonaws.com/2/',
  );
  t.throws(() => expandVariables('http://h/$basearch/', {}), /unknown variable \$basearch/);
});

t.test(
  'mirror lists: one URL a line, comments and blanks skipped, relative lines resolved, duplicates dropped',
  async (t) => {
    const text =
      '# AL2\nhttps://cdn.amazonlinux.com/2/core/2.0/SRPMS/abc/\n\n  https://cdn.amazonlinux.com/2/core/2.0/SRPMS/abc  \r\n../../2.0/SRPMS/def/\n';
    t.same(parseMirrorList(text, 'http://amazonlinux.default.amazonaws.com/2/core/latest/SRPMS/mirror.list'), [
      'https://cdn.amazonlinux.com/2/core/2.0/SRPMS/abc',
      'http://amazonlinux.default.amazonaws.com/2/core/2.0/SRPMS/def',
    ]);
    t.same(
      parseMirrorList('http://$awsregion.example/x/\n', 'http://l/mirror.list', (l) =>
        expandVariables(l, { awsregion: 'us-east-1' }),
      ),
      ['http://us-east-1.example/x'],
    );
  },
);

t.test('tryMirrors: next mirror on unreachable/404/corrupt; a usage error stops at once', async (t) => {
  const seen: string[] = [];
  const ok = await tryMirrors(['a', 'b', 'c'], 'x', async (m) => {
    seen.push(m);
    if (m === 'a') throw new YumdaError('UNREACHABLE', 'down', { exitCode: ExitCode.unreachable });
    if (m === 'b') throw new YumdaError('CHECKSUM_MISMATCH', 'bad', { exitCode: ExitCode.integrity });
    return m;
  });
  t.same(ok, { value: 'c', mirror: 'c' });
  t.same(seen, ['a', 'b', 'c']);
  const integrity = await tryMirrors(['a', 'b'], 'x', async (m) => {
    throw m === 'a'
      ? new YumdaError('UNREACHABLE', 'down', { exitCode: ExitCode.unreachable })
      : new YumdaError('CHECKSUM_MISMATCH', 'bad', { exitCode: ExitCode.integrity });
  }).catch((e: unknown) => e);
  t.match(integrity, { exitCode: ExitCode.integrity, message: /no mirror served a valid copy/ });
  let calls = 0;
  const usage = await tryMirrors(['a', 'b'], 'x', async () => {
    calls++;
    throw new YumdaError('BAD_URL', 'nope', { exitCode: ExitCode.usage });
  }).catch((e: unknown) => e);
  t.match(usage, { code: 'BAD_URL' });
  t.equal(calls, 1);
});

t.test('package URLs resolve hrefs like a browser (AL2 hrefs climb into a shared blobstore)', async (t) => {
  t.equal(
    packageUrl('http://h/2/core/2.0/SRPMS/abc', 'Packages/a.src.rpm'),
    'http://h/2/core/2.0/SRPMS/abc/Packages/a.src.rpm',
  );
  t.equal(
    packageUrl('https://cdn/2/core/2.0/SRPMS/abc/', '../../../../../blobstore/ff/a.src.rpm'),
    'https://cdn/blobstore/ff/a.src.rpm',
  );
  t.equal(packageUrl('/srv/repo', 'Packages/a.src.rpm'), '/srv/repo/Packages/a.src.rpm');
  t.equal(packageUrl('s3://bucket/repo', 'Packages/a.src.rpm'), 's3://bucket/repo/Packages/a.src.rpm');
  t.equal(packageUrl('http://h/r', 'https://elsewhere/a.src.rpm'), 'https://elsewhere/a.src.rpm');
});

function pkg(name: string, epoch: number, version: string, release: string): SourcePackage {
  return {
    name,
    epoch,
    version,
    release,
    checksum: { type: 'sha256', value: '0' },
    size: 1,
    locationHref: `Packages/${name}-${version}-${release}.src.rpm`,
  };
}

t.test('selection: newest by rpm order, exact N-V-R, N-E:V-R, N-V, names containing dashes', async (t) => {
  const index = buildSourceIndex([
    pkg('openssh', 0, '7.4p1', '22.amzn2.0.1'),
    pkg('openssh', 0, '7.4p1', '22.amzn2.0.10'),
    pkg('openssh', 0, '7.4p1', '22.amzn2.0.9'),
    pkg('openssh-extra', 0, '1.0', '1'),
    pkg('git', 0, '2.40.1', '1.amzn2.0.3'),
    pkg('git', 0, '2.9.5', '1.amzn2'),
    pkg('ep', 1, '1.0', '1'),
    pkg('ep', 0, '9.0', '1'),
  ]);
  t.equal(evrString(selectSource(index, 'openssh')!), '7.4p1-22.amzn2.0.10');
  t.equal(evrString(selectSource(index, 'git')!), '2.40.1-1.amzn2.0.3');
  t.equal(evrString(selectSource(index, 'ep')!), '1:1.0-1');
  t.equal(selectSource(index, 'openssh-extra')!.name, 'openssh-extra');
  t.equal(evrString(selectSource(index, 'openssh-7.4p1-22.amzn2.0.1')!), '7.4p1-22.amzn2.0.1');
  t.equal(evrString(selectSource(index, 'git-2.9.5')!), '2.9.5-1.amzn2');
  t.equal(evrString(selectSource(index, 'ep-0:9.0-1')!), '9.0-1');
  t.equal(evrString(selectSource(index, 'git-2.40.1-1.amzn2.0.3.src.rpm')!), '2.40.1-1.amzn2.0.3');
  t.equal(selectSource(index, 'git-3.0-1'), undefined);
  t.equal(selectSource(index, 'gti'), undefined);
  const err = notFoundError(index, ['gti', 'git-3.0-1', 'zzzzzz'], 'al2-core');
  t.match(err.message, /no source package "gti", "git-3\.0-1", "zzzzzz" in upstream al2-core/);
  t.match(err.hint, /gti: did you mean git\?/);
  t.match(err.hint, /git-3\.0-1: git exists with 2\.40\.1-1\.amzn2\.0\.3, 2\.9\.5-1\.amzn2/);
  t.match(err.hint, /zzzzzz: no similar source package names/);
});

t.test('closeMatches: edit distance and substrings, best first', async (t) => {
  t.same(closeMatches('opensh', ['openssh', 'openssl', 'git', 'openssh-clients']), ['openssh', 'openssl']);
  t.same(closeMatches('openssh', ['openssh-clients', 'openssl']), ['openssl', 'openssh-clients']);
  t.same(closeMatches('ssh', ['openssh', 'libssh2', 'git']), ['libssh2', 'openssh']);
  t.same(closeMatches('x', ['git']), []);
});

t.test('CLI: source upstreams lists the file, default marked', async (t) => {
  const r = await yumda(['source', 'upstreams', '--json']);
  t.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { default: string; upstreams: Array<{ id: string }> };
  t.equal(json.default, 'al2-core');
  t.ok(json.upstreams.some((u) => u.id === 'al2023-core'));
});
