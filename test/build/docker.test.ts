import t from 'tap';
import { containerBuildScript, dockerImageBuildArgv, dockerImageIdentity, dockerRunArgv, shellQuote } from '../../src/build/builders/docker.js';
import { projectPath } from '../../src/util/paths.js';

t.test('the image is built from docker/build with the macros as a named context', async (t) => {
  t.same(dockerImageBuildArgv({ image: 'yumda-build:al2', root: '/src/yumda' }), [
    'docker', 'build', '--tag', 'yumda-build:al2', '--file', '/src/yumda/docker/build/Dockerfile',
    '--build-context', 'macros=/src/yumda/repo-metadata/macros', '/src/yumda/docker/build',
  ]);
});

t.test('one fresh container per package, inputs read-only, deps mounted one by one', async (t) => {
  const argv = dockerRunArgv({
    image: 'yumda-build:al2',
    uid: 1001,
    gid: 1002,
    job: {
      name: 'libsample',
      specFile: '/w/libsample/topdir/SPECS/libsample.spec',
      sourcesDir: '/w/libsample/topdir/SOURCES',
      resultDir: '/w/libsample/result',
      dependencyRpms: ['/out/RPMS/x86_64/a-devel-1-1.lambda2.x86_64.rpm'],
    },
  });
  t.same(argv.slice(0, 3), ['docker', 'run', '--rm']);
  const text = argv.join(' ');
  t.match(text, '--volume /w/libsample/topdir/SPECS:/input/SPECS:ro');
  t.match(text, '--volume /w/libsample/topdir/SOURCES:/input/SOURCES:ro');
  t.match(text, '--volume /w/libsample/result:/output ');
  t.match(text, '--volume /out/RPMS/x86_64/a-devel-1-1.lambda2.x86_64.rpm:/deps/a-devel-1-1.lambda2.x86_64.rpm:ro');
  t.match(text, '--env HOST_UID=1001 --env HOST_GID=1002');
  const imageAt = argv.indexOf('yumda-build:al2');
  t.same(argv.slice(imageAt + 1, imageAt + 3), ['/bin/bash', '-c']);
  t.equal(argv.length, imageAt + 4, 'the script is the last word');
});

t.test('the container script: deps, yum-builddep, rpmbuild as the build user, copy out', async (t) => {
  const script = containerBuildScript({ specName: 'libsample.spec', hasDependencies: true });
  const lines = script.trim().split('\n');
  t.equal(lines[0], 'set -euo pipefail');
  const order = ['yum install -y --nogpgcheck /deps/*.rpm', 'yum-builddep -y /home/builder/rpmbuild/SPECS/libsample.spec', 'runuser -u builder -- rpmbuild -ba --nocheck', 'cp -a /home/builder/rpmbuild/RPMS/. /output/RPMS/', 'chown -R "$HOST_UID:$HOST_GID" /output'];
  let last = -1;
  for (const step of order) {
    const at = lines.findIndex((l) => l.includes(step));
    t.ok(at > last, `${step} comes in order`);
    last = at;
  }
  t.match(script, `--define '_topdir /home/builder/rpmbuild'`);
  t.notMatch(containerBuildScript({ specName: 'x.spec', hasDependencies: false }), '/deps', 'no deps step without deps');
});

t.test('the script is valid bash', async (t) => {
  const { execa } = await import('execa');
  const r = await execa('bash', ['-n', '-c', containerBuildScript({ specName: "we'ird.spec", hasDependencies: true })], { reject: false });
  t.equal(r.exitCode, 0, String(r.stderr));
});

t.test('shell quoting', async (t) => {
  t.equal(shellQuote('plain/path-1.0.spec'), 'plain/path-1.0.spec');
  t.equal(shellQuote('a b'), `'a b'`);
  t.equal(shellQuote(`it's`), `'it'\\''s'`);
});

t.test('image identity needs no engine and follows the recipe', async (t) => {
  const a = await dockerImageIdentity('yumda-build:al2', projectPath());
  t.match(a, /^docker:yumda-build:al2:[0-9a-f]{16}$/);
  t.equal(await dockerImageIdentity('yumda-build:al2', projectPath()), a, 'stable');
  t.not(await dockerImageIdentity('other:tag', projectPath()), a);
});

t.test('the Dockerfile has what the builder relies on', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(projectPath('docker/build/Dockerfile'), 'utf8');
  t.match(text, /^FROM amazonlinux:2$/m);
  for (const pkg of ['rpm-build', 'yum-utils', 'gcc', 'make']) t.match(text, new RegExp(`yum install -y[^\\n]*\\b${pkg}\\b`), pkg);
  t.match(text, 'COPY --from=macros lambda2.macros /etc/rpm/macros.lambda2');
  t.match(text, 'ln -s /usr/lib64 /opt/lib');
  t.match(text, 'ln -s /usr/include /opt/include');
  t.match(text, 'ln -s /usr/bin /opt/bin');
  t.match(text, /useradd [^\n]*builder/);
  t.match(containerBuildScript({ specName: 'x.spec', hasDependencies: false }), 'runuser -u builder', 'the script uses the user the image creates');
});
