#!/usr/bin/env bash
# Fleet benchmark: three Debian 13 roots configured by the xensetup.dom0 collection (its host role,
# `init --root` from the controller) against a plain Ansible role doing the same steps with stock modules
# inside each root (bench/fleet/baseline, the community.general.chroot connection): packages, the
# GRUB command line, xl.conf, the bridge stanza and the services, but neither grub.cfg regenerated (a
# chroot connection has no /proc or /dev for grub-probe) nor the Xen entry made the default, both of
# which xensetup does; nor the doctor run the collection's role ends with. Each round gives
# each side three fresh copies of one prepared root and times, with ansible-playbook over all three at
# once: `--check --diff` on the fresh roots, the first run (converging them, apt included) and a re-run
# (converged, nothing to do). The sides alternate which goes first; figures are medians, ratios are
# collection / plain role. A benchmark, never a test: exit 0 whatever the figures, 2 when it cannot
# measure (a run failed, or a re-run changed something).
#
# Usage (root; Debian's ansible package; `npm run dist` first): npm run bench:fleet [-- ROUNDS]
set -Eeuo pipefail
rounds="${1:-3}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$repo/bench/fleet"
executable="$repo/release/xensetup-linux-x64"
hosts=(a b c)

fail() { echo "bench:fleet: $*" >&2; exit 2; }
trap 'fail "line $LINENO: $BASH_COMMAND failed"' ERR
[[ $EUID -eq 0 ]] || fail "run as root (chroots, apt inside the roots)"
command -v ansible-playbook >/dev/null || fail "install Debian's ansible package"
[[ -x "$executable" ]] || fail "run \`npm run dist\` first"

work="$(mktemp -d /var/tmp/xensetup-fleet.XXXXXX)"
cleanup() { umount "$work/template/proc" 2>/dev/null || true; rm -rf --one-file-system "$work"; }
trap cleanup EXIT

# One prepared root for both sides: python3-apt for the plain role's apt module, and policy-rc.d so
# that no package script starts a service in a chroot (xensetup's own runs block them anyway).
template="$work/template"
bash "$repo/test/lib/debian-root.sh" trixie "$template" 2>"$work/template.log" || { tail -n 20 "$work/template.log" >&2; fail "cannot make the Debian root"; }
printf '#!/bin/sh\nexit 101\n' >"$template/usr/sbin/policy-rc.d"
chmod 755 "$template/usr/sbin/policy-rc.d"
mount -t proc proc "$template/proc"
chroot "$template" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-apt >"$work/template-apt.log" 2>&1 ||
  { tail -n 20 "$work/template-apt.log" >&2; fail "cannot install python3-apt in the root"; }
umount "$template/proc"

ansible-galaxy collection build "$repo/ansible" --output-path "$work" >/dev/null
ANSIBLE_CONFIG="$bench/ansible.cfg" ansible-galaxy collection install "$work"/xensetup-dom0-*.tar.gz -p "$work/collections" >/dev/null 2>&1

# inventory SIDE: the side's three copies, as each side addresses them.
inventory() {
  local side="$1" host
  echo '[dom0s]'
  for host in "${hosts[@]}"; do
    if [[ "$side" == collection ]]; then
      echo "$host xensetup_root=$work/$side-$host"
    else
      echo "$work/$side-$host"
    fi
  done
  echo '[dom0s:vars]'
  if [[ "$side" == collection ]]; then
    printf '%s\n' ansible_connection=local "xensetup_executable_src=$executable" xensetup_dom0_mem=1024M xensetup_uplink=ens3
  else
    echo ansible_connection=community.general.chroot
  fi
}

# play SIDE LABEL [ARGS]: time one ansible-playbook run over the side's copies; a failed host, or a
# re-run that changed something, means the figures would not compare like with like.
play() {
  local side="$1" label="$2" book start end recap
  shift 2
  book="$repo/test/ansible/site.yml"
  [[ "$side" == plain ]] && book="$bench/baseline/site.yml"
  start=$(date +%s.%N)
  ANSIBLE_CONFIG="$bench/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$work/collections" \
    ansible-playbook -i "$work/inventory-$side.ini" "$@" "$book" >"$work/$side-$label.log" 2>&1 ||
    { tail -n 30 "$work/$side-$label.log" >&2; fail "$side $label failed"; }
  end=$(date +%s.%N)
  recap="$(sed -n '/PLAY RECAP/,$p' "$work/$side-$label.log")"
  [[ "$label" != rerun ]] || ! grep -qE 'changed=[1-9]' <<<"$recap" || { echo "$recap" >&2; fail "$side re-run changed something"; }
  awk -v s="$start" -v e="$end" -v id="$side $label" 'BEGIN { printf "%s %.3f\n", id, e - s }' >>"$work/times"
}

round() {
  local side="$1" host
  for host in "${hosts[@]}"; do cp -a "$template" "$work/$side-$host"; done
  inventory "$side" >"$work/inventory-$side.ini"
  play "$side" check --check --diff
  play "$side" first
  play "$side" rerun
  for host in "${hosts[@]}"; do rm -rf --one-file-system "$work/$side-$host"; done
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then round collection; round plain; else round plain; round collection; fi
  echo "round $r of $rounds done" >&2
done

node - "$work/times" "$rounds" <<'JS'
const [file, rounds] = process.argv.slice(2)
const times = {}
for (const line of require('fs').readFileSync(file, 'utf8').trim().split('\n')) {
  const [side, label, seconds] = line.split(' ')
  ;((times[label] ??= {})[side] ??= []).push(Number(seconds))
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
console.log(`Fleet: 3 Debian 13 roots, ansible-playbook over all three; medians of ${rounds} alternating rounds, seconds`)
const labels = {check: '--check --diff, fresh roots', first: 'first run (converge, apt included)', rerun: 're-run (converged)'}
for (const [label, title] of Object.entries(labels)) {
  const c = median(times[label].collection), p = median(times[label].plain)
  console.log(`  ${title.padEnd(36)} collection ${c.toFixed(2)}  plain role ${p.toFixed(2)}  ratio ${(c / p).toFixed(2)}x`)
}
JS
