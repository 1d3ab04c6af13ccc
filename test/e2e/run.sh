#!/usr/bin/env bash
# Boot lab: build a Debian server image, let `xensetup init` turn it into a Xen
# dom0, boot it in QEMU (TCG) through GRUB and check from inside the guest that
# Xen, the toolstack, the bridge and the VG are there. Plus one negative
# control: the unconfigured image must not come up as Domain-0.
#
#   sudo npm run e2e                  (= bash test/e2e/run.sh)
#   sudo E2E_MODE=live npm run e2e    the live journey instead (live.sh: init on
#                                     the running box, reboots, trial boots)
#   sudo E2E_MODE=fleet npm run e2e   the fleet journey (fleet.sh: the Ansible role over
#                                     SSH: init, the reboot into Xen, doctor)
#
# Environment:
#   E2E_SUITE=bookworm|trixie   Debian release of the guest (default bookworm)
#   E2E_FIRMWARE=bios|uefi      bios (default): MBR disk, SeaBIOS boots a GRUB ISO that
#                               hands over to the disk's grub.cfg; uefi: GPT disk with an
#                               EFI system partition and GRUB EFI installed on it
#                               (grub-install in the image), OVMF boots the disk itself
#   E2E_CONFIGURE=init|manual   init: run `xensetup init` (default); manual: the
#                               harness configures the image by hand the way
#                               init is expected to (proves the harness itself)
#   E2E_GUEST=xensetup|manual|none  who creates the guests in the booted dom0:
#                               `xensetup guest create` (default), the probe by
#                               hand the way that command is expected to, or
#                               nobody (a run about something else, kept short)
#   E2E_NETWORK=ifupdown|none|netplan|networkd|networkmanager
#                               how the fresh server's network is set up before
#                               init bridges it (lib/network-stack.sh; default
#                               ifupdown)
#   E2E_KERNEL_UPDATE=0         skip the kernel update after init
#   E2E_DOM0_MEM=1024M          --dom0-mem given to `xensetup init`
#   E2E_INIT_ARGS="..."         extra arguments for `xensetup init`
#   E2E_UPLINK=ens3             guest NIC name (virtio-net at PCI slot 3)
#   E2E_BOOT_TIMEOUT=600        seconds per QEMU boot before it is killed
#   E2E_SKIP_NEGATIVE=1         skip the negative control boot
#   E2E_KEEP=1                  keep the images in the work dir
#   E2E_WORKDIR=DIR             work dir (default <repo>/.cache/e2e/<suite>-<pid>)
# Exit status: 0 all assertions passed, 1 otherwise (2 = harness error).
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source-path=SCRIPTDIR

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${E2E_MODE:-root}" in
  root) ;;
  live) exec bash "$HERE/live.sh" ;;
  fleet) exec bash "$HERE/fleet.sh" ;;
  *) echo "E2E_MODE must be root, live or fleet" >&2; exit 2 ;;
esac
. "$HERE/lib/boot-lab.sh"
. "$HERE/lib/guest-initrd.sh"
. "$HERE/lib/dom0-checks.sh"
. "$HERE/lib/network-stack.sh"

SUITE="${E2E_SUITE:-bookworm}"
FIRMWARE="${E2E_FIRMWARE:-bios}"
CONFIGURE="${E2E_CONFIGURE:-init}"
GUEST_MODE="${E2E_GUEST:-xensetup}"
NETWORK="${E2E_NETWORK:-ifupdown}"
UPLINK="${E2E_UPLINK:-ens3}"
BOOT_TIMEOUT="${E2E_BOOT_TIMEOUT:-600}"
# Used by the manual configuration only; with init, whatever init wrote is expected.
MANUAL_DOM0_MEM="dom0_mem=1024M,max:1024M"
MANUAL_VG=xenvg
# What init is told to give dom0 (the guest has 2048M).
INIT_DOM0_MEM="${E2E_DOM0_MEM:-1024M}"

