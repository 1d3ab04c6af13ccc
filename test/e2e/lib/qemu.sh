# shellcheck shell=bash
# QEMU (TCG) boot through GRUB: a grub-mkrescue ISO whose grub.cfg finds the
# disk by a marker file and hands over to the disk's own /boot/grub/grub.cfg,
# so the entry that the distro's grub-mkconfig made the default is what boots.
# QEMU_FIRMWARE=uefi: OVMF instead of SeaBIOS and no ISO: the firmware boots the disk's own
# EFI/BOOT/BOOTX64.EFI (GRUB EFI, installed on the image: lib/base-image.sh), which loads the same
# grub.cfg. Source it after common.sh.

# Guest hardware, fixed so that the guest's interface name is predictable:
# virtio-net at PCI slot 3 -> "ens3" (ACPI slot number naming, also under Xen).
QEMU_NIC_ADDR=0x3
# QEMU's default, given explicitly: images configured under --root match the NIC by it, as cloud-init does.
QEMU_NIC_MAC=52:54:00:12:34:56
QEMU_ROOT_ADDR=0x4
QEMU_VG_ADDR=0x5
# +npt: QEMU's TCG implements AMD nested paging, so Xen detects HAP and `xl info` lists hap in
# virt_caps (what `guest create --nested` asks for); without it Xen reports "HAP not detected".
# It changes nothing else in Xen's boot log.
QEMU_CPU=qemu64,+svm,+npt
QEMU_FIRMWARE=bios
# Debian's ovmf: the build without Secure Boot (no SMM needed, so the default i440fx machine stays),
# and the template of its variable store, copied once per disk (qemu_boot).
QEMU_OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
QEMU_OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

# qemu_make_iso ISO MARKER: MARKER is a path (e.g. /.xensetup-e2e-1234) that
# exists only on the disk to boot. The disk needs /boot/grub/i386-pc/ with the
# modules of the GRUB that builds the ISO (qemu_install_grub_modules).
qemu_make_iso() {
  local iso="$1" marker="$2" stage
  stage="$(mktemp -d)"
  mkdir -p "$stage/boot/grub"
  cat >"$stage/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial
terminal_output serial
set timeout=0
insmod part_msdos
insmod ext2
echo "xensetup-e2e: looking for $marker"
if search --no-floppy --file --set=root $marker; then
  # Hand over completely, as if GRUB had been installed on this disk: modules
  # and grubenv (GRUB_DEFAULT=saved, grub-reboot's next_entry) come from
  # the disk's /boot/grub, not from this ISO.
  set prefix=(\$root)/boot/grub
  echo "xensetup-e2e: disk is (\$root), loading its /boot/grub/grub.cfg"
  configfile /boot/grub/grub.cfg
fi
echo "xensetup-e2e: FATAL no disk with $marker"
halt
EOF
  if ! grub-mkrescue -o "$iso" "$stage" >"$iso.log" 2>&1; then
    cat "$iso.log" >&2; rm -rf "$stage"; return 1
  fi
  rm -rf "$stage"
}

# qemu_install_grub_modules ROOT: what grub-install --target=i386-pc would put
# in ROOT/boot/grub/i386-pc (from the host GRUB: they must match the ISO's core).
qemu_install_grub_modules() {
  mkdir -p "$1/boot/grub/i386-pc"
  cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst "$1/boot/grub/i386-pc/"
}

