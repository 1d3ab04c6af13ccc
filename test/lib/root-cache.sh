# root-cache.sh: sourced by debian-root.sh and node-root.sh, never run.
#
# The cache of debootstrapped Debian roots under <repo>/.cache/roots/ (gitignored), one tarball per level:
#   SUITE-minbase-KEY.tar.zst       plain `debootstrap --variant=minbase` result    (built here)
#   SUITE-server-KEY.tar.zst        minbase + kernel, initramfs-tools, GRUB tooling (debian-root.sh)
#   SUITE-node-NODE_KEY.tar.zst     minbase + Debian's own nodejs                   (node-root.sh)
# KEY hashes the minbase and server package lists (both, for historical reasons: keep it so, or every
# cache is rebuilt); NODE_KEY hashes KEY and the node package list. Editing a list invalidates its level.
# One builder at a time per cache directory (cache_lock): parallel jest workers, CI jobs, two engineers.
#
# The sourcing script sets LOG_TAG first and calls root_cache_init "$@" (SUITE DEST).
#
# Environment:
#   DEBIAN_MIRROR        mirror URL (default: read from the host's apt sources)
#   DEBIAN_ROOT_REFRESH  =1 rebuilds the cache levels the calling script uses
#   DEBIAN_ROOT_CACHE    cache directory (default <repo>/.cache/roots)

ROOT_CACHE_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$ROOT_CACHE_LIB_DIR/../.." && pwd)"
CACHE_DIR="${DEBIAN_ROOT_CACHE:-$REPO_ROOT/.cache/roots}"

# What debootstrap installs (level 1) and what apt adds on top (level 2: server, or node).
MINBASE_INCLUDE="systemd,systemd-sysv,udev,dbus,iproute2,kmod,ifupdown,isc-dhcp-client,netbase,procps,ca-certificates"
SERVER_PACKAGES="linux-image-amd64 initramfs-tools grub2-common grub-pc-bin"
NODE_PACKAGES="nodejs"

