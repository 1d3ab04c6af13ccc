#!/usr/bin/env bash
# Live journey: the way xensetup is really used. A fresh Debian server (no Xen) boots its own kernel
# in QEMU (TCG); an admin (guest/xensetup-e2e-live, at the end of every boot) runs `xensetup init`
# on the running box, reboots into Xen, tries --trial-boot both ways (a Xen boot that works and one
# that dies) and makes Xen permanent. Nothing is configured from outside: the host only builds the
# disk, starts each boot and reads the console. Last, `xensetup uninstall` in the dom0, and the box must
# boot its own kernel again with the network back on the NIC.
#
#   sudo E2E_MODE=live npm run e2e       (= bash test/e2e/live.sh)
#
# Environment (shared with run.sh): E2E_SUITE=bookworm|trixie, E2E_UPLINK (ens3),
# E2E_BOOT_TIMEOUT (600 s per boot), E2E_KEEP=1, E2E_WORKDIR. Also:
#   E2E_INIT_BOOT_TIMEOUT=1500   the first boot, which installs Xen under TCG
# Console logs: <workdir>/console-boot<N>.log. Exit status: 0 all assertions passed, 1 otherwise.
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source-path=SCRIPTDIR

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/boot-lab.sh"
. "$HERE/lib/dom0-checks.sh"

SUITE="${E2E_SUITE:-bookworm}"
UPLINK="${E2E_UPLINK:-ens3}"
BOOT_TIMEOUT="${E2E_BOOT_TIMEOUT:-600}"
INIT_BOOT_TIMEOUT="${E2E_INIT_BOOT_TIMEOUT:-1500}"
BOOTS=7

[[ $EUID -eq 0 ]] || e2e_die "run as root (loop devices, mounts, chroot)"
# The journey's firmware is SeaBIOS with the boot ISO; E2E_FIRMWARE=uefi is run.sh's (--root) only.
[[ "${E2E_FIRMWARE:-bios}" == bios ]] || e2e_die "E2E_FIRMWARE=${E2E_FIRMWARE} is for E2E_MODE=root only; the live journey boots BIOS"
e2e_install_traps
base_workdir "${E2E_WORKDIR:-$REPO_ROOT/.cache/e2e/live-$SUITE-$$}"

# What this journey adds to the fresh server: the journey unit and the test tools it uses (strace, ping).
prepare_root() {
  local r="$1"
  base_fresh_server "$r" "$UPLINK" "$WORK/image-apt.log" strace iputils-ping
  install -m 755 "$HERE/guest/xensetup-e2e-live" "$r/usr/local/sbin/xensetup-e2e-live"
  install -m 644 "$HERE/guest/xensetup-e2e-live.service" "$r/etc/systemd/system/xensetup-e2e-live.service"
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
  ln -sfn ../xensetup-e2e-live.service "$r/etc/systemd/system/multi-user.target.wants/xensetup-e2e-live.service"
}

# ------------------------------------------------------------------------------
# Per-boot facts, from that boot's console log.
boot_fact() { fact "$(boot_log "$1")" "$2"; }
boot_log() { echo "$WORK/console-boot$1.log"; }
# "native N" or "xen N" (the journey's step N ran on that kernel), or "none" (no step ran).
boot_kind() {
  local line kind
  line="$(boot_fact "$1" live-step)"
  [[ -n "$line" ]] || { echo none; return; }
  case "$line" in
    *" xen=control_d"*) kind=xen ;;
    *" xen=none"*) kind=native ;;
    *) echo "other: $line"; return ;;
  esac
  echo "$kind ${line%% *}"
}
grubenv_var() { # BOOT KEY VAR -> VAR's value in the "KEY a=b c=d" line (empty when unset)
  boot_fact "$1" "$2" | tr ' ' '\n' | sed -n "s/^$3=//p" | head -n1
}
# run_summary BOOT TAG: what the journey reported for one xensetup run with --json (run_xensetup in
# guest/xensetup-e2e-live: "TAG rc=N seconds=N" and the JSON on TAG-json; the image has no node to read
# it with), summed up as "rc=N result=R STEP=STATUS ... seconds=N".
run_summary() {
  local line rc="" seconds=""
  line="$(boot_fact "$1" "$2")"
  [[ "$line" =~ ^rc=([^ ]*)\ seconds=([^ ]*) ]] && rc="${BASH_REMATCH[1]}" seconds="${BASH_REMATCH[2]}"
  echo "rc=${rc:-<not run>} $(boot_fact "$1" "$2-json" | json_eval '`result=${doc.result} ${doc.steps.map((s) => `${s.id}=${s.status}`).join(" ")}`') seconds=${seconds:-?}"
}
init_summary() { run_summary "$1" "init-$2"; }