QEMU_PID=""
qemu_kill() {
  if [[ -n "$QEMU_PID" ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill "$QEMU_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
  fi
  QEMU_PID=""
}
# QEMU_HOSTFWD: QEMU user networking's port forwards (e.g. "hostfwd=tcp:127.0.0.1:2222-:22"), for a
# harness that reaches the guest over SSH. QEMU_NO_REBOOT=0: a guest reboot restarts the machine in the
# same QEMU (ansible.builtin.reboot expects that) instead of ending the boot.
QEMU_HOSTFWD=""
QEMU_NO_REBOOT=1
# qemu_start ISO ROOT_IMG VG_IMG|"" LOG: QEMU in the background (QEMU_PID), killed on every exit path of
# the caller (cleanup stack).
qemu_start() {
  local iso="$1" root_img="$2" vg_img="$3" log="$4" boot=() root_opts=""
  if [[ "$QEMU_FIRMWARE" == uefi ]]; then
    [[ -e "$root_img.OVMF_VARS.fd" ]] || cp "$QEMU_OVMF_VARS" "$root_img.OVMF_VARS.fd"
    boot=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$QEMU_OVMF_CODE"
          -drive "if=pflash,format=raw,unit=1,file=$root_img.OVMF_VARS.fd")
    root_opts=",bootindex=0"
  else
    boot=(-drive "file=$iso,media=cdrom,if=ide,readonly=on" -boot order=d)
  fi
  # shellcheck disable=SC2054  # commas are QEMU option syntax
  local args=(
    -accel tcg -cpu "$QEMU_CPU" -m 2048 -smp 2
    -nographic -serial "file:$log" -monitor none -parallel none
    "${boot[@]}"
    -drive "file=$root_img,format=raw,if=none,id=root,cache=unsafe"
    -device "virtio-blk-pci,drive=root,addr=$QEMU_ROOT_ADDR$root_opts"
    -netdev "user,id=net0${QEMU_HOSTFWD:+,$QEMU_HOSTFWD}"
    -device "virtio-net-pci,netdev=net0,addr=$QEMU_NIC_ADDR,mac=$QEMU_NIC_MAC,romfile="
  )
  [[ "$QEMU_NO_REBOOT" != 1 ]] || args+=(-no-reboot)
  if [[ -n "$vg_img" ]]; then
    args+=(-drive "file=$vg_img,format=raw,if=none,id=vg,cache=unsafe"
           -device "virtio-blk-pci,drive=vg,addr=$QEMU_VG_ADDR")
  fi
  : >"$log"
  qemu-system-x86_64 "${args[@]}" </dev/null >"$log.qemu-stdout" 2>&1 &
  QEMU_PID=$!
  e2e_on_exit qemu_kill
}
# qemu_boot ISO ROOT_IMG VG_IMG|"" LOG TIMEOUT_S -> return 0 if QEMU exited by
# itself (guest powered off), 124 on timeout, 125 when the guest kernel panicked
# (QEMU killed at once: a panicked guest never powers off; QEMU_KILL_ON_PANIC=0
# leaves it to whatever resets the machine, as Xen does when dom0 dies). QEMU is
# killed on every exit path of the caller too (cleanup stack).
# QEMU_FIRMWARE=uefi: ISO is ignored (pass ""); OVMF's code read-only, its variables in
# ROOT_IMG.OVMF_VARS.fd (made from the template on first boot, kept like a machine's NVRAM), and the
# root disk first in the boot order (bootindex), so the firmware boots it rather than trying PXE.
qemu_boot() {
  local log="$4" timeout_s="$5" rc=0 waited=0
  qemu_start "$1" "$2" "$3" "$log"
  while kill -0 "$QEMU_PID" 2>/dev/null; do
    if [[ "${QEMU_KILL_ON_PANIC:-1}" == 1 ]] && grep -aq 'Kernel panic - not syncing' "$log"; then
      e2e_log "guest kernel panicked after ${waited}s, killing QEMU"
      qemu_kill
      return 125
    fi
    if ((waited >= timeout_s)); then
      e2e_log "boot timed out after ${timeout_s}s, killing QEMU"
      qemu_kill
      return 124
    fi
    sleep 1; waited=$((waited + 1))
  done
  rc=0; wait "$QEMU_PID" || rc=$?
  QEMU_PID=""
  if ((rc != 0)); then e2e_log "QEMU exited with $rc: $(tail -n 5 "$log.qemu-stdout")"; fi
  return 0
}
