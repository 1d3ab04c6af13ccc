# shellcheck shell=bash
# A chroot session the way `xensetup init --root DIR` sets one up, used for the
# by-hand configuration of the image. What update-grub needs from it
# (measured, see test/e2e/README.md):
#   /proc  mount -t proc      grub-probe reads /proc/self/mountinfo (falls back to scanning /dev)
#   /sys   mount --bind /sys  REQUIRED: without it grub-probe cannot map loopNp1 to its disk
#                             ("cannot find a GRUB drive"), update-grub still exits 0 but
#                             writes entries without `search` and with root=/dev/loopNp1
#   /dev   mount --bind /dev  REQUIRED: the mount source device node must resolve
#                             ("failed to get canonical path of /dev/loopN")
#   /dev/pts                  not needed by grub; apt/dpkg are happier with it
# Binds are made slaves so that nothing mounted under them propagates back to
# the host when / is a shared mount (systemd hosts).
# Source it; the functions are idempotent.

# chroot_enter DIR
chroot_enter() {
  local r="$1"
  mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
  if ! mountpoint -q "$r/sys"; then mount --bind /sys "$r/sys"; mount --make-rslave "$r/sys"; fi
  if ! mountpoint -q "$r/dev"; then mount --bind /dev "$r/dev"; mount --make-rslave "$r/dev"; fi
  mountpoint -q "$r/dev/pts" || mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts"
}

# chroot_leave DIR
chroot_leave() {
  local r="$1" m
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$r/$m" 2>/dev/null; then
      umount "$r/$m" 2>/dev/null || umount -l "$r/$m" || true
    fi
  done
}

# chroot_run DIR CMD...: clean environment, non-interactive apt.
chroot_run() {
  local r="$1"; shift
  chroot "$r" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LC_ALL=C.UTF-8 TERM=dumb \
    DEBIAN_FRONTEND=noninteractive LVM_SUPPRESS_FD_WARNINGS=1 \
    "$@"
}

# chroot_block_services DIR / chroot_unblock_services DIR: policy-rc.d so that
# package postinsts (e.g. /etc/init.d/xen on Debian 12) do not start daemons
# inside the chroot, i.e. on the host kernel.
chroot_block_services() {
  printf '#!/bin/sh\n# xensetup-e2e\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod 755 "$1/usr/sbin/policy-rc.d"
}
chroot_unblock_services() {
  if grep -q xensetup-e2e "$1/usr/sbin/policy-rc.d" 2>/dev/null; then rm -f "$1/usr/sbin/policy-rc.d"; fi
}