# A later init on the configured box: only the boot step has something to do, and GRUB's VAR (next_entry
# for --trial-boot, saved_entry without it) names the Xen entry afterwards.
check_boot_step_only() { # BOOT TAG VAR NAME
  local v r=0
  v="$(init_summary "$1" "$2")"
  [[ "$v" == "rc=0 result=ok packages=unchanged boot=changed services=unchanged xenfs=unchanged bridge=unchanged lvm=unchanged "* && "$(grubenv_var "$1" grubenv-after "$3")" == "$XEN_ENTRY" ]] || r=1
  assert "$4" $r "$v | $(boot_fact "$1" grubenv-after)"
}

# A boot ends with the restart its step asks for. A kernel panic after the step said it was done (its
# changes checkpointed on disk) is a TCG hiccup in the shutdown, like the ones boot_once_more_on_hiccup
# boots past: the next boot follows as after a restart, and it is listed with them. One such hiccup per
# journey is tolerated; a second, or a panic while a step ran, fails.
SHUTDOWN_PANICS=0
check_boot_ended() { # BOOT RC
  local r=0 how="by itself"
  if [[ "$2" == 125 && -n "$(boot_fact "$1" live-done)" ]]; then
    SHUTDOWN_PANICS=$((SHUTDOWN_PANICS + 1))
    how="by a reset: its kernel panicked while restarting after its step was done"
    HICCUPS+=("$(basename "$(boot_log "$1")"): $(panic_line "$(boot_log "$1")"), after its step was done")
    ((SHUTDOWN_PANICS == 1)) || r=1
  elif [[ "$2" != 0 ]]; then
    r=1
  fi
  assert "boot $1: the machine restarted $how within its time" $r "qemu_boot $2"
}

check_first_boot() {
  local v r before after
  assert_equal "boot 1: the fresh server runs its own kernel" "native 1" "$(boot_kind 1)"
  v="$(boot_fact 1 ready-doctor) $(boot_fact 1 ready-doctor-json | json_eval '(() => {
    const of = (s) => doc.checks.filter((c) => c.status === s).map((c) => c.id).join(",") || "none"
    return `state=${doc.state} failed=${of("fail")} warned=${of("warn")} cpu.virtualization=${doc.checks.find((c) => c.id === "cpu.virtualization")?.status}`
  })()')"
  r=0; [[ "$v" == "rc=0 state=bare failed=none "*" cpu.virtualization=pass" ]] || r=1
  assert "boot 1: readiness: doctor --json exits 0, state bare, no failed check, CPU virtualization seen" $r "$v"
  v="$(init_summary 1 first)"
  # services: Debian's packages enable their own init scripts as they install, so nothing is left to do.
  r=0; [[ "$v" == "rc=0 result=ok packages=changed boot=changed services=unchanged xenfs=changed bridge=changed lvm=changed "* ]] || r=1
  assert "boot 1: live init --apply-network --trial-boot exits 0; packages, boot, xenfs, bridge, lvm changed" $r "$v"
  before="$(boot_fact 1 net-before)"
  after="$(boot_fact 1 net-after)"
  local addr
  addr="$(sed -nE "s/.*addrs=$UPLINK=([0-9.\/]+).*/\1/p" <<<"$before")"
  r=0; [[ -n "$addr" && "$after" == "addrs=xenbr0=$addr xenbr0-ports=$UPLINK route=default_via_"*"_dev_xenbr0"* ]] || r=1
  assert "boot 1: --apply-network moved $UPLINK's DHCP address ${addr:-?} and the default route onto xenbr0, still there past the confirmed switch's deadline" $r "before: $before | after: $after"
  LIVE_ADDR="$addr"
  v="$(boot_fact 1 confirm | cut -d' ' -f1) confirmed=$(boot_fact 1 confirm-json | json_eval 'doc.confirmed') | $(boot_fact 1 trial-after-deadline)"
  r=0; [[ "$v" == "rc=0 confirmed=true | decided=confirmed outcome=none confirmed-in-journal=1" ]] || r=1
  assert "boot 1: xensetup confirm-network exits 0, and past the switch's deadline nothing was put back (checked after it)" $r "$v"
  v="$(boot_fact 1 init-first-json | json_eval 'doc.notices.join(" | ")')"
  r=0; [[ "$v" == *"xenbr0 carries $UPLINK's network on trial: it is put back at "*' unless you run `xensetup confirm-network`'* ]] || r=1
  assert "boot 1: init --yes ends with a note naming the switch's deadline and how to confirm it" $r "$v"
  v="$(boot_fact 1 gateway)"
  r=0; [[ "$v" == *" answered" ]] || r=1
  assert "boot 1: the gateway answers over xenbr0" $r "$v"
  before="$(grubenv_var 1 grubenv saved_entry)"
  after="$(grubenv_var 1 grubenv-after next_entry)"
  r=0; [[ "$after" == xen-* && "$(grubenv_var 1 grubenv-after saved_entry)" == "$before" ]] || r=1
  assert "boot 1: --trial-boot set GRUB's next_entry to the Xen entry, the default untouched" $r "$(boot_fact 1 grubenv-after)"
  XEN_ENTRY="$after"
}

