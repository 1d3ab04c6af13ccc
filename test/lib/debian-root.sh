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
# Two cache levels under <repo>/.cache/roots/ (gitignored; root-cache.sh keeps them):
#   SUITE-minbase-KEY.tar.zst  plain `debootstrap --variant=minbase` result
#   SUITE-server-KEY.tar.zst   minbase + kernel, initramfs-tools, GRUB tooling
# KEY hashes the package lists, so editing them invalidates the cache.
# The first call takes a few minutes; later calls only untar (seconds).
# (node-root.sh makes a third level on the same minbase: Debian's own nodejs.)
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

LOG_TAG=debian-root
# shellcheck source=root-cache.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/root-cache.sh"

root_cache_init "$@"

build_server() {
  local root="$WORK/server"
  mkdir -p "$root"
  unpack "$MINBASE_TAR" "$root"
  # shellcheck disable=SC2086
  chroot_apt_install "$root" $SERVER_PACKAGES
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

unpack_level "$SERVER_TAR" build_server
