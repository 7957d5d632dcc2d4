#!/usr/bin/env bash
# Installs what yumda's pipeline and tests use on Debian 12 (run as root or with sudo), then the
# npm dependencies. Used by the README quick start and by .ci/run.
#   rpm rpm2cpio cpio       rpmbuild (local builder, test fixtures), reference extraction
#   createrepo-c dnf        reference implementations the tests agree with
#   gnupg                   repository and package signatures
#   gcc libc6-dev make binutils file pkgconf   building the sample distribution
#   bubblewrap              running a layer at /opt without root changes (e2e)
#   zip unzip xz-utils bzip2 zstd              layers and payload compressors
#   ceph-mon ceph-osd radosgw uuid-runtime     a local S3 endpoint (radosgw) for publish/install tests
#   podman runc debootstrap                    containers for real (build and client images; tests use
#                                              runc via CONTAINERS_CONF, images made with debootstrap)
#   db-util                                    Berkeley DB's db_load: AL2-format rpm databases for capture tests
#   autoconf automake libtool                  the headline e2e: AL2's specs regenerate configure (less,
#                                              openssh), Debian's expat and nghttp2 tarballs are snapshots
#   lib*-dev below                             the headline e2e: BuildRequires of git, openssh, curl and
#                                              their closure that the local builder takes from the host
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
log=$(mktemp)
echo "yumda setup: apt-get install (log: $log)"
{
  $SUDO apt-get update -qq &&
  $SUDO apt-get install -y -qq --no-install-recommends \
    rpm rpm2cpio cpio createrepo-c dnf gnupg \
    gcc libc6-dev make binutils file pkgconf \
    bubblewrap zip unzip xz-utils bzip2 zstd ca-certificates \
    ceph-mon ceph-osd radosgw uuid-runtime \
    podman runc debootstrap db-util \
    autoconf automake libtool gettext \
    libssl-dev zlib1g-dev libkrb5-dev libselinux1-dev libaudit-dev libcap-ng-dev libpam0g-dev \
    libcurl4-openssl-dev libpcre2-dev libexpat1-dev libedit-dev libncurses-dev \
    libssh2-1-dev libnghttp2-dev libidn2-dev libunistring-dev
} >"$log" 2>&1 || { tail -50 "$log"; echo "yumda setup: apt-get failed (full log: $log)" >&2; exit 1; }
echo "yumda setup: npm ci"
npm ci --no-audit --no-fund
echo "yumda setup: build"
npm run build >/dev/null
echo "yumda setup: done"