[[ $EUID -eq 0 ]] || e2e_die "run as root (loop devices, mounts, chroot)"
[[ "$CONFIGURE" == init || "$CONFIGURE" == manual ]] || e2e_die "E2E_CONFIGURE must be init or manual"
[[ "$GUEST_MODE" =~ ^(xensetup|manual|none)$ ]] || e2e_die "E2E_GUEST must be xensetup, manual or none"
[[ " ${NETWORK_STACKS[*]} " == *" $NETWORK "* ]] || e2e_die "E2E_NETWORK must be one of: ${NETWORK_STACKS[*]}"
[[ "$FIRMWARE" == bios || "$FIRMWARE" == uefi ]] || e2e_die "E2E_FIRMWARE must be bios or uefi"
# The image (base-image.sh) and the machine that boots it (qemu.sh) have the same firmware.
BASE_FIRMWARE="$FIRMWARE"
QEMU_FIRMWARE="$FIRMWARE"

e2e_install_traps
# What the run is called (work dir, results): the suite, and the firmware and network stack unless they
# are the defaults.
RUN_NAME="$SUITE"
[[ "$FIRMWARE" == bios ]] || RUN_NAME+="-$FIRMWARE"
[[ "$NETWORK" == ifupdown ]] || RUN_NAME+="-$NETWORK"
base_workdir "${E2E_WORKDIR:-$REPO_ROOT/.cache/e2e/$RUN_NAME-$$}"
NEG_IMG="$WORK/negative.img"
BASE_EXTRA_IMAGES+=("$NEG_IMG")

# ------------------------------------------------------------------------------
# What this proof adds to the base image: the probe as a unit that runs at the end
# of boot and powers off, and the guests it starts in the dom0.
prepare_root() {
  local r="$1"
  network_stack_prepare "$r" "$NETWORK" "$UPLINK" "$QEMU_NIC_MAC" "$WORK/network-stack.log"
  printf 'GUEST_MODE=%q\n' "$GUEST_MODE" >>"$r/etc/xensetup-e2e/expect"
  install -m 644 "$HERE/guest/xensetup-e2e-probe.service" "$r/etc/systemd/system/xensetup-e2e-probe.service"
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
  ln -sfn ../xensetup-e2e-probe.service "$r/etc/systemd/system/multi-user.target.wants/xensetup-e2e-probe.service"
  [[ "$GUEST_MODE" != none ]] || return 0
  install -m 755 "$HERE/guest/xensetup-e2e-guests" "$r/usr/local/sbin/xensetup-e2e-guests"
  # The probe's guests: the PV domU's initramfs (for this root's kernel) and an ISO for the HVM one.
  guest_initrd_build "$r" "$r/var/lib/xensetup-e2e/guest-initrd.img"
  guest_empty_iso "$r/var/lib/xensetup-e2e/empty.iso"
}

# ------------------------------------------------------------------------------
# The configuration step. Exactly one of these runs; both leave the image
# mounted at MNT as they found it.

# The product: what the test is for.
configure_with_init() {
  local mnt="$1" vgdev="$2"
  # shellcheck disable=SC2086
  # --dom0-mem: in --root mode the machine that boots the image (QEMU, 2 GiB)
  # is not the one init runs on, so its RAM cannot be used to size dom0.
  # The release's single executable, the file an admin copies to the host (the run's copy of it).
  "$XENSETUP_EXE" init --root "$mnt" --yes --uplink "$UPLINK" --vg-device "$vgdev" \
    --dom0-mem "$INIT_DOM0_MEM" ${E2E_INIT_ARGS:-}
}

