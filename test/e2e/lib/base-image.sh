# shellcheck shell=bash
# The fresh Debian server both boot proofs start from: the cached Debian root, plus what the test needs
# in it (serial console, GRUB's modules where grub-install puts them, xensetup the way an admin installs
# it: the release's single executable as /usr/local/bin/xensetup, no node), made into a partitioned disk
# image with a grub.cfg of its own, a blank disk for the VG and the boot ISO. Source it after common.sh,
# disk-image.sh, chroot.sh and qemu.sh.
#
# BASE_FIRMWARE=uefi (the proof sets it from E2E_FIRMWARE; QEMU_FIRMWARE must match): a UEFI server
# instead. GPT with the same ext4 root as partition 1 and an EFI system partition (FAT32, in fstab on
# /boot/efi) as partition 2; GRUB EFI installed the way Debian does it (grub-efi-amd64-bin from the
# mirror, then grub-install --target=x86_64-efi --removable --no-nvram in the image, so OVMF's
# fallback path EFI/BOOT/BOOTX64.EFI loads the disk's /boot/grub/grub.cfg). No boot ISO and no
# i386-pc modules: the firmware boots the disk itself.

BASE_ROOT_MIB=4096
BASE_VG_MIB=256
BASE_FIRMWARE=bios
BASE_ESP_MIB=64
BASE_ESP_ID=""   # uefi: the ESP's FAT volume id (8 hex digits), fstab's UUID=XXXX-XXXX
# A file only the disk to boot has: the boot ISO's GRUB looks for it.
BASE_MARKER=/.xensetup-e2e-disk
# The release artifact under test (`npm run dist`): a Node single executable application, the whole CLI
# with node inside. The run uses its own copy, XENSETUP_EXE (base_release_snapshot): a rebuild of
# release/ during the run changes nothing in it.
BASE_RELEASE_EXE="$REPO_ROOT/release/xensetup-linux-x64"
XENSETUP_EXE=""

# base_workdir DIR: WORK and the paths in it (ROOT_DIR, ROOT_IMG, VG_IMG, MNT, ISO). On exit the images
# are detached and, unless E2E_KEEP=1, removed with those in BASE_EXTRA_IMAGES; the logs stay.
BASE_EXTRA_IMAGES=()
base_workdir() {
  mkdir -p "$1"
  WORK="$(cd "$1" && pwd)"
  ROOT_DIR="$WORK/root"
  ROOT_IMG="$WORK/root.img"
  VG_IMG="$WORK/vg.img"
  MNT="$WORK/mnt"
  ISO="$WORK/boot.iso"
  [[ "$BASE_FIRMWARE" == bios ]] || ISO=""
  e2e_on_exit base_workdir_cleanup
}
base_workdir_cleanup() {
  local img
  chroot_leave "$ROOT_DIR" 2>/dev/null || true
  img_umount "$MNT" 2>/dev/null || true
  for img in "$VG_IMG" "$ROOT_IMG" "${BASE_EXTRA_IMAGES[@]}"; do img_detach "$img" 2>/dev/null || true; done
  if [[ "${E2E_KEEP:-0}" != 1 ]]; then
    rm -rf --one-file-system "$ROOT_DIR" 2>/dev/null || true
    rm -f "$ROOT_IMG" "$VG_IMG" ${ISO:+"$ISO"} "${BASE_EXTRA_IMAGES[@]}" ${XENSETUP_EXE:+"$XENSETUP_EXE"}
    # uefi: each disk's NVRAM (qemu_boot keeps one beside it).
    for img in "$ROOT_IMG" "${BASE_EXTRA_IMAGES[@]}"; do rm -f "$img.OVMF_VARS.fd"; done
  fi
}

# base_image_make SUITE UPLINK PREPARE: the phases up to a bootable fresh server in ROOT_IMG (and VG_IMG,
# ISO); PREPARE ROOT_DIR adds what the proof itself needs to the tree before it becomes the disk.
base_image_make() {
  local suite="$1" uplink="$2" prepare="$3" root_uuid
  base_release_snapshot
  e2e_phase "host packages"
  if [[ "$BASE_FIRMWARE" == uefi ]]; then
    # fusefat: the ESP is mounted with FUSE where the kernel has no vfat (lib/disk-image.sh).
    E2E_HOST_NEEDS+=("mkfs.fat:dosfstools" "${QEMU_OVMF_CODE}:ovmf" "fusefat:fusefat")
    BASE_ESP_ID="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
  fi
  e2e_ensure_host_packages

  e2e_phase "debian root ($suite, cached)"
  rm -rf --one-file-system "$ROOT_DIR"
  bash "$REPO_ROOT/test/lib/debian-root.sh" "$suite" "$ROOT_DIR"

  e2e_phase "image build"
  root_uuid="$(cat /proc/sys/kernel/random/uuid)"
  base_image_prepare "$ROOT_DIR" "$root_uuid" "$uplink"
  "$prepare" "$ROOT_DIR"
  base_image_build "$ROOT_DIR" "$ROOT_IMG" "$VG_IMG" "$ISO" "$root_uuid"
}

