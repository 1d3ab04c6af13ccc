#!/usr/bin/env bash
# Fleet journey: the xensetup.dom0.host role as a fleet runs it, over SSH. A fresh Debian server (no
# Xen, no xensetup) boots its own kernel in QEMU (TCG) with sshd reachable from this machine;
# ansible-playbook here runs the role on it three times:
#   1. --check --diff: init's plan as diffs, and the box left as it was (no xensetup, no journal, no reboot);
#   2. for real: the executable copied, init on the running box, a reboot into Xen (ansible.builtin.reboot,
#      the same QEMU restarting), then doctor in the dom0, failing on a failed check;
#   3. again: nothing changed, no reboot.
#
#   sudo E2E_MODE=fleet npm run e2e       (= bash test/e2e/fleet.sh)
#
# Environment: E2E_SUITE=bookworm|trixie (trixie), E2E_UPLINK (ens3), E2E_KEEP=1, E2E_WORKDIR,
# E2E_FLEET_TIMEOUT (2400 s for each playbook run). Console log: <workdir>/console.log; the playbooks'
# JSON results: <workdir>/run-*.json. Exit status: 0 all assertions passed, 1 otherwise.
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source-path=SCRIPTDIR

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/boot-lab.sh"

SUITE="${E2E_SUITE:-trixie}"
UPLINK="${E2E_UPLINK:-ens3}"
PLAY_TIMEOUT="${E2E_FLEET_TIMEOUT:-2400}"
SSH_WAIT=900

[[ $EUID -eq 0 ]] || e2e_die "run as root (loop devices, mounts, chroot)"
[[ "${E2E_FIRMWARE:-bios}" == bios ]] || e2e_die "the fleet journey boots BIOS"
E2E_HOST_NEEDS+=("ansible-playbook:ansible" "ssh:openssh-client" "ssh-keygen:openssh-client")
e2e_install_traps
base_workdir "${E2E_WORKDIR:-$REPO_ROOT/.cache/e2e/fleet-$SUITE-$$}"
LOG="$WORK/console.log"
KEY="$WORK/id_ed25519"

# The fresh server, reachable over SSH as an admin's Ansible reaches a host: sshd and root's authorized
# key. The executable base_image_prepare installs is taken out again: installing it is the role's job.
prepare_root() {
  local r="$1"
  # What Ansible needs on a managed host: python3 to run its modules, and openssh-sftp-server to copy
  # them and files (a Recommends of openssh-server; a Debian installed with "SSH server" has both).
  base_fresh_server "$r" "$UPLINK" "$WORK/image-apt.log" openssh-server openssh-sftp-server python3
  rm -f "$r/usr/local/bin/xensetup"
  rm -f "$KEY" "$KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C xensetup-e2e-fleet -f "$KEY"
  install -d -m 700 "$r/root/.ssh"
  install -m 600 "$KEY.pub" "$r/root/.ssh/authorized_keys"
}

PORT=""
ssh_vm() { ssh -q -i "$KEY" -p "$PORT" -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 "$@"; }
wait_for_ssh() {
  local waited=0
  until ssh_vm true 2>/dev/null; do
    kill -0 "$QEMU_PID" 2>/dev/null || e2e_die "QEMU ended before sshd answered (console: $LOG)"
    ((waited < SSH_WAIT)) || e2e_die "no SSH after ${SSH_WAIT}s (console: $LOG)"
    sleep 5; waited=$((waited + 5))
  done
}
free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 20); do
    ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
  e2e_die "no free local port for SSH"
}