# By hand, the way init is expected to do it (harness self-test).
configure_by_hand() {
  local mnt="$1" vgdev="$2"
  # Runs in an `|| rc=$?` context where set -e is off: check every step.
  chroot_enter "$mnt" || return 1
  e2e_on_exit "chroot_leave '$mnt'"
  chroot_block_services "$mnt" || return 1
  chroot_run "$mnt" apt-get update -q >"$WORK/configure-apt.log" 2>&1 || return 1
  chroot_run "$mnt" apt-get install -y -q --no-install-recommends \
    xen-system-amd64 qemu-system-xen bridge-utils lvm2 >>"$WORK/configure-apt.log" 2>&1 \
    || { tail -n 30 "$WORK/configure-apt.log" >&2; return 1; }
  cat >"$mnt/etc/default/grub.d/xensetup.cfg" <<EOF || return 1
# Written by the boot-lab harness (E2E_CONFIGURE=manual), standing in for xensetup init.
GRUB_CMDLINE_XEN_DEFAULT="$MANUAL_DOM0_MEM"
EOF
  cat >"$mnt/etc/network/interfaces.d/xenbr0" <<EOF || return 1
# Written by the boot-lab harness (E2E_CONFIGURE=manual), standing in for xensetup init.
auto $UPLINK
iface $UPLINK inet manual

auto xenbr0
iface xenbr0 inet dhcp
    bridge_ports $UPLINK
    bridge_hw $UPLINK
    bridge_stp off
    bridge_fd 0
    bridge_waitport 0
EOF
  chroot_run "$mnt" pvcreate -q -y "$vgdev" || return 1
  chroot_run "$mnt" vgcreate -q "$MANUAL_VG" "$vgdev" || return 1
  chroot_run "$mnt" update-grub 2>>"$WORK/configure-grub.log" || { cat "$WORK/configure-grub.log" >&2; return 1; }
  chroot_unblock_services "$mnt"
  chroot_leave "$mnt"
}

# ------------------------------------------------------------------------------
# Kernel-update survival: after init, the distro updates its kernel the way it really does, and the
# Xen entry must still be GRUB's default. A kernel package's postinst runs /etc/kernel/postinst.d,
# whose zz-update-grub regenerates grub.cfg (20_linux_xen included) with everything in
# /etc/default/grub.d; grubenv's saved_entry is left alone, so it must still name an entry that
# exists. The boot that follows then boots that very grub.cfg.

# grubenv_saved_entry GRUBENV -> saved_entry's value ("" when unset). grubenv is 1024 bytes padded with #.
grubenv_saved_entry() { { tr -d '\r' <"$1" 2>/dev/null || true; } | sed -n 's/^saved_entry=//p' | head -n1; }

# grub_cfg_entry GRUBCFG ID -> the lines of the menuentry (or submenu) with that id, up to its closing brace.
grub_cfg_entry() {
  awk -v id="$2" '
    !on && /^[[:space:]]*(menuentry|submenu)[[:space:]]/ && index($0, "$menuentry_id_option '\''" id "'\''") { on = 1 }
    on { print }
    on && /^[[:space:]]*}[[:space:]]*$/ { exit }' "$1"
}

# kernel_update_package MNT -> "install PKG" for another ABI of the image's own (dom0-capable) flavour that
# the archive carries (apt's lists are init's: it ran apt-get update), newest first; else "reinstall PKG",
# the installed kernel again (dpkg runs the same prerm/postinst as for an upgrade). cloud-amd64 has no
# dom0 support and rt-amd64 is another kernel; neither is what an update of this server brings.
kernel_update_package() {
  local mnt="$1" installed other
  installed="$(chroot_run "$mnt" dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' 'linux-image-[0-9]*' 2>/dev/null \
    | awk '$2 ~ /^ii/ { print $1 }' | sort -V | tail -n1 || true)"
  [[ -n "$installed" ]] || { e2e_log "no linux-image-<abi> package installed in the image"; return 1; }
  other="$(chroot_run "$mnt" apt-cache search --names-only '^linux-image-[0-9].*-amd64$' 2>/dev/null | awk '{ print $1 }' \
    | grep -vE -- '-(cloud|rt)-amd64$' | grep -vxF "$installed" | sort -V | tail -n1 || true)"
  if [[ -n "$other" ]]; then echo "install $other"; else echo "reinstall $installed"; fi
}