check_trial_boots() {
  local v r
  r=0; [[ "$(boot_kind 2)" == "xen 2" ]] && has_line "$(boot_log 2)" '^xl-list\| Domain-0 ' || r=1
  assert "boot 2: the one-time entry boots Xen: Domain-0 in xl list" $r "$(boot_kind 2)"
  r=0; [[ -z "$(grubenv_var 2 grubenv next_entry)" ]] || r=1
  assert "boot 2: GRUB cleared next_entry as it booted it" $r "$(boot_fact 2 grubenv)"
  assert_equal "boot 3: the boot after the trial is native again (the default was never changed)" "native 3" "$(boot_kind 3)"
  check_boot_step_only 3 trial-again next_entry "boot 3: init --trial-boot again changes only the boot step (next_entry set)"
  r=0; [[ "$(boot_fact 3 broken)" =~ ^[1-9][0-9]*\  ]] || r=1
  assert "boot 3: the Xen entry broken on purpose (dom0_mem=32M)" $r "$(boot_fact 3 broken)"
  # Xen itself refuses the 32M dom0 ("Domain 0 allocation is too small for kernel image"), panics and
  # resets the machine: "Reboot in five seconds...", or "rebooting machine" once a dom0 kernel has died.
  v="$(tr -d '\r' <"$(boot_log 4)" | grep -a -E '^\(XEN\) (Command line:|Domain 0 |Hardware Dom0|Reboot in)' | tr '\n' ' ' || true)"
  r=0; [[ "$(boot_kind 4)" == none && "$v" == *"dom0_mem=32M"* && "$v" =~ (Reboot\ in|rebooting\ machine) ]] || r=1
  assert "boot 4: the broken trial boot ran Xen with a 32M dom0, which never reached user space; Xen reset the machine" $r "$(boot_kind 4); $v"
  assert_equal "boot 5: the reset after the failed Xen boot came back to the native kernel by itself" "native 4" "$(boot_kind 5)"
  check_boot_step_only 5 permanent saved_entry "boot 5: init without --trial-boot makes the Xen entry the saved default (only the boot step changes)"
}