# play NAME [ARGS]: the role over SSH, its json callback document in run-NAME.json.
play() {
  local name="$1" rc=0
  shift
  ANSIBLE_CONFIG="$REPO_ROOT/test/ansible/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$WORK/collections" \
    timeout "$PLAY_TIMEOUT" ansible-playbook -i "$WORK/inventory.ini" "$@" "$REPO_ROOT/test/ansible/site.yml" \
    >"$WORK/run-$name.json" 2>"$WORK/run-$name.stderr" || rc=$?
  e2e_log "playbook $name: exit $rc"
  PLAY_RC[$name]=$rc
}
declare -A PLAY_RC=()
# result NAME TASK EXPR: EXPR over the host's result of the role's task TASK in run NAME (`doc`).
result() {
  json_eval "(() => {
    const task = doc.plays.flatMap((p) => p.tasks).find((t) => t.task.name.endsWith(' : $2'))
    { const doc = task ? task.hosts.vm : undefined; return $3 }
  })()" <"$WORK/run-$1.json"
}
# assert_same_box NAME BEFORE AFTER: the box answered both times, and as the same.
assert_same_box() {
  local r=0
  [[ "$2" == boot_id=* && "$3" == "$2" ]] || r=1
  assert "$1" $r "before: $2 | after: $3"
}
# assert_play RUN PATTERN NAME: the run's recap and ansible-playbook's exit status match PATTERN.
assert_play() {
  local v r=0
  v="$(json_eval '`changed=${doc.stats.vm.changed} failed=${doc.stats.vm.failures} unreachable=${doc.stats.vm.unreachable}`' <"$WORK/run-$1.json") rc=${PLAY_RC[$1]}"
  # shellcheck disable=SC2053  # PATTERN is a glob
  [[ "$v" == $2 ]] || r=1
  assert "$3" $r "$v"
}
# The box's state that a check run must leave as it was, and a reboot must change (boot_id); a box that
# does not answer is "unreachable", and the assertions say so.
box_state() { ssh_vm 'printf "boot_id=%s xensetup=%s journal=%s caps=%s" "$(cat /proc/sys/kernel/random/boot_id)" "$(test -e /usr/local/bin/xensetup && echo yes || echo no)" "$(test -e /var/lib/xensetup && echo yes || echo no)" "$(cat /proc/xen/capabilities 2>/dev/null || echo none)"' || echo unreachable; }

check_check_run() {
  local v
  assert_play check '* failed=0 unreachable=0 rc=0' "--check --diff: the play ran without a failure"
  # services too: before the packages are installed a plan cannot know that their scripts enable them.
  v="$(result check 'Make the host a Xen dom0' '`${doc.changed} ${doc.result} boot_changed=${doc.boot_changed} ${doc.changed_steps}`')"
  assert_equal "--check --diff: init's dry run would change packages, boot, services, xenfs and bridge" "true planned boot_changed=true packages,boot,services,xenfs,bridge" "$v"
  v="$(result check 'Make the host a Xen dom0' 'doc.diff.map((d) => d.prepared).join("")' | grep -cE '^\+iface xenbr0 inet dhcp$|^\+GRUB_CMDLINE_XEN_DEFAULT=|^\$ apt-get install ' || true)"
  assert_equal "--check --diff: the diffs show xenbr0's stanza, the Xen command line and the apt-get install" 3 "$v"
  v="$(result check 'Reboot into Xen' '`changed=${doc.changed} skipped=${doc.skipped}`')"
  assert_equal "--check --diff: the reboot is reported, not done" "changed=true skipped=undefined" "$v"
  assert_same_box "--check --diff: the box as it was (same boot, no xensetup installed, no journal)" "$STATE0" "$STATE1"
}