# kernel_update MNT: the kernel update in the configured image, then the assertions over its grub files.
kernel_update() {
  local mnt="$1" cfg="$1/boot/grub/grub.cfg" env="$1/boot/grub/grubenv" log="$WORK/kernel-update.log"
  local how pkg ver before_entry before_stamp after_entry id entry r=0 rc=0 t0 secs opts=()
  before_entry="$(grubenv_saved_entry "$env")"
  before_stamp="$(stat -c %y "$cfg" 2>/dev/null || true)"
  t0="${EPOCHREALTIME/,/.}"
  chroot_enter "$mnt"
  chroot_block_services "$mnt"
  if read -r how pkg < <(kernel_update_package "$mnt"); then
    [[ "$how" != reinstall ]] || opts=(--reinstall)
    e2e_log "kernel update: apt-get install ${opts[*]:+${opts[*]} }$pkg (saved_entry=${before_entry:-<unset>})"
    chroot_run "$mnt" apt-get install -y -q --no-install-recommends "${opts[@]}" "$pkg" >"$log" 2>&1 || rc=$?
    ((rc == 0)) || tail -n 30 "$log" >&2
  else
    how=none pkg="<none>" rc=1
  fi
  chroot_unblock_services "$mnt"
  chroot_leave "$mnt"
  secs="$(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.0f", b - a }')"
  e2e_log "kernel update: apt-get exit $rc after ${secs}s (log: $log)"
  assert "kernel update: apt-get install ${opts[*]:+${opts[*]} }$pkg exits 0" "$rc" "exit $rc, see $log"

  # The hook really regenerated grub.cfg: a new file, which lists a newly installed kernel by name.
  ver="${pkg#linux-image-}"
  r=0; [[ -n "$before_stamp" && "$(stat -c %y "$cfg" 2>/dev/null || true)" != "$before_stamp" ]] || r=1
  grep -qF "/vmlinuz-$ver " "$cfg" || r=1
  assert "kernel update: /etc/kernel/postinst.d regenerated grub.cfg${ver:+ (with vmlinuz-$ver)}" $r \
    "grub.cfg $(stat -c %y "$cfg" 2>/dev/null || echo missing), before: ${before_stamp:-missing}"

  after_entry="$(grubenv_saved_entry "$env")"
  id="${after_entry##*>}"
  r=0; [[ -n "$after_entry" && "$after_entry" == "$before_entry" && "$id" == xen-* ]] || r=1
  assert "kernel update: grubenv's saved_entry is still init's Xen entry (${before_entry:-<unset>})" $r "now: ${after_entry:-<unset>}"
  # saved_entry may be a path (submenu>entry): every id on it must exist; the last one must boot Xen
  # with the dom0_mem init configured.
  r=0
  while IFS= read -r -d '>' id; do
    [[ -n "$id" && -n "$(grub_cfg_entry "$cfg" "$id")" ]] || r=1
  done <<<"${after_entry}>"
  entry="$(grub_cfg_entry "$cfg" "${after_entry##*>}")"
  grep -qE '^[[:space:]]*multiboot2?[[:space:]].*[[:space:]]dom0_mem=' <<<"$entry" || r=1
  assert "kernel update: grub.cfg has that entry, booting Xen with dom0_mem" $r \
    "$(grep -E '^[[:space:]]*(menuentry|multiboot2?|module2?)[[:space:]]' <<<"$entry" | cut -c1-160 | tr '\n' ';' || true)"
  r=0; grep -qE '^[[:space:]]*set default="\$\{saved_entry\}"' "$cfg" || r=1
  assert "kernel update: grub.cfg's default is still grubenv's saved_entry" $r \
    "$(grep -E '^[[:space:]]*set default=' "$cfg" | tr '\n' ';' || true)"

  # The domU boots dom0's own kernel with modules built for it: an update that brought a newer
  # kernel changes which one the Xen entry boots (the newest), so the guest's initramfs follows.
  guest_initrd_build "$mnt" "$mnt/var/lib/xensetup-e2e/guest-initrd.img"
}

