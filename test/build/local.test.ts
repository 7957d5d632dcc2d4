import t from 'tap';
import { localRpmbuildArgv, LocalBuilder, rewritePkgConfig, sysrootEnv } from '../../src/build/builders/local.js';
import { createBuilder } from '../../src/build/builders/index.js';
import { YumdaError } from '../../src/util/errors.js';

t.test('rpmbuild command line: isolated topdir, the target macros loaded, no host BuildRequires check', async (t) => {
  t.same(
    localRpmbuildArgv({
      topDir: '/w/topdir',
      specFile: '/w/topdir/SPECS/a.spec',
      macroFiles: ['/m/al2-standins.macros', '/m/lambda2.macros'],
    }),
    [
      'rpmbuild',
      '-ba',
      '--nocheck',
      '--nodeps',
      '--define',
      '_topdir /w/topdir',
      '--define',
      '_buildshell /bin/bash',
      '--load',
      '/m/al2-standins.macros',
      '--load',
      '/m/lambda2.macros',
      '/w/topdir/SPECS/a.spec',
    ],
  );
});

t.test('the sysroot environment points the toolchain at SYSROOT/opt', async (t) => {
  const env = sysrootEnv('/s', '/opt', { PATH: '/usr/bin', PKG_CONFIG_PATH: '/x' });
  t.equal(env.CPATH, '/s/opt/include');
  t.equal(env.LIBRARY_PATH, '/s/opt/lib');
  t.equal(env.LD_LIBRARY_PATH, '/s/opt/lib');
  t.equal(env.PKG_CONFIG_PATH, '/s/opt/lib/pkgconfig:/s/opt/share/pkgconfig:/x');
  t.equal(env.PATH, '/s/opt/bin:/usr/bin');
});

t.test('pkg-config files are pointed into the sysroot', async (t) => {
  const pc =
    'prefix=/opt\nlibdir=/opt/lib\nincludedir=${prefix}/include\nother=/optional\n\nName: x\nLibs: -L${libdir} -lx\n';
  t.equal(
    rewritePkgConfig(pc, '/s', '/opt'),
    'prefix=/s/opt\nlibdir=/s/opt/lib\nincludedir=${prefix}/include\nother=/optional\n\nName: x\nLibs: -L${libdir} -lx\n',
  );
});

t.test('a missing rpmbuild is a clear error with an install hint', async (t) => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await new LocalBuilder().ensureAvailable();
    t.fail('must throw');
  } catch (e) {
    t.ok(e instanceof YumdaError);
    t.equal((e as YumdaError).code, 'RPMBUILD_MISSING');
    t.match((e as YumdaError).hint, /apt-get install rpm/);
  } finally {
    process.env.PATH = saved;
  }
});

t.test('builder selection', async (t) => {
  t.equal(createBuilder('local').kind, 'local');
  t.equal(createBuilder('docker').kind, 'docker');
  t.throws(() => createBuilder('podman'), { code: 'BAD_BUILDER' });
  t.match(await createBuilder('local').identity(), /^local:rpmbuild-\d/);
});
