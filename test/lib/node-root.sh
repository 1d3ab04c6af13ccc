#!/usr/bin/env bash
# node-root.sh SUITE DEST
#
# Create a minimal Debian root of SUITE (bookworm, trixie) at DEST with the distribution's own Node.js
# (`apt-get install --no-install-recommends nodejs` from SUITE's archive: Debian 12 gives Node 18), to
# run the release bundle (release/xensetup.cjs) on the oldest Node it supports: `chroot DEST node …`.
#
# Cached as its own level under <repo>/.cache/roots/ (see root-cache.sh), on the minbase level that
# debian-root.sh uses too (built here if missing, by the same code):
#   SUITE-node-NODE_KEY.tar.zst  minbase + NODE_PACKAGES
# The first call takes a few minutes (debootstrap, if no minbase is cached yet); later calls only untar.
#
# DEST must not exist, or be an empty directory.
#
# Environment: DEBIAN_MIRROR, DEBIAN_ROOT_CACHE as for debian-root.sh;
#   DEBIAN_ROOT_REFRESH=1 rebuilds the minbase and node levels.
#
# Needs root and the host packages: debootstrap zstd (and tar, util-linux).
set -euo pipefail

LOG_TAG=node-root
# shellcheck source=root-cache.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/root-cache.sh"

root_cache_init "$@"

build_node() {
  local root="$WORK/node" version
  mkdir -p "$root"
  unpack "$MINBASE_TAR" "$root"
  # shellcheck disable=SC2086
  chroot_apt_install "$root" $NODE_PACKAGES
  version="$(chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin node --version)" || die "node does not run in the $SUITE root"
  log "$SUITE's node: $version"
  : >"$root/etc/machine-id"
  pack "$root" "$NODE_TAR"
  rm -rf --one-file-system "$root"
}

unpack_level "$NODE_TAR" build_node
