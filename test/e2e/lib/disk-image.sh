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
# UEFI (img_create_uefi): GPT instead, the same ext4 root as partition 1 (same offset and size), then
# an EFI system partition (FAT32) as partition 2 behind it; the root stays partition 1 so everything
# that mounts or boots "partition 1" is unchanged. The ESP is mounted where the image's own fstab puts
# it (/boot/efi) whenever the image is mounted, as the booted system would. Where the host kernel
# has no vfat (these VMs: no FAT driver, no modules) the ESP is mounted with FUSE (fusefat, rw+):
# a real mount of the partition device all the same, which is what grub-install checks (it finds
# the device of --efi-directory in mountinfo and probes it with GRUB's own FAT driver).
#
# Use as a library (source it; functions img_*) or as a command:
#   disk-image.sh create ROOTDIR IMG SIZE_MIB   root tree -> partitioned image
#   disk-image.sh create-uefi ROOTDIR IMG SIZE_MIB LABEL UUID ESP_MIB ESP_ID   GPT: root + ESP
#   disk-image.sh blank IMG SIZE_MIB            sparse raw image (e.g. a VG disk)
#   disk-image.sh mount IMG MNT                 attach + mount partition 1; prints the loop device
#   disk-image.sh umount MNT                    unmount MNT recursively, detach its loop device
#   disk-image.sh attach IMG                    losetup a whole image; prints the loop device
#   disk-image.sh detach IMG                    detach every loop device backed by IMG
# Needs root and: util-linux (losetup, partx, findmnt), fdisk (sfdisk), e2fsprogs; for UEFI
# dosfstools, and fusefat where the kernel has no vfat.

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

# img_create_uefi ROOTDIR IMG SIZE_MIB LABEL FS_UUID ESP_MIB ESP_ID: GPT; partition 1 the ext4 root
# exactly as img_create makes it (SIZE_MIB - 1 MiB at 1 MiB), partition 2 an ESP of ESP_MIB (FAT32,
# volume id ESP_ID, 8 hex digits: fstab's UUID=XXXX-XXXX), then 1 MiB for GPT's backup header.
img_create_uefi() {
  local root="$1" img="$2" size_mib="$3" label="$4" uuid="$5" esp_mib="$6" esp_id="$7" fs_kib out
  [[ -d "$root" ]] || { _img_log "no such root dir: $root"; return 1; }
  rm -f "$img"
  truncate -s "$((size_mib + esp_mib + 1))M" "$img"
  fs_kib=$(( (size_mib - IMG_PART_START_MIB) * 1024 ))
  printf 'label: gpt\nstart=%dMiB, size=%dKiB, type=L, name=root\nstart=%dMiB, size=%dMiB, type=U, name=ESP\n' \
    "$IMG_PART_START_MIB" "$fs_kib" "$size_mib" "$esp_mib" | sfdisk -q "$img" >/dev/null
  mkfs.ext4 -q -F -L "$label" -U "$uuid" -E "offset=$((IMG_PART_START_MIB * 1024 * 1024))" -d "$root" "$img" "${fs_kib}k"
  # -s 1: one sector per cluster, so a small ESP is still FAT32 (what the UEFI spec asks of an ESP).
  # mkfs.fat warns that the file is longer than the FAT (the backup GPT behind it): show only failures.
  out="$(mkfs.fat -F 32 -s 1 -n ESP -i "$esp_id" --offset "$((size_mib * 2048))" "$img" "$((esp_mib * 1024))" 2>&1)" \
    || { printf '%s\n' "$out" >&2; return 1; }
}

# img_blank IMG SIZE_MIB
img_blank() {
  rm -f "$1"
  truncate -s "${2}M" "$1"
}

