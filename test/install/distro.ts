/** The small distribution the client tests install from (built once, cached by spec hash). */
import type { FixtureSource } from './fixtures.js';

const greetLib = `#include <stdio.h>
int greet_print(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) { perror(path); return 1; }
  char buf[256]; size_t n = fread(buf, 1, sizeof buf - 1, f); buf[n] = 0; fclose(f);
  printf("greet: %s", buf);
  return 0;
}
`;
const greetMain = `int greet_print(const char *path);
int main(void) { return greet_print("/opt/share/greet/message.txt"); }
`;

export const distro: FixtureSource[] = [
  {
    // a program that needs a library and a data file from two other packages of the same source
    name: 'greet',
    version: '1.2',
    preamble: ['%global __requires_exclude ^libc\\\\.so.*$'],
    build: [
      `echo ${Buffer.from(greetLib).toString('base64')} | base64 -d > greet.c`,
      `echo ${Buffer.from(greetMain).toString('base64')} | base64 -d > main.c`,
      'gcc -shared -fPIC -Wl,-soname,libgreet.so.1 -o libgreet.so.1.0 greet.c',
      'ln -sf libgreet.so.1.0 libgreet.so.1',
      'gcc -o greet main.c -L. -l:libgreet.so.1',
    ],
    packages: [
      {
        name: 'greet',
        arch: 'native',
        summary: 'prints the greeting',
        requires: ['greet-data = %{version}-%{release}', '/bin/sh'],
        files: { '/tmp/var/lib/greet/state': 'state\n', '/opt/share/doc/greet/README': 'docs\n' },
        install: ['mkdir -p %{buildroot}/opt/bin', 'install -m 0755 greet %{buildroot}/opt/bin/greet'],
        extraFiles: ['/opt/bin/greet'],
      },
      {
        name: 'greet-libs',
        arch: 'native',
        summary: 'the greeting library',
        install: [
          'mkdir -p %{buildroot}/opt/lib',
          'install -m 0755 libgreet.so.1.0 %{buildroot}/opt/lib/',
          'ln -s libgreet.so.1.0 %{buildroot}/opt/lib/libgreet.so.1',
        ],
        extraFiles: ['/opt/lib/libgreet.so.1.0', '/opt/lib/libgreet.so.1'],
      },
      {
        name: 'greet-data',
        summary: 'the greeting text',
        files: { '/opt/share/greet/message.txt': 'hello from a layer\n' },
      },
    ],
  },
  {
    name: 'tool',
    packages: [
      {
        name: 'tool',
        summary: 'a shell tool using greet',
        requires: [
          'greet',
          '/bin/sh',
          'zlib',
          'libz.so.1()(64bit)',
          'libc.so.6(GLIBC_2.17)(64bit)',
          '/opt/share/greet/message.txt',
        ],
        requiresPost: ['shadow-utils'],
        files: { '/opt/bin/tool': '#!/bin/sh\nexec /opt/bin/greet\n' },
        symlinks: { '/opt/bin/tool-link': 'tool' },
      },
    ],
  },
  // alternatives: a capability offered by several packages
  {
    name: 'editor',
    packages: [{ name: 'editor', provides: ['text-editor'], files: { '/opt/bin/editor': '#!/bin/sh\n' } }],
  },
  {
    name: 'vim-editor',
    packages: [
      { name: 'vim-editor', provides: ['text-editor', 'editor-alt'], files: { '/opt/bin/vim': '#!/bin/sh\n' } },
    ],
  },
  {
    name: 'writer',
    packages: [{ name: 'writer', requires: ['text-editor'], files: { '/opt/bin/writer': '#!/bin/sh\n' } }],
  },
  // versioned choices
  { name: 'libv', version: '1.0', packages: [{ name: 'libv', files: { '/opt/share/libv/v': '1\n' } }] },
  { name: 'libv', version: '2.0', packages: [{ name: 'libv', files: { '/opt/share/libv/v': '2\n' } }] },
  {
    name: 'needs-old',
    packages: [{ name: 'needs-old', requires: ['libv < 2.0'], files: { '/opt/share/needs-old': 'x\n' } }],
  },
  {
    name: 'needs-new',
    packages: [{ name: 'needs-new', requires: ['libv >= 2.0'], files: { '/opt/share/needs-new': 'x\n' } }],
  },
  { name: 'epo', version: '1.0', epoch: 1, packages: [{ name: 'epo', files: { '/opt/share/epo': 'e1\n' } }] },
  { name: 'epo', version: '2.0', packages: [{ name: 'epo', files: { '/opt/share/epo': 'e0\n' } }] },
  // upgrades: 2.0 changes a file, drops one and adds one, and needs a newer libv
  {
    name: 'upg',
    version: '1.0',
    packages: [
      {
        name: 'upg',
        requires: ['libv'],
        files: { '/opt/share/upg/common': 'v1\n', '/opt/share/upg/old-only': 'old\n' },
      },
    ],
  },
  {
    name: 'upg',
    version: '2.0',
    packages: [
      {
        name: 'upg',
        requires: ['libv >= 2.0'],
        files: { '/opt/share/upg/common': 'v2\n', '/opt/share/upg/new-only': 'new\n' },
      },
    ],
  },
  // conflicts and obsoletes
  { name: 'conf-a', packages: [{ name: 'conf-a', conflicts: ['conf-b'], files: { '/opt/share/conf-a': 'a\n' } }] },
  { name: 'conf-b', packages: [{ name: 'conf-b', files: { '/opt/share/conf-b': 'b\n' } }] },
  { name: 'oldname', packages: [{ name: 'oldname', files: { '/opt/share/oldname': 'o\n' } }] },
  {
    name: 'newname',
    version: '2.0',
    packages: [
      {
        name: 'newname',
        provides: ['oldname = 2.0'],
        obsoletes: ['oldname < 2.0'],
        files: { '/opt/share/newname': 'n\n' },
      },
    ],
  },
  // failures
  {
    name: 'broken',
    packages: [{ name: 'broken', requires: ['libmissing.so.1()(64bit)'], files: { '/opt/share/broken': 'b\n' } }],
  },
  { name: 'top', packages: [{ name: 'top', requires: ['broken'], files: { '/opt/share/top': 't\n' } }] },
  {
    name: 'zstdpkg',
    defines: { _binary_payload: 'w19.zstdio' },
    packages: [{ name: 'zstdpkg', files: { '/opt/share/zstdpkg': 'z\n' } }],
  },
  {
    name: 'outside',
    packages: [{ name: 'outside', files: { '/etc/outside.conf': 'evil\n', '/opt/share/outside/ok': 'ok\n' } }],
  },
  // same source preference: two providers of a capability, one from the requirer's source RPM
  {
    name: 'suite',
    packages: [
      { name: 'suite', requires: ['suite-backend'], files: { '/opt/share/suite/main': 's\n' } },
      { name: 'suite-impl', provides: ['suite-backend'], files: { '/opt/share/suite/impl': 'i\n' } },
    ],
  },
  { name: 'zz', packages: [{ name: 'zz', provides: ['suite-backend'], files: { '/opt/share/zz': 'z\n' } }] },
];
