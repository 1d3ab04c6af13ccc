#!/usr/bin/env bash
# debian-root.sh SUITE DEST
#
# Create a Debian root file system for SUITE (bookworm, trixie) at DEST, looking
# like a fresh Debian server *before* anyone installed Xen: systemd, udev,
# ifupdown + DHCP client, a dom0-capable kernel (linux-image-amd64),
# initramfs-tools and the GRUB tooling (grub2-common + grub-pc-bin, so
# update-grub / grub-mkconfig exist; grub-pc itself is left out because its
# postinst wants to install to an MBR). lvm2, bridge-utils and Xen are left
# out on purpose: xensetup installs them.
#
# Two cache levels under <repo>/.cache/roots/ (gitignored):
#   SUITE-minbase-KEY.tar.zst  plain `debootstrap --variant=minbase` result
#   SUITE-server-KEY.tar.zst   minbase + kernel, initramfs-tools, GRUB tooling
# KEY hashes the package lists, so editing them invalidates the cache.
# The first call takes a few minutes; later calls only untar (seconds).
#
# DEST must not exist, or be an empty directory (a fresh ext4 mount point with
# only lost+found is accepted), so the script can also fill a mounted image.
#
# Environment:
#   DEBIAN_MIRROR        mirror URL (default: read from the host's apt sources)
#   DEBIAN_ROOT_REFRESH  =1 rebuilds both cache levels
#   DEBIAN_ROOT_CACHE    cache directory (default <repo>/.cache/roots)
#
# Needs root and the host packages: debootstrap zstd (and tar, util-linux).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="${DEBIAN_ROOT_CACHE:-$REPO_ROOT/.cache/roots}"

# What debootstrap installs (level 1) and what apt adds on top (level 2).
MINBASE_INCLUDE="systemd,systemd-sysv,udev,dbus,iproute2,kmod,ifupdown,isc-dhcp-client,netbase,procps,ca-certificates"
SERVER_PACKAGES="linux-image-amd64 initramfs-tools grub2-common grub-pc-bin"

log() { printf '[debian-root] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { echo "usage: $0 SUITE DEST" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
SUITE="$1"
DEST="$2"
[[ "$SUITE" =~ ^[a-z]+$ ]] || die "bad suite name: $SUITE"
[[ $EUID -eq 0 ]] || die "must run as root"
for c in debootstrap zstd tar chroot mount umount; do
  command -v "$c" >/dev/null || die "missing host command: $c (apt-get install debootstrap zstd)"
done

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

KEY="$(printf '%s\n%s\nv1\n' "$MINBASE_INCLUDE" "$SERVER_PACKAGES" | sha256sum | cut -c1-10)"
MINBASE_TAR="$CACHE_DIR/$SUITE-minbase-$KEY.tar.zst"
SERVER_TAR="$CACHE_DIR/$SUITE-server-$KEY.tar.zst"

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

build_server() {
  local root="$WORK/server"
  mkdir -p "$root"
  unpack "$MINBASE_TAR" "$root"
  log "installing server base into $SUITE root: $SERVER_PACKAGES"
  # No service may start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  chroot_mounts "$root"
  # shellcheck disable=SC2086
  if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
      apt-get install -y -q --no-install-recommends $SERVER_PACKAGES >"$WORK/apt.log" 2>&1; then
    tail -n 40 "$WORK/apt.log" >&2; die "apt-get install in chroot failed"
  fi
  chroot "$root" apt-get clean
  chroot_umounts
  rm -f "$root/usr/sbin/policy-rc.d"
  # What grub-pc's postinst would have done: the stock /etc/default/grub.
  if [[ ! -e "$root/etc/default/grub" && -e "$root/usr/share/grub/default/grub" ]]; then
    cp "$root/usr/share/grub/default/grub" "$root/etc/default/grub"
  fi
  mkdir -p "$root/etc/default/grub.d" "$root/boot/grub"
  echo debian >"$root/etc/hostname"; chmod 644 "$root/etc/hostname"
  [[ -f "$root/etc/resolv.conf" && ! -L "$root/etc/resolv.conf" ]] && chmod 644 "$root/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  # A fresh image: systemd generates the machine id on first boot.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  [[ -e "$root/etc/network/interfaces" ]] || \
    printf 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n' >"$root/etc/network/interfaces"
  ls "$root"/boot/vmlinuz-* >/dev/null 2>&1 || die "no kernel in $root/boot"
  ls "$root"/boot/initrd.img-* >/dev/null 2>&1 || die "no initrd in $root/boot"
  pack "$root" "$SERVER_TAR"
  rm -rf --one-file-system "$root"
}

# --- DEST checks -------------------------------------------------------------
if [[ -e "$DEST" ]]; then
  [[ -d "$DEST" ]] || die "DEST exists and is not a directory: $DEST"
  if [[ -n "$(find "$DEST" -mindepth 1 -maxdepth 1 ! -name lost+found -print -quit)" ]]; then
    die "DEST is not empty: $DEST"
  fi
else
  mkdir -p "$DEST"
fi

mkdir -p "$CACHE_DIR"
# One builder at a time per cache (parallel jest workers, two engineers...).
exec 9>"$CACHE_DIR/.lock"
flock -w 1800 9 || die "timed out waiting for $CACHE_DIR/.lock"

if [[ "${DEBIAN_ROOT_REFRESH:-0}" == 1 ]]; then
  rm -f "$MINBASE_TAR" "$SERVER_TAR"
fi
if [[ ! -s "$SERVER_TAR" ]]; then
  WORK="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
  [[ -s "$MINBASE_TAR" ]] || build_minbase
  build_server
  rm -rf --one-file-system "$WORK"
  WORK=""
  # Drop stale cache generations for this suite.
  find "$CACHE_DIR" -maxdepth 1 -name "$SUITE-*.tar.zst" ! -name "*-$KEY.tar.zst" -delete
fi
flock -u 9

log "unpacking $(basename "$SERVER_TAR") into $DEST"
unpack "$SERVER_TAR" "$DEST"
log "done: $DEST"