# base_fresh_server ROOT UPLINK LOG [PACKAGES...]: a server as the Debian installer leaves it, for the
# journeys that run init on the booted box: the NIC on DHCP (the address init has to move onto xenbr0),
# PACKAGES installed, and the packages init will install downloaded into apt's cache, the way a local
# mirror or a proxy would make them fast (the index update and anything missing still go over QEMU's
# user network).
base_fresh_server() {
  local r="$1" uplink="$2" log="$3" packages
  shift 3
  printf '\n# The primary network interface\nallow-hotplug %s\niface %s inet dhcp\n' "$uplink" "$uplink" >>"$r/etc/network/interfaces"
  packages="$(node -e 'const p = require(process.argv[1]).packages; console.log([...p.xen, ...p.bridge, ...p.lvm].join(" "))' "$REPO_ROOT/distros/debian.json")"
  chroot_enter "$r"
  e2e_on_exit "chroot_leave '$r'"
  chroot_block_services "$r"
  chroot_run "$r" apt-get update -q >"$log" 2>&1
  (($# == 0)) || chroot_run "$r" apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1
  # shellcheck disable=SC2086  # a list of package names
  chroot_run "$r" apt-get install -y -q --no-install-recommends --download-only $packages >>"$log" 2>&1
  chroot_unblock_services "$r"
  chroot_leave "$r"
  e2e_log "apt cache of the image: $(find "$r/var/cache/apt/archives" -name '*.deb' | wc -l) packages for: $packages"
}

# base_release_snapshot: XENSETUP_EXE, the run's copy of release/xensetup-linux-x64, or the run stops
# here: a missing executable, or one older than the sources it is built from (src/, templates/ and
# distros/, which it carries inside, and the dist scripts), would boot stale code. The copy keeps the release's mtime, and it
# is that copy which is checked, so what the run uses is never older than what was checked.
base_release_snapshot() {
  local newer version
  [[ -f "$BASE_RELEASE_EXE" ]] || e2e_die "$BASE_RELEASE_EXE is missing: run \`npm run dist\` first (the image gets the release's single executable, no node)"
  XENSETUP_EXE="$WORK/xensetup-linux-x64"
  cp -p "$BASE_RELEASE_EXE" "$XENSETUP_EXE"
  newer="$(find "$REPO_ROOT/src" "$REPO_ROOT/templates" "$REPO_ROOT/distros" "$REPO_ROOT/scripts/dist.js" "$REPO_ROOT/scripts/sea-main.cjs" -type f -newer "$XENSETUP_EXE" -print -quit 2>/dev/null || true)"
  [[ -z "$newer" ]] || e2e_die "$BASE_RELEASE_EXE is older than ${newer#"$REPO_ROOT/"}: run \`npm run dist\` first"
  version="$("$XENSETUP_EXE" --version 2>&1)" || e2e_die "$BASE_RELEASE_EXE --version failed: $version"
  [[ "$version" == *"(single executable)"* ]] || e2e_die "$BASE_RELEASE_EXE is not a single executable: $version"
  e2e_log "xensetup under test: $version (release/xensetup-linux-x64 of $(date -r "$XENSETUP_EXE" +%FT%T))"
}

# base_image_prepare ROOT UUID UPLINK: the test's bits every boot needs, in the root tree.
base_image_prepare() {
  local r="$1" root_uuid="$2" uplink="$3"
  echo "UUID=$root_uuid / ext4 errors=remount-ro 0 1" >"$r/etc/fstab"
  date -u +%FT%TZ >"$r$BASE_MARKER"
  # Console login without password, for poking at a kept image by hand.
  sed -i 's/^root:[^:]*:/root::/' "$r/etc/shadow"
  mkdir -p "$r/etc/xensetup-e2e"
  printf 'UPLINK=%q\n' "$uplink" >"$r/etc/xensetup-e2e/expect"
  install -m 755 "$E2E_DIR/guest/xensetup-e2e-probe" "$r/usr/local/sbin/xensetup-e2e-probe"
  # The probe's ping (the image has none): the host's static busybox, also the domU's /init.
  install -D -m 755 /bin/busybox "$r/usr/local/lib/xensetup-e2e/busybox"
  install -m 644 "$E2E_DIR/guest/zz-xensetup-e2e-serial.cfg" "$r/etc/default/grub.d/zz-xensetup-e2e-serial.cfg"
  if [[ "$BASE_FIRMWARE" == uefi ]]; then
    # What Debian's installer writes for the ESP.
    echo "UUID=${BASE_ESP_ID:0:4}-${BASE_ESP_ID:4:4} /boot/efi vfat umask=0077 0 1" >>"$r/etc/fstab"
    mkdir -p "$r/boot/efi"
  else
    # A BIOS server's /boot/grub/i386-pc, as grub-install leaves it; the boot ISO
    # switches $prefix to the disk so grubenv/saved_entry behave as on hardware.
    qemu_install_grub_modules "$r"
  fi

  # xensetup as an admin installs a release: one file on PATH, nothing else (no node, no node_modules).
  # It is put into the tree on every run, after the cached Debian root is unpacked, so no cache ever
  # holds an executable.
  install -m 755 "$XENSETUP_EXE" "$r/usr/local/bin/xensetup"
}

# base_install_grub_efi MNT LOG: GRUB for UEFI in the mounted image (ESP on MNT/boot/efi), as Debian
# installs it: the package from the mirror, grub-install into the ESP's removable-media path (no NVRAM
# entry: the firmware finds EFI/BOOT/BOOTX64.EFI by itself). Its core image searches the root file
# system by UUID and loads /boot/grub/grub.cfg from it, with x86_64-efi modules in /boot/grub.
base_install_grub_efi() {
  local mnt="$1" log="$2" rc=0
  chroot_block_services "$mnt"
  { chroot_run "$mnt" apt-get update -q \
      && chroot_run "$mnt" apt-get install -y -q --no-install-recommends grub-efi-amd64-bin dosfstools \
      && chroot_run "$mnt" apt-get clean \
      && chroot_run "$mnt" grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram; } \
    >"$log" 2>&1 || rc=$?
  chroot_unblock_services "$mnt"
  if ((rc != 0)) || [[ ! -s "$mnt/boot/efi/EFI/BOOT/BOOTX64.EFI" || ! -d "$mnt/boot/grub/x86_64-efi" ]]; then
    tail -n 30 "$log" >&2
    e2e_log "GRUB EFI install failed (exit $rc), log: $log"
    return 1
  fi
  e2e_log "GRUB EFI: $(tail -n 2 "$log" | tr '\n' ' ')"
}

# base_image_build ROOT_DIR ROOT_IMG VG_IMG ISO UUID: the prepared tree becomes the boot disk (the tree
# is removed), with the grub.cfg a server has before anyone installs Xen; a blank VG disk; the ISO
# (uefi: GRUB EFI on the disk's ESP instead, no ISO).
base_image_build() {
  local root_dir="$1" root_img="$2" vg_img="$3" iso="$4" root_uuid="$5" mnt
  if [[ "$BASE_FIRMWARE" == uefi ]]; then
    img_create_uefi "$root_dir" "$root_img" "$BASE_ROOT_MIB" xs-root "$root_uuid" "$BASE_ESP_MIB" "$BASE_ESP_ID"
  else
    img_create "$root_dir" "$root_img" "$BASE_ROOT_MIB" xs-root "$root_uuid"
  fi
  rm -rf --one-file-system "$root_dir"
  img_blank "$vg_img" "$BASE_VG_MIB"
  mnt="$(mktemp -d)"
  img_mount "$root_img" "$mnt" >/dev/null
  chroot_enter "$mnt"
  if [[ "$BASE_FIRMWARE" == uefi ]] && ! base_install_grub_efi "$mnt" "$root_img.grub-efi.log"; then
    chroot_leave "$mnt"; img_umount "$mnt"; rmdir "$mnt"
    e2e_die "GRUB EFI install on the base image failed"
  fi
  if ! chroot_run "$mnt" update-grub 2>"$root_img.grub.log"; then
    cat "$root_img.grub.log" >&2; chroot_leave "$mnt"; img_umount "$mnt"; rmdir "$mnt"
    e2e_die "update-grub on the base image failed"
  fi
  chroot_leave "$mnt"
  grep -q "root=UUID=$root_uuid" "$mnt/boot/grub/grub.cfg" || { img_umount "$mnt"; rmdir "$mnt"; e2e_die "base grub.cfg has no root=UUID=$root_uuid"; }
  img_umount "$mnt"
  rmdir "$mnt"
  [[ "$BASE_FIRMWARE" == uefi ]] || qemu_make_iso "$iso" "$BASE_MARKER"
}
