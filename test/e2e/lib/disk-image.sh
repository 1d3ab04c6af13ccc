#!/usr/bin/env bash
# Disk images for the boot lab: a root file system tree -> a partitioned raw
# disk image (MBR, one bootable ext4 partition at 1 MiB), loop-attached and
# mounted so that `chroot MNT update-grub` works and generates a grub.cfg that
# boots the image in QEMU.
#
# Why partitioned: grub-mkconfig_lib treats a root on /dev/loop[0-9] (a bare
# file system on a loop device) as "root file system inside a file" and runs
# grub-probe on the loop's backing file path; that path does not exist in the
# chroot, so update-grub dies with "failed to get canonical path of
# `/…/disk.img'". A partition (/dev/loopNp1) takes the normal path.
# Why the by-uuid link: 10_linux/20_linux_xen only write root=UUID=… when
# /dev/disk/by-uuid/<uuid> exists; otherwise the entry says root=/dev/loopNp1,
# which does not boot. udev creates the link on ordinary hosts; where udev is
# not running (these VMs) we create it and remove it again on detach.
#
# Use as a library (source it; functions img_*) or as a command:
#   disk-image.sh create ROOTDIR IMG SIZE_MIB   root tree -> partitioned image
#   disk-image.sh blank IMG SIZE_MIB            sparse raw image (e.g. a VG disk)
#   disk-image.sh mount IMG MNT                 attach + mount partition 1; prints the loop device
#   disk-image.sh umount MNT                    unmount MNT recursively, detach its loop device
#   disk-image.sh attach IMG                    losetup a whole image; prints the loop device
#   disk-image.sh detach IMG                    detach every loop device backed by IMG
# Needs root and: util-linux (losetup, partx, findmnt), fdisk (sfdisk), e2fsprogs.

IMG_PART_START_MIB=1

_img_log() { printf '[disk-image] %s\n' "$*" >&2; }

# img_create ROOTDIR IMG SIZE_MIB [LABEL [FS_UUID]]
img_create() {
  local root="$1" img="$2" size_mib="$3" label="${4:-xs-root}" uuid="${5:-}" fs_kib
  [[ -d "$root" ]] || { _img_log "no such root dir: $root"; return 1; }
  rm -f "$img"
  truncate -s "${size_mib}M" "$img"
  printf 'label: dos\nstart=%dMiB, type=83, bootable\n' "$IMG_PART_START_MIB" | sfdisk -q "$img" >/dev/null
  fs_kib=$(( (size_mib - IMG_PART_START_MIB) * 1024 ))
  # -d copies the tree (owners, modes, xattrs, device nodes) without mounting.
  mkfs.ext4 -q -F -L "$label" ${uuid:+-U "$uuid"} -E "offset=$((IMG_PART_START_MIB * 1024 * 1024))" -d "$root" "$img" "${fs_kib}k"
}

# img_blank IMG SIZE_MIB
img_blank() {
  rm -f "$1"
  truncate -s "${2}M" "$1"
}

# img_attach IMG  -> prints /dev/loopN; partition nodes (if any) exist on return.
img_attach() {
  local img="$1" loop i
  loop="$(losetup -f --show -P "$img")"
  if [[ -n "$(sfdisk -d "$img" 2>/dev/null | grep -E '^[^#].*start=' || true)" ]]; then
    # Kernels without CONFIG_MSDOS_PARTITION (these VMs) do not scan the
    # table: add the partitions by hand.
    [[ -b "${loop}p1" ]] || partx -a "$loop" 2>/dev/null || true
    for ((i=0; i<50; i++)); do [[ -b "${loop}p1" ]] && break; sleep 0.1; done
    [[ -b "${loop}p1" ]] || { losetup -d "$loop"; _img_log "no partition node ${loop}p1"; return 1; }
    img_uuid_link "${loop}p1"
  fi
  echo "$loop"
}