check_last_boot() {
  local log v r
  log="$(boot_log 6)"
  r=0; [[ "$(boot_kind 6)" == "xen 5" && -z "$(grubenv_var 6 grubenv next_entry)" && "$(grubenv_var 6 grubenv saved_entry)" == "$XEN_ENTRY" ]] || r=1
  assert "boot 6: Xen through the saved default, no one-time entry" $r "$(boot_kind 6); $(boot_fact 6 grubenv)"
  check_positive "$log" "$1"
  v="$(probe_lines "$log" | sed -n 's/^ip-addr| //p' | awk '{print $4}' | head -n1)"
  r=0; [[ -n "$LIVE_ADDR" && "$v" == "$LIVE_ADDR" ]] || r=1
  assert "boot 6: xenbr0 holds the DHCP address $UPLINK had before init" $r "xenbr0: ${v:-none}, before: ${LIVE_ADDR:-?}"
  v="$(run_summary 6 init-rerun) | $(boot_fact 6 rerun-journal)"
  r=0; [[ "$v" == "rc=0 result=ok packages=unchanged boot=unchanged services=unchanged xenfs=unchanged bridge=unchanged lvm=unchanged "* ]] || r=1
  [[ "$(boot_fact 6 rerun-journal)" =~ ^before=([0-9]+)\ after=([0-9]+)$ && "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" ]] || r=1
  assert "boot 6: init re-run in the dom0 with the same flags: every step unchanged, nothing journaled" $r "$v"
  # The single executable is the whole process: its own execve is the only one (a helper it re-executes
  # itself for, `xensetup __activate-bridge ...` say, would be a second).
  v="$(boot_fact 6 rerun-spawned)"
  r=0; [[ "$(boot_fact 6 rerun-execs)" == 1 && "$(boot_fact 6 rerun-first)" == /usr/local/bin/xensetup && -z "${v// /}" ]] || r=1
  assert "boot 6: the converged re-run started no program at all (strace -f execve: xensetup alone)" $r \
    "execve calls: $(boot_fact 6 rerun-execs), the first: $(boot_fact 6 rerun-first); spawned: $v"
}

# After `uninstall` in boot 6 (packages kept): the previous default boots, the NIC holds its DHCP address
# itself, the files init edited are as they were, and a second uninstall finds nothing to do.
check_uninstalled() {
  local v r
  v="$(run_summary 6 uninstall)"
  r=0; [[ "$v" == "rc=0 result=ok "* && "$v" != *"=failed"* ]] || r=1
  assert "boot 6: xensetup uninstall in the dom0 exits 0" $r "$v"
  r=0; [[ "$(grubenv_var 6 grubenv-after saved_entry)" != "$XEN_ENTRY" && -z "$(grubenv_var 6 grubenv-after next_entry)" ]] || r=1
  assert "boot 6: uninstall took the Xen entry out of GRUB's default" $r "$(boot_fact 6 grubenv-after)"
  assert_equal "boot 7: after uninstall the box boots its own kernel again" "native 6" "$(boot_kind 7)"
  v="$(boot_fact 7 net-native)"
  r=0; [[ -n "$LIVE_ADDR" && "$v" == "addrs=$UPLINK=$LIVE_ADDR xenbr0-ports= route=default_via_"*"_dev_${UPLINK}_"* ]] || r=1
  assert "boot 7: $UPLINK holds its DHCP address ${LIVE_ADDR:-?} itself again, no xenbr0" $r "$v"
  # The Xen packages stay (no --purge-packages): their xen.cfg drop-in, and xensetup's guard against it
  # making Xen the default again (00-xensetup.cfg), are the only GRUB drop-ins that were not there before.
  local before after expected
  before="$(boot_fact 1 config-before)"
  after="$(boot_fact 7 config-native)"
  expected="$(sed -E 's/ grub\.d=.*//' <<<"$before") grub.d=$( { sed -nE 's/.* grub\.d=//p' <<<"$before" | tr ',' '\n'; printf '00-xensetup.cfg\nxen.cfg\n'; } | grep -v '^$' | LC_ALL=C sort | tr '\n' ',')"
  r=0; [[ -n "$before" && "$after" == "$expected" ]] || r=1
  assert "boot 7: interfaces, fstab and /etc/default/grub hash as before init; GRUB drop-ins as before plus the kept packages' xen.cfg and its guard" $r "before: $before | after: $after"
  v="$(run_summary 7 uninstall-again)"
  r=0; [[ "$v" == "rc=0 result=planned "* && "$v" != *"=pending"* && "$v" != *"=failed"* ]] || r=1
  assert "boot 7: uninstall again (dry run) has nothing to do" $r "$v"
}

