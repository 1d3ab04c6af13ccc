import {StepFailure, StepRefusal} from '../../engine/step.js'
import type {BlockDevice} from '../../facts/types.js'
import type {Host} from '../../host/host.js'

/**
 * Refuses a device that is missing, not a disk, partition or loop device, holds the running system, or is
 * used according to sysfs and procfs. None of this can be overridden: --force-wipe only covers signatures.
 */
export function ensureUnused(host: Host, devices: BlockDevice[], given: string, real: string): void {
  const named = given === real ? given : `${given} (${real})`
  if (!host.exists(real)) {
    throw new StepFailure(`--vg-device ${named} does not exist; list the disks with lsblk and give one that is there`)
  }
  const device = devices.find((candidate) => candidate.path === real)
  if (!device) {
    throw new StepFailure(
      `--vg-device ${named} is not a disk, partition or attached loop device listed in /sys/block (device-mapper and md devices are not accepted); give a whole disk such as /dev/sdb`,
    )
  }
  const disk = device.parent ?? device.path
  if (device.isRootDisk || device.isBootDisk) {
    const holds = device.isRootDisk ? 'the running system (/)' : 'the boot files (/boot or the EFI partition)'
    const which = device.parent ? `a partition of ${disk}, the disk that holds` : 'the disk that holds'
    throw new StepRefusal(
      `--vg-device ${named} is ${which} ${holds}; xensetup only creates the volume group on a disk the system does not boot from. Give another disk, or create the VG on a spare partition yourself (pvcreate, vgcreate): xensetup then finds it and leaves it as it is`,
    )
  }
  const uses = usesOf(device, devices)
  if (uses.length > 0) {
    throw new StepRefusal(
      `--vg-device ${named} is in use: ${uses.join('; ')}. Free it first (umount and remove it from /etc/fstab, swapoff, vgchange -an, cryptsetup close or mdadm --stop) or give another disk`,
    )
  }
  if (device.readOnly) throw new StepFailure(`--vg-device ${named} is read-only; give a writable disk`)
}

/** Mounts, swap and stacked devices on the device or any of its partitions, as sentences. */
function usesOf(device: BlockDevice, devices: BlockDevice[]): string[] {
  const partitions = devices.filter((candidate) => device.partitions.includes(candidate.path))
  return [device, ...partitions].flatMap((part) => [
    ...(part.mounted ? [`${part.path} is mounted on ${part.mountpoints.join(', ')}`] : []),
    ...(part.swap ? [`${part.path} is active swap`] : []),
    ...(part.holders.length > 0 ? [`${part.path} is held by ${part.holders.join(', ')} (an active LVM, dm-crypt, multipath or md RAID device on top of it)`] : []),
  ])
}