check_first_run() {
  local v r
  assert_play first '* failed=0 unreachable=0 rc=0' "first run: the play ran without a failure"
  assert_equal "first run: the executable installed" true "$(result first 'Install the xensetup executable' 'doc.changed')"
  v="$(result first 'Make the host a Xen dom0' '`${doc.result} boot_changed=${doc.boot_changed} ${doc.changed_steps} run=${/^\d{8}T\d{6}Z-\d+$/.test(doc.run)}`')"
  assert_equal "first run: init on the running box changed packages, boot, xenfs and bridge, journaled as a run" "ok boot_changed=true packages,boot,xenfs,bridge run=true" "$v"
  v="$(result first 'Reboot into Xen' '`changed=${doc.changed} rebooted=${doc.rebooted}`')"
  assert_equal "first run: ansible.builtin.reboot rebooted the box" "changed=true rebooted=true" "$v"
  assert_equal "first run: the role found the box running as a Xen dom0 after the reboot" "failed=undefined skipped=undefined" \
    "$(result first 'The host came back as a Xen dom0' '`failed=${doc.failed} skipped=${doc.skipped}`')"
  r=0; [[ "$STATE2" == *"xensetup=yes journal=yes caps=control_d" && "${STATE2%% *}" != "${STATE1%% *}" ]] || r=1
  assert "first run: the box came back as a Xen dom0 (a new boot, /proc/xen/capabilities control_d)" $r "$STATE2"
  v="$(result first 'Check the dom0 with doctor' '`fail_on=${doc.invocation.module_args.fail_on} failed=${doc.summary.fail} xen.running=${doc.by_id["xen.running"].status} xen.dom0=${doc.by_id["xen.dom0"].status} xen.xl_context=${doc.by_id["xen.xl_context"].status} network.bridge=${doc.by_id["network.bridge"].status}`')"
  assert_equal "first run: doctor in the dom0 after the reboot (fail_on fail): no failed check, Xen running, xl reaches it, xenbr0 up" \
    "fail_on=fail failed=0 xen.running=pass xen.dom0=pass xen.xl_context=pass network.bridge=pass" "$v"
  v="$(tr -d '\r' <"$LOG" | grep -aoE '\(XEN\) Xen version [^ ]+' | head -n1 || true)"
  r=0; [[ -n "$v" ]] || r=1
  assert "first run: the console shows Xen booting" $r "${v:-no Xen banner}"
}

check_second_run() {
  assert_play second 'changed=0 failed=0 unreachable=0 rc=0' "second run: changed=0, no failure"
  assert_equal "second run: the boot entry unchanged, the box asked whether it runs Xen: it does (state dom0), so no reboot" "dom0 skipped=true" \
    "$(result second 'Whether the host runs Xen already' 'doc.state') skipped=$(result second 'Reboot into Xen' 'doc.skipped')"
  assert_same_box "second run: the same boot" "$STATE2" "$STATE3"
}

main() {
  e2e_log "fleet journey: suite=$SUITE work=$WORK"
  base_image_make "$SUITE" "$UPLINK" prepare_root

  e2e_phase "collection"
  ansible-galaxy collection build "$REPO_ROOT/ansible" --output-path "$WORK" --force >/dev/null
  ansible-galaxy collection install "$WORK"/xensetup-dom0-*.tar.gz -p "$WORK/collections" --force >/dev/null 2>&1
  PORT="$(free_port)"
  cat >"$WORK/inventory.ini" <<EOF
[dom0s]
vm ansible_host=127.0.0.1 ansible_port=$PORT ansible_user=root ansible_ssh_private_key_file=$KEY ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
[dom0s:vars]
xensetup_executable_src=$XENSETUP_EXE
EOF

  e2e_phase "boot (native kernel, sshd)"
  QEMU_HOSTFWD="hostfwd=tcp:127.0.0.1:$PORT-:22" QEMU_NO_REBOOT=0 qemu_start "$ISO" "$ROOT_IMG" "" "$LOG"
  wait_for_ssh
  STATE0="$(box_state)"
  e2e_log "up: $STATE0"

  e2e_phase "playbook --check --diff"
  play check --check --diff
  STATE1="$(box_state)"
  e2e_phase "playbook (init, reboot into Xen, doctor)"
  play first
  STATE2="$(box_state)"
  e2e_log "after the first run: $STATE2"
  e2e_phase "playbook again"
  play second
  STATE3="$(box_state)"
  e2e_phase ""
  ssh_vm poweroff || true
  qemu_kill

  check_check_run
  check_first_run
  check_second_run
  if printf '%s\n' "${RESULTS[@]}" | grep -q '^FAIL'; then
    for name in check first second; do
      echo "--- playbook $name (stderr, last lines)"
      tail -n 15 "$WORK/run-$name.stderr" | sed 's/^/  /'
    done
    echo "--- last console lines"
    tr -d '\r' <"$LOG" | grep -av '^\s*$' | tail -n 30 | cut -c1-300 | sed 's/^/  /'
  fi
  e2e_print_phases
  e2e_results "fleet journey, $SUITE"
}

main "$@"; exit $?
