# shellcheck shell=bash
# Shared helpers for the boot-lab scripts: logging, a cleanup stack that runs on
# EXIT (also after errors and Ctrl-C), phase timing and host package checks.
# Source it; it does not change shell options by itself.

E2E_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_DIR="$(cd "$E2E_LIB_DIR/.." && pwd)"
# shellcheck disable=SC2034  # used by the sourcing scripts
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"

e2e_log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
e2e_die() { e2e_log "ERROR: $*"; exit 1; }

# --- cleanup stack -------------------------------------------------------------
# e2e_on_exit CMD...   registers a command (run through eval, last in first out).
# Every registered command must be idempotent: it may run after a partial setup,
# and the normal flow may already have undone the thing.
E2E_CLEANUP=()
e2e_on_exit() { E2E_CLEANUP+=("$*"); }
e2e_run_cleanup() {
  local i
  for ((i=${#E2E_CLEANUP[@]}-1; i>=0; i--)); do
    eval "${E2E_CLEANUP[$i]}" || e2e_log "cleanup step failed: ${E2E_CLEANUP[$i]}"
  done
  E2E_CLEANUP=()
}
e2e_install_traps() {
  # shellcheck disable=SC2154  # rc is assigned inside the trap string
  trap 'rc=$?; trap - EXIT; e2e_run_cleanup; exit $rc' EXIT
  trap 'e2e_log "interrupted"; exit 130' INT
  trap 'e2e_log "terminated"; exit 143' TERM HUP
}

# --- phase timing --------------------------------------------------------------
E2E_PHASES=()
E2E_PHASE_NAME=""
E2E_PHASE_T0=""
e2e_phase() { # NAME: ends the running phase, starts NAME ("" = just end)
  local now="${EPOCHREALTIME/,/.}"
  if [[ -n "$E2E_PHASE_NAME" ]]; then
    E2E_PHASES+=("$(printf '%-28s %7.1f s' "$E2E_PHASE_NAME" "$(awk -v a="$E2E_PHASE_T0" -v b="$now" 'BEGIN{print b-a}')")")
  fi
  E2E_PHASE_NAME="$1"
  E2E_PHASE_T0="$now"
  [[ -z "$1" ]] || e2e_log "=== phase: $1"
}
e2e_print_phases() {
  local p
  echo "--- wall time per phase"
  for p in "${E2E_PHASES[@]}"; do echo "$p"; done
}

# --- host packages -------------------------------------------------------------
# Commands the harness needs, and the Debian 12 package that provides each.
E2E_HOST_NEEDS=(
  "debootstrap:debootstrap"
  "zstd:zstd"
  "qemu-system-x86_64:qemu-system-x86"
  "grub-mkrescue:grub-common"
  "/usr/lib/grub/i386-pc/modinfo.sh:grub-pc-bin"
  "xorriso:xorriso"
  "mformat:mtools"
  "mkfs.ext4:e2fsprogs"
  "sfdisk:fdisk"
  "partx:util-linux"
  "losetup:mount"
  "flock:util-linux"
  # The guest's initramfs: a static busybox, cpio, xz for trixie's .ko.xz modules.
  "/bin/busybox:busybox-static"
  "cpio:cpio"
  "xz:xz-utils"
)
e2e_ensure_host_packages() {
  local need missing=() cmd pkg
  for need in "${E2E_HOST_NEEDS[@]}"; do
    cmd="${need%%:*}"; pkg="${need#*:}"
    if [[ "$cmd" == /* ]]; then [[ -e "$cmd" ]] && continue
    else command -v "$cmd" >/dev/null 2>&1 && continue; fi
    missing+=("$pkg")
  done
  # seabios + ipxe-qemu come with qemu-system-x86 (Depends / Recommends).
  [[ -e /usr/share/seabios/bios-256k.bin ]] || missing+=(seabios)
  ((${#missing[@]})) || return 0
  e2e_log "installing host packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