# img_attach IMG  -> prints /dev/loopN; partition nodes (if any) exist on return.
img_attach() {
  local img="$1" loop i n p
  loop="$(losetup -f --show -P "$img")"
  n="$(sfdisk -d "$img" 2>/dev/null | grep -cE '^[^#].*start=' || true)"
  if ((n > 0)); then
    # Kernels without CONFIG_MSDOS_PARTITION (these VMs) do not scan the
    # table: add the partitions by hand (GPT too, where that parser is missing).
    [[ -b "${loop}p$n" ]] || partx -a "$loop" 2>/dev/null || true
    for ((i=0; i<50; i++)); do [[ -b "${loop}p$n" ]] && break; sleep 0.1; done
    for ((p=1; p<=n; p++)); do
      [[ -b "${loop}p$p" ]] || { losetup -d "$loop"; _img_log "no partition node ${loop}p$p"; return 1; }
      img_uuid_link "${loop}p$p"
    done
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

# img_mount IMG MNT -> prints the loop device of the whole disk. Partition 1 is the root; a partition
# that the root's /etc/fstab mounts on /boot/efi (by UUID=) is mounted there too.
img_mount() {
  local img="$1" mnt="$2" loop esp_uuid p
  mkdir -p "$mnt"
  loop="$(img_attach "$img")"
  if ! mount "${loop}p1" "$mnt"; then img_detach "$img"; return 1; fi
  esp_uuid="$(awk '$1 !~ /^#/ && $2 == "/boot/efi" && $1 ~ /^UUID=/ { sub("^UUID=", "", $1); print $1; exit }' "$mnt/etc/fstab" 2>/dev/null || true)"
  if [[ -n "$esp_uuid" ]]; then
    for p in "$loop"p[2-9]; do
      [[ -b "$p" && "$(blkid -p -s UUID -o value "$p" 2>/dev/null || true)" == "$esp_uuid" ]] || continue
      mkdir -p "$mnt/boot/efi"
      _img_mount_fat "$p" "$mnt/boot/efi" || { umount "$mnt"; img_detach "$img"; return 1; }
      break
    done
    mountpoint -q "$mnt/boot/efi" || { _img_log "fstab's /boot/efi (UUID=$esp_uuid) is not on $img"; umount "$mnt"; img_detach "$img"; return 1; }
  fi
  echo "$loop"
}

# _img_mount_fat DEV DIR: the kernel's vfat where there is one, else fusefat (its daemon writes
# through to DEV; img_umount waits for it to let go of DEV).
_img_mount_fat() {
  local dev="$1" dir="$2"
  mount -t vfat -o umask=0077 "$dev" "$dir" 2>/dev/null && return 0
  command -v fusefat >/dev/null || { _img_log "no vfat in this kernel and no fusefat (apt-get install fusefat)"; return 1; }
  # fsname: mountinfo's source must be the device, for grub-probe/grub-install.
  fusefat -o "rw+,fsname=$dev" "$dev" "$dir" >/dev/null 2>&1 \
    && mountpoint -q "$dir" || { _img_log "fusefat $dev $dir failed"; return 1; }
}

# _img_wait_closed DEV...: until no process has DEV open (a FUSE daemon ends after its unmount).
_img_wait_closed() {
  local dev i
  for dev in "$@"; do
    for ((i = 0; i < 300; i++)); do
      find /proc/[0-9]*/fd -maxdepth 1 -lname "$dev" 2>/dev/null | grep -q . || break
      sleep 0.1
    done
  done
}

# img_umount MNT: unmount MNT and everything below it (chroot binds too), then
# detach the loop device it came from (idempotent).
img_umount() {
  local mnt="$1" src loop fuse_devs=()
  mnt="$(readlink -f "$mnt" 2>/dev/null || echo "$1")"
  src="$(findmnt -n -o SOURCE --mountpoint "$mnt" 2>/dev/null | tail -n1 || true)"
  if mountpoint -q "$mnt" 2>/dev/null; then
    mapfile -t fuse_devs < <(findmnt -R -n -l -o SOURCE,FSTYPE "$mnt" 2>/dev/null | awk '$2 ~ /^fuse/ && $1 ~ /^\/dev\// { print $1 }' || true)
    sync -f "$mnt" 2>/dev/null || true
    umount -R "$mnt" 2>/dev/null || { _img_log "busy: lazy unmount of $mnt"; umount -R -l "$mnt" || true; }
    ((${#fuse_devs[@]} == 0)) || _img_wait_closed "${fuse_devs[@]}"
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
    create-uefi) [[ $# -eq 7 ]] || { echo "usage: $0 create-uefi ROOTDIR IMG SIZE_MIB LABEL UUID ESP_MIB ESP_ID" >&2; exit 2; }; img_create_uefi "$@" ;;
    blank)  [[ $# -eq 2 ]] || { echo "usage: $0 blank IMG SIZE_MIB" >&2; exit 2; }; img_blank "$@" ;;
    mount)  [[ $# -eq 2 ]] || { echo "usage: $0 mount IMG MNT" >&2; exit 2; }; img_mount "$@" ;;
    umount) [[ $# -eq 1 ]] || { echo "usage: $0 umount MNT" >&2; exit 2; }; img_umount "$@" ;;
    attach) [[ $# -eq 1 ]] || { echo "usage: $0 attach IMG" >&2; exit 2; }; img_attach "$@" ;;
    detach) [[ $# -eq 1 ]] || { echo "usage: $0 detach IMG" >&2; exit 2; }; img_detach "$@" ;;
    *) echo "usage: $0 create|create-uefi|blank|mount|umount|attach|detach ..." >&2; exit 2 ;;
  esac
fi
