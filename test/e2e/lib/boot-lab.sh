# shellcheck shell=bash
# The libraries every boot proof starts from, in the order they build on each other: logging and the
# cleanup stack, assertions, disk images, chroots, QEMU, the fresh server image. Source it first.
# shellcheck source-path=SCRIPTDIR
_BOOT_LAB_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$_BOOT_LAB_LIB/common.sh"
. "$_BOOT_LAB_LIB/assert.sh"
. "$_BOOT_LAB_LIB/disk-image.sh"
. "$_BOOT_LAB_LIB/chroot.sh"
. "$_BOOT_LAB_LIB/qemu.sh"
. "$_BOOT_LAB_LIB/base-image.sh"