read_image_expectations() {
  img_mount "$ROOT_IMG" "$MNT" >/dev/null
  VG_LOOP="$(img_attach "$VG_IMG")"
  read_expectations "$MNT" "$VG_LOOP"
  img_umount "$MNT"
  img_detach "$VG_IMG"
}

show_boot() { # BOOT
  echo "--- boot $1 ($(boot_log "$1"))"
  probe_lines "$(boot_log "$1")" | { grep -vE '^(ip-xenbr0|pvs|doctor-json|doctor-stdout|doctor-stderr)\|?' || true; } \
    | readable_json_lines | cut -c1-400 | sed 's/^/  /'
}
# The JSON the journey printed, made readable: a run's --json (TAG-json) as "TAG-result result=R STEP=STATUS
# ...", init's journal lines as "init-first-commands| STEP SECONDS ARGV0 ARGV1" (where its time went);
# any other *-json line (doctor's) is left out.
readable_json_lines() {
  node -e '
    require("readline").createInterface({input: process.stdin}).on("line", (line) => {
      const json = /^([a-z-]+)-json (.*)$/.exec(line)
      const journal = /^init-first-journal\| (.*)$/.exec(line)
      try {
        if (json) {
          const doc = JSON.parse(json[2])
          if (Array.isArray(doc.steps)) console.log(`${json[1]}-result result=${doc.result} ${doc.steps.map((s) => `${s.id}=${s.status}`).join(" ")}`)
        } else if (journal) {
          const entry = JSON.parse(journal[1])
          console.log(`init-first-commands| ${entry.step} ${(entry.durationMs / 1000).toFixed(1)}s ${entry.argv.slice(0, 2).join(" ")}`)
        } else console.log(line)
      } catch (e) { console.log(`${line.slice(0, 120)} <unreadable: ${e.message}>`) }
    })'
}

# ==============================================================================
# One function, called on the last line: bash has read the whole file before the journey starts, so
# editing this script while a journey runs (half an hour) cannot derail it.
main() {
  e2e_log "live journey: suite=$SUITE work=$WORK"

  base_image_make "$SUITE" "$UPLINK" prepare_root

  LIVE_ADDR=""
  XEN_ENTRY=""
  local b rc timeout_s marker
  declare -A BOOT_RC=()
  for ((b = 1; b <= BOOTS; b++)); do
    e2e_phase "boot $b"
    timeout_s=$BOOT_TIMEOUT
    ((b == 1)) && timeout_s=$INIT_BOOT_TIMEOUT
    # Boot 4 is meant to die: its dom0 panics and Xen, not the harness, must reset the machine. It is
    # never booted again either: GRUB has used up its one-time entry by then.
    marker='@@E2E live-step'
    ((b == 4)) && marker=''
    rc=0; QEMU_KILL_ON_PANIC=$((b != 4)) boot_once_more_on_hiccup "$marker" "$ISO" "$ROOT_IMG" "$VG_IMG" "$(boot_log "$b")" "$timeout_s" || rc=$?
    BOOT_RC[$b]=$rc
    e2e_log "boot $b: $(boot_kind "$b") (qemu_boot $rc)"
    # What the probe in boot 6 must find, read back from the disk init configured (before boot 6's uninstall).
    if ((b == 5)); then read_image_expectations; fi
  done
  e2e_phase ""

  # Boot 6 is the probe's: check_positive says how it ended.
  for ((b = 1; b <= BOOTS; b++)); do ((b == 6)) || check_boot_ended "$b" "${BOOT_RC[$b]}"; done
  check_first_boot
  check_trial_boots
  check_last_boot "${BOOT_RC[6]}"
  check_uninstalled

  for ((b = 1; b <= BOOTS; b++)); do show_boot "$b"; done
  if printf '%s\n' "${RESULTS[@]}" | grep -q '^FAIL'; then
    for ((b = 1; b <= BOOTS; b++)); do
      echo "--- last console lines of boot $b"
      tr -d '\r' <"$(boot_log "$b")" | grep -av '^\s*$' | tail -n 25 | cut -c1-300 | sed 's/^/  /'
    done
  fi
  e2e_print_phases
  e2e_results "live journey, $SUITE"
}

main "$@"; exit $?