# Test-only, like the serial console: xenconsoled logs every guest console to
# /var/log/xen/console/guest-NAME.log, where the probe reads what its guest printed
# (`xl console` wants a terminal). Debian 12 and 13 start xenconsoled from
# /etc/init.d/xen with XENCONSOLED_ARGS from /etc/default/xen; the
# XENCONSOLED_TRACE documented in that file is read by nothing.
enable_guest_console_log() {
  local mnt="$1"
  [[ -f "$mnt/etc/default/xen" ]] || { e2e_log "no /etc/default/xen in the image: guest consoles are not logged"; return 0; }
  mkdir -p "$mnt/var/log/xen/console"
  cat >>"$mnt/etc/default/xen" <<'EOF'

# Boot lab (test/e2e/run.sh): guest consoles to /var/log/xen/console/guest-NAME.log.
XENCONSOLED_ARGS="${XENCONSOLED_ARGS:-} --log=guest --log-dir=/var/log/xen/console"
EOF
}

# The guest the probe ran inside the dom0, and the three configurations it only had xl parse.
check_guest() {
  local log="$1" v r expected name
  v="$(fact "$log" guest-create-rc)"
  r=0; [[ "$v" == 0 ]] || r=1
  if [[ "$GUEST_MODE" == xensetup ]]; then
    assert "guest: guest create exits 0" $r "exit ${v:-<not run>}"
  else
    assert "guest: by-hand create (lvcreate, xl create) exits 0" $r "exit ${v:-<not run>}"
  fi
  r=0; has_line "$log" '^guest-xl-list\| e2e-pv +[0-9]+ ' || r=1
  assert "guest: e2e-pv appeared in xl list" $r
  r=0; has_line "$log" '^guest-vif vif[0-9]+\.0 port of xenbr0' || r=1
  assert "guest: vif was a port of xenbr0" $r
  r=0; has_line "$log" '^guest-console\| @@GUEST ping [0-9.]+ answered' || r=1
  assert "guest: ping to dom0 answered" $r
  # Reason code 0 is SHUTDOWN_poweroff; and the guest went away by itself, the probe did not destroy it.
  r=0; { has_line "$log" '^guest-end gone ' && has_line "$log" '^guest-xl-log\| Domain [0-9]+ has shut down, reason code 0 '; } || r=1
  assert "guest: clean shutdown" $r "$(fact "$log" guest-end)"
  expected="$(fact "$log" guest-marker-expected)"
  v="$(fact "$log" guest-disk-marker)"
  r=0; [[ -n "$expected" && "$v" == "$expected" ]] || r=1
  assert "guest: marker on the LV" $r "read: ${v:-<nothing>}"
  for name in e2e-hvm e2e-pvh e2e-pygrub; do
    assert_equal "guest: xl create -n parses $name" "create-rc=0 xl-n-rc=0" "$(probe_lines "$log" | awk -v n="$name" '$1 == "parse" && $2 == n { sub("^[^ ]+ [^ ]+ ", ""); print; exit }')"
  done
  [[ "$GUEST_MODE" == xensetup ]] || return 0
  assert_equal "guest: guest list reads the configs and xl's state (e2e-pv stopped after its poweroff)" "toolstack=running guests=e2e-hvm,e2e-pv,e2e-pvh,e2e-pygrub e2e-pv=pv,128M,xenbr0,stopped" "$(fact "$log" guest-list-json | json_eval '(() => {
      const pv = doc.guests.find((g) => g.name === "e2e-pv")
      return `toolstack=${doc.toolstack} guests=${doc.guests.map((g) => g.name).join(",")} e2e-pv=${pv ? `${pv.type},${pv.memoryMiB}M,${pv.bridges.join("+")},${pv.state ? (pv.state.running ? "running" : "stopped") : "unknown"}` : "missing"}`
    })()')"
  assert_equal "guest: guest create with another --extra rewrites the stopped guest's config (disk kept) and starts it" "0 config=changed disk=unchanged running" "$(fact "$log" guest-recreate-rc) $(fact "$log" guest-held)"
  assert_equal "guest: guest stop shuts it down cleanly (xl shutdown -w, the guest's own poweroff)" "0 after=gone console=1" "$(fact "$log" guest-stop-rc)"
  assert_equal "guest: guest remove --delete-disk removes the config and the LV (lvremove)" "0 config=gone lv=gone" "$(fact "$log" guest-remove-rc) $(fact "$log" guest-removed)"
}