log() { printf '[%s] %s\n' "${LOG_TAG:-root-cache}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Checks and paths; needs SUITE.
# root_cache_init SUITE DEST (the calling script's arguments): sets SUITE, DEST and the cache file names.
root_cache_init() {
  [[ $# -eq 2 ]] || { echo "usage: $0 SUITE DEST" >&2; exit 2; }
  SUITE="$1"
  DEST="$2"
  [[ "$SUITE" =~ ^[a-z]+$ ]] || die "bad suite name: $SUITE"
  [[ $EUID -eq 0 ]] || die "must run as root"
  local c
  for c in debootstrap zstd tar chroot mount umount flock; do
    command -v "$c" >/dev/null || die "missing host command: $c (apt-get install debootstrap zstd)"
  done
  KEY="$(printf '%s\n%s\nv1\n' "$MINBASE_INCLUDE" "$SERVER_PACKAGES" | sha256sum | cut -c1-10)"
  NODE_KEY="$(printf '%s\n%s\nnode-v1\n' "$KEY" "$NODE_PACKAGES" | sha256sum | cut -c1-10)"
  MINBASE_TAR="$CACHE_DIR/$SUITE-minbase-$KEY.tar.zst"
  SERVER_TAR="$CACHE_DIR/$SUITE-server-$KEY.tar.zst"
  NODE_TAR="$CACHE_DIR/$SUITE-node-$NODE_KEY.tar.zst"
}

# Mirror: env override, else the first non-security URI in the host's apt sources.
find_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri="$(awk 'tolower($1)=="uris:" { for (i=2;i<=NF;i++) print $i }' "$f" | grep -v -- '-security' | head -n1 || true)"
    [[ -n "$uri" ]] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    uri="$(sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]].*/\2/p' "$f" | grep -v -- '-security' | head -n1 || true)"
    [[ -n "$uri" ]] && { echo "$uri"; return; }
  done
  die "no Debian mirror found in /etc/apt sources; set DEBIAN_MIRROR"
}

# State for cleanup.
WORK=""
MOUNTS=()
cleanup() {
  local rc=$? i
  for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true
  done
  MOUNTS=()
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    # Never rm -rf through a mount that failed to go away.
    if ! grep -q " $WORK/" /proc/self/mounts; then rm -rf --one-file-system "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chroot_mounts() {
  local r="$1"
  mount -t proc proc "$r/proc"; MOUNTS+=("$r/proc")
  # Binds are made slaves so nothing mounted below them propagates to the host
  # (systemd hosts mount / shared).
  mount --bind /sys "$r/sys"; MOUNTS+=("$r/sys"); mount --make-slave "$r/sys"
  mount --bind /dev "$r/dev"; MOUNTS+=("$r/dev"); mount --make-slave "$r/dev"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"; MOUNTS+=("$r/dev/pts")
}
chroot_umounts() {
  local i
  for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do umount "${MOUNTS[$i]}"; done
  MOUNTS=()
}

pack() { # DIR TARBALL
  local dir="$1" out="$2"
  tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$dir" -cf - . \
    | zstd -q -T0 -3 -o "$out.tmp.$$"
  mv -f "$out.tmp.$$" "$out"
}
unpack() { # TARBALL DIR
  zstd -q -dc "$1" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$2" -xpf -
}

# A work directory in the cache (same file system as the tarballs), removed by cleanup on failure.
work_begin() { WORK="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"; }
work_end() { rm -rf --one-file-system "$WORK"; WORK=""; }

build_minbase() {
  local mirror root
  mirror="$(find_mirror)"
  root="$WORK/minbase"
  mkdir -p "$root"
  log "debootstrap $SUITE (minbase) from $mirror"
  debootstrap --variant=minbase --arch=amd64 --include="$MINBASE_INCLUDE" \
    "$SUITE" "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; tail -n 30 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true; die "debootstrap failed"; }
  rm -f "$root/var/cache/apt/archives/"*.deb
  pack "$root" "$MINBASE_TAR"
  rm -rf --one-file-system "$root"
}

# The minbase level, built if missing (call with the cache locked and a work directory).
ensure_minbase() { [[ -s "$MINBASE_TAR" ]] || build_minbase; }

# apt-get install --no-install-recommends PACKAGES... in ROOT, no service started (policy-rc.d), with
# /proc, /sys, /dev mounted for the maintainer scripts and unmounted afterwards; apt's cache emptied.
chroot_apt_install() { # ROOT PACKAGES...
  local root="$1"; shift
  log "installing into $SUITE root: $*"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  chroot_mounts "$root"
  if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
      apt-get install -y -q --no-install-recommends "$@" >"$WORK/apt.log" 2>&1; then
    tail -n 40 "$WORK/apt.log" >&2; die "apt-get install in chroot failed"
  fi
  chroot "$root" apt-get clean
  chroot_umounts
  rm -f "$root/usr/sbin/policy-rc.d"
}

# DEST must not exist, or be an empty directory (a fresh ext4 mount point with only lost+found is
# accepted), so a mounted image can be filled too.
check_dest() {
  if [[ -e "$DEST" ]]; then
    [[ -d "$DEST" ]] || die "DEST exists and is not a directory: $DEST"
    if [[ -n "$(find "$DEST" -mindepth 1 -maxdepth 1 ! -name lost+found -print -quit)" ]]; then
      die "DEST is not empty: $DEST"
    fi
  else
    mkdir -p "$DEST"
  fi
}

cache_lock() {
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock -w 1800 9 || die "timed out waiting for $CACHE_DIR/.lock"
}
cache_unlock() { flock -u 9; }

# Drop stale generations of this suite's cache levels: other keys than the current ones.
drop_stale() {
  find "$CACHE_DIR" -maxdepth 1 \
    \( \( \( -name "$SUITE-minbase-*.tar.zst" -o -name "$SUITE-server-*.tar.zst" \) ! -name "*-$KEY.tar.zst" \) \
    -o \( -name "$SUITE-node-*.tar.zst" ! -name "*-$NODE_KEY.tar.zst" \) \) -delete
}

# unpack_level TARBALL BUILDER: DEST filled from TARBALL, a level on the minbase one; BUILDER (a function
# that packs TARBALL from $WORK) runs first when the cache has no TARBALL (or DEBIAN_ROOT_REFRESH=1).
unpack_level() {
  local tarball="$1" builder="$2"
  check_dest
  cache_lock
  if [[ "${DEBIAN_ROOT_REFRESH:-0}" == 1 ]]; then rm -f "$MINBASE_TAR" "$tarball"; fi
  if [[ ! -s "$tarball" ]]; then
    work_begin
    ensure_minbase
    "$builder"
    work_end
    drop_stale
  fi
  cache_unlock
  log "unpacking $(basename "$tarball") into $DEST"
  unpack "$tarball" "$DEST"
  log "done: $DEST"
}
