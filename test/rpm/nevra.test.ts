/** rpm/nevra: how packages are written and read back. */
import t from 'tap';
import { evrString, nevr, nevra, parseNevr, parseNevra } from '../../src/rpm/nevra.js';

t.test('the epoch is written only when it is not 0', async (t) => {
  const p = { name: 'openssh', epoch: 0, version: '7.4p1', release: '22.amzn2', arch: 'x86_64' };
  t.equal(evrString(p), '7.4p1-22.amzn2');
  t.equal(nevr(p), 'openssh-7.4p1-22.amzn2');
  t.equal(nevra(p), 'openssh-7.4p1-22.amzn2.x86_64');
  t.equal(nevra({ ...p, epoch: 1 }), 'openssh-1:7.4p1-22.amzn2.x86_64');
  t.equal(nevr({ ...p, epoch: null }), 'openssh-7.4p1-22.amzn2');
});

t.test('parsing gives back what was written', async (t) => {
  for (const p of [
    { name: 'perl-Digest-MD5', epoch: 0, version: '2.52', release: '3.amzn2.0.2', arch: 'x86_64' },
    { name: 'git', epoch: 2, version: '2.40.1', release: '1.lambda2', arch: 'noarch' },
  ]) {
    t.same(parseNevra(nevra(p)), p);
    t.same(parseNevr(nevr(p)), { name: p.name, epoch: p.epoch, version: p.version, release: p.release });
  }
  t.same(
    parseNevr('dir/git-2.40.1-1.amzn2.0.3.src.rpm'),
    { name: 'git', epoch: 0, version: '2.40.1', release: '1.amzn2.0.3' },
    'a file name',
  );
  t.equal(parseNevr('nodash'), null);
  t.equal(parseNevra('name-1.0-1'), null, 'no arch');
});