check_negative() {
  local log="$1" timed_out="$2" r
  assert "negative control: the VM shut down by itself within ${BOOT_TIMEOUT}s" "$timed_out"
  r=0; { has_line "$log" '^probe-start' && has_line "$log" '^probe-done'; } || r=1
  assert "negative control: probe ran to completion" $r
  r=0; if has_line "$log" '^xl-list\| Domain-0 ' || grep -a '(XEN) ' "$log" >/dev/null; then r=1; fi
  assert "negative control: no Xen, no Domain-0" $r
}

# ==============================================================================
# One function, called on the last line: bash has read the whole file before the run starts, so
# editing this script while it runs cannot derail it.
main() {
  e2e_log "suite=$SUITE firmware=$FIRMWARE network=$NETWORK guests=$GUEST_MODE configure=$CONFIGURE work=$WORK"

  base_image_make "$SUITE" "$UPLINK" prepare_root
  [[ "${E2E_SKIP_NEGATIVE:-0}" == 1 ]] || cp --sparse=always "$ROOT_IMG" "$NEG_IMG"

  e2e_phase "configure ($CONFIGURE)"
  img_mount "$ROOT_IMG" "$MNT" >/dev/null
  VG_LOOP="$(img_attach "$VG_IMG")"
  cfg_rc=0
  if [[ "$CONFIGURE" == init ]]; then
    configure_with_init "$MNT" "$VG_LOOP" || cfg_rc=$?
  else
    configure_by_hand "$MNT" "$VG_LOOP" || cfg_rc=$?
  fi
  assert "configure step ($CONFIGURE) exits 0" "$cfg_rc" "exit $cfg_rc"
  read_expectations "$MNT" "$VG_LOOP"
  enable_guest_console_log "$MNT"
  # Only after init: the by-hand configuration saves no default entry.
  if [[ "$CONFIGURE" == init && "$cfg_rc" == 0 && "${E2E_KERNEL_UPDATE:-1}" != 0 ]]; then
    e2e_phase "kernel update (after init)"
    kernel_update "$MNT"
  fi
  img_umount "$MNT"
  img_detach "$VG_IMG"

  e2e_phase "boot (configured image)"
  LOG="$WORK/console.log"
  brc=0; boot_once_more_on_hiccup '@@E2E probe-start' "$ISO" "$ROOT_IMG" "$VG_IMG" "$LOG" "$BOOT_TIMEOUT" || brc=$?
  check_positive "$LOG" "$brc"
  check_network "$LOG" "$NETWORK"
  assert_equal "doctor in the guest: the next kernel update keeps Xen the default (boot.kernel_update)" "pass" \
    "$(fact "$LOG" doctor-json | json_eval 'doc.checks.find((c) => c.id === "boot.kernel_update")?.status')"
  [[ "$GUEST_MODE" == none ]] || check_guest "$LOG"
  show_probe "$LOG" "configured image ($LOG)"

  if [[ "${E2E_SKIP_NEGATIVE:-0}" != 1 ]]; then
    e2e_phase "negative control boot"
    NLOG="$WORK/console-negative.log"
    brc=0; boot_once_more_on_hiccup '@@E2E probe-start' "$ISO" "$NEG_IMG" "$VG_IMG" "$NLOG" "$BOOT_TIMEOUT" || brc=$?
    check_negative "$NLOG" "$brc"
    show_probe "$NLOG" "negative control ($NLOG)"
  fi
  e2e_phase ""

  e2e_print_phases
  e2e_results "$RUN_NAME, configure=$CONFIGURE, guests=$GUEST_MODE"
}

main "$@"; exit $?