# img_uuid_link DEV: make sure /dev/disk/by-uuid/<fs uuid> -> DEV exists.
img_uuid_link() {
  local dev="$1" uuid
  uuid="$(blkid -p -s UUID -o value "$dev" 2>/dev/null || true)"
  [[ -n "$uuid" ]] || return 0
  if [[ ! -e "/dev/disk/by-uuid/$uuid" ]] && command -v udevadm >/dev/null && [[ -d /run/udev/data ]]; then
    udevadm settle -t 10 2>/dev/null || true
  fi
  if [[ ! -e "/dev/disk/by-uuid/$uuid" ]]; then
    mkdir -p /dev/disk/by-uuid
    ln -sfn "../../${dev#/dev/}" "/dev/disk/by-uuid/$uuid"
  fi
}

# _img_unlink_uuids LOOP: remove by-uuid links that point at LOOP or its partitions
# (only links, only ours or dangling ones; udev-managed hosts re-create theirs).
_img_unlink_uuids() {
  local loop="$1" l t
  [[ -d /dev/disk/by-uuid ]] || return 0
  for l in /dev/disk/by-uuid/*; do
    [[ -L "$l" ]] || continue
    t="$(readlink "$l")"
    case "/dev/${t#../../}" in "$loop"|"$loop"p*) rm -f "$l" ;; esac
  done
  rmdir /dev/disk/by-uuid /dev/disk 2>/dev/null || true
}

# img_detach IMG: detach every loop device backed by IMG (idempotent).
img_detach() {
  local img="$1" loop
  [[ -e "$img" ]] || return 0
  for loop in $(losetup -n -O NAME -j "$img" 2>/dev/null); do
    _img_unlink_uuids "$loop"
    losetup -d "$loop" 2>/dev/null || true
  done
}

# img_mount IMG MNT -> prints the loop device of the whole disk.
img_mount() {
  local img="$1" mnt="$2" loop
  mkdir -p "$mnt"
  loop="$(img_attach "$img")"
  if ! mount "${loop}p1" "$mnt"; then img_detach "$img"; return 1; fi
  echo "$loop"
}

# img_umount MNT: unmount MNT and everything below it (chroot binds too), then
# detach the loop device it came from (idempotent).
img_umount() {
  local mnt="$1" src loop
  mnt="$(readlink -f "$mnt" 2>/dev/null || echo "$1")"
  src="$(findmnt -n -o SOURCE --mountpoint "$mnt" 2>/dev/null | tail -n1 || true)"
  if mountpoint -q "$mnt" 2>/dev/null; then
    sync -f "$mnt" 2>/dev/null || true
    umount -R "$mnt" 2>/dev/null || { _img_log "busy: lazy unmount of $mnt"; umount -R -l "$mnt" || true; }
  fi
  case "$src" in
    /dev/loop*)
      loop="${src%p[0-9]*}"
      _img_unlink_uuids "$loop"
      losetup -d "$loop" 2>/dev/null || true
      ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  [[ $EUID -eq 0 ]] || { echo "must run as root" >&2; exit 1; }
  cmd="${1:-}"; shift || true
  case "$cmd" in
    create) [[ $# -ge 3 && $# -le 5 ]] || { echo "usage: $0 create ROOTDIR IMG SIZE_MIB [LABEL [UUID]]" >&2; exit 2; }; img_create "$@" ;;
    blank)  [[ $# -eq 2 ]] || { echo "usage: $0 blank IMG SIZE_MIB" >&2; exit 2; }; img_blank "$@" ;;
    mount)  [[ $# -eq 2 ]] || { echo "usage: $0 mount IMG MNT" >&2; exit 2; }; img_mount "$@" ;;
    umount) [[ $# -eq 1 ]] || { echo "usage: $0 umount MNT" >&2; exit 2; }; img_umount "$@" ;;
    attach) [[ $# -eq 1 ]] || { echo "usage: $0 attach IMG" >&2; exit 2; }; img_attach "$@" ;;
    detach) [[ $# -eq 1 ]] || { echo "usage: $0 detach IMG" >&2; exit 2; }; img_detach "$@" ;;
    *) echo "usage: $0 create|blank|mount|umount|attach|detach ..." >&2; exit 2 ;;
  esac
fi
