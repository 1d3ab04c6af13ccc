import path from 'node:path'

import type {HostFiles} from './files.js'
import type {BlockDevice, BlockFacts} from './types.js'

export interface Mount {
  source: string
  target: string
  fstype: string
  options: string[]
}

/** The kernel escapes space, tab, newline and backslash in /proc/mounts and /proc/swaps as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
}

export function parseProcMounts(text: string): Mount[] {
  return text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length >= 4)
    .map(([source, target, fstype, options]) => ({
      source: unescapeOctal(source),
      target: unescapeOctal(target),
      fstype,
      options: options.split(','),
    }))
}

/** Active swap areas (files and devices) from /proc/swaps, header skipped. */
export function parseProcSwaps(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[0])
    .filter(Boolean)
    .map(unescapeOctal)
}

/** Not disks one would put a VG on: RAM disks, compressed swap, optical, floppy, eMMC boot areas, and stacked devices (dm, md, nbd, zvols). */
const ignoredDevices = /^(ram|zram|sr|fd|dm-|md|nbd|zd)|^mmcblk\d+(boot\d+|rpmb)$/

/** /sys/block sizes are in 512-byte sectors whatever the device's logical block size. */
const sectorBytes = 512
/** Smaller is no use as guest storage, and this skips BIOS-boot and other tiny system partitions. */
const minimumUsefulBytes = 1024 ** 3

/** A udev database record (/run/udev/data/b<major>:<minor>): its E:KEY=value properties. */
export function parseUdevRecord(text: string): Record<string, string> {
  const properties: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^E:([^=]+)=(.*)$/.exec(line)
    if (match) properties[match[1]] = match[2]
  }
  return properties
}

/**
 * Whole disks and their partitions from /sys/block, with what uses them according to /proc/mounts and
 * /proc/swaps (resolved through device-mapper/md `slaves/` links down to physical disks).
 */
export function collectBlock(files: HostFiles, mounts: Mount[], swaps: string[], kernelCmdline: string | null): BlockFacts {
  const sysBlock = files.list('/sys/block')
  const partitionParent = new Map<string, string>()
  const partitionsOf = new Map<string, string[]>()
  for (const disk of sysBlock) {
    const partitions = files
      .list(`/sys/block/${disk}`)
      .filter((entry) => entry.startsWith(disk) && files.exists(`/sys/block/${disk}/${entry}/partition`))
    partitionsOf.set(disk, partitions)
    for (const partition of partitions) partitionParent.set(partition, disk)
  }
  const mapperNames = new Map(
    sysBlock.filter((name) => name.startsWith('dm-')).map((name) => [files.value(`/sys/block/${name}/dm/name`) ?? '', name]),
  )

  const sysfsDir = (name: string) => {
    const parent = partitionParent.get(name)
    return parent ? `/sys/block/${parent}/${name}` : `/sys/block/${name}`
  }

  /** Kernel name ("sda2", "dm-0") behind a /dev path as the kernel reports it in mounts/swaps. */
  const kernelName = (device: string): string | undefined => {
    if (device === '/dev/root') return rootFromCmdline(files, kernelCmdline)
    if (device.startsWith('/dev/mapper/')) return mapperNames.get(device.slice('/dev/mapper/'.length))
    if (!device.startsWith('/dev/')) return undefined
    const name = path.posix.basename(device)
    return partitionParent.has(name) || sysBlock.includes(name) ? name : undefined
  }

  /** The physical disks a device ultimately lives on. */
  const disksUnder = (name: string, seen = new Set<string>()): string[] => {
    if (seen.has(name)) return []
    seen.add(name)
    const parent = partitionParent.get(name)
    if (parent) return [parent]
    const slaves = files.list(`/sys/block/${name}/slaves`)
    return slaves.length === 0 ? [name] : slaves.flatMap((slave) => disksUnder(slave, seen))
  }

  const disksUnderMount = (target: string): string[] => {
    // The last mount on a path is the visible one.
    const mount = mounts.filter((candidate) => candidate.target === target).at(-1)
    const name = mount ? kernelName(mount.source) : undefined
    return name ? disksUnder(name) : []
  }
  const rootDisks = disksUnderMount('/')
  const separateBoot = [...disksUnderMount('/boot'), ...disksUnderMount('/boot/efi'), ...disksUnderMount('/efi')]
  // Without a separate /boot, the kernel and bootloader files live on the root filesystem.
  const bootDisks = separateBoot.length > 0 ? separateBoot : rootDisks
  const mountpointsOf = (name: string) => mounts.filter((mount) => kernelName(mount.source) === name).map((mount) => mount.target)
  const swapNames = new Set(swaps.map(kernelName).filter((name) => name !== undefined))

  const describe = (name: string, type: BlockDevice['type'], parent: string | null): BlockDevice => {
    const dir = sysfsDir(name)
    const disk = parent ?? name
    const mountpoints = mountpointsOf(name)
    const deviceNumber = files.value(`${dir}/dev`)
    const udevRecord = deviceNumber ? files.read(`/run/udev/data/b${deviceNumber}`) : undefined
    const udev = udevRecord === undefined ? {} : parseUdevRecord(udevRecord)
    return {
      path: `/dev/${name}`,
      name,
      sizeBytes: Number(files.value(`${dir}/size`) ?? 0) * sectorBytes,
      type,
      parent: parent ? `/dev/${parent}` : null,
      mounted: mountpoints.length > 0,
      mountpoints,
      swap: swapNames.has(name),
      holders: files.list(`${dir}/holders`).map((holder) => `/dev/${holder}`),
      isRootDisk: rootDisks.includes(disk),
      isBootDisk: bootDisks.includes(disk),
      partitions: (parent ? [] : (partitionsOf.get(name) ?? [])).map((partition) => `/dev/${partition}`),
      // Partitions have no removable attribute of their own.
      removable: files.value(`/sys/block/${disk}/removable`) === '1',
      readOnly: files.value(`${dir}/ro`) === '1',
      udevProbed: udevRecord !== undefined,
      fsType: udev.ID_FS_TYPE || null,
      partitionTable: udev.ID_PART_TABLE_TYPE || null,
      looksUnused: false,
    }
  }

  const devices: BlockDevice[] = []
  for (const disk of sysBlock) {
    if (ignoredDevices.test(disk)) continue
    const isLoop = disk.startsWith('loop')
    const device = describe(disk, isLoop ? 'loop' : 'disk', null)
    // Unattached loop devices exist with size 0.
    if (isLoop && device.sizeBytes === 0) continue
    const partitions = (partitionsOf.get(disk) ?? []).map((partition) => describe(partition, 'part', disk))
    for (const partition of partitions) partition.looksUnused = looksUnused(partition)
    device.looksUnused = partitions.length === 0 && !device.isRootDisk && !device.isBootDisk && looksUnused(device)
    devices.push(device, ...partitions)
  }
  return {devices}
}

function looksUnused(device: BlockDevice): boolean {
  return (
    device.sizeBytes >= minimumUsefulBytes &&
    !device.mounted &&
    !device.swap &&
    device.holders.length === 0 &&
    device.fsType === null &&
    device.partitionTable === null &&
    !device.readOnly &&
    !device.removable
  )
}

/**
 * /proc/mounts says "/dev/root" when the kernel mounted / itself (no initramfs); root= on the command
 * line names it, possibly by UUID, which udev's /dev/disk/by-* links resolve.
 */
function rootFromCmdline(files: HostFiles, cmdline: string | null): string | undefined {
  const root = /(?:^|\s)root=(\S+)/.exec(cmdline ?? '')?.[1]
  if (!root) return undefined
  const byTag = /^(UUID|PARTUUID|LABEL)=(.+)$/.exec(root)
  if (!byTag) return root.startsWith('/dev/') ? path.posix.basename(root) : undefined
  const link = files.readlink(`/dev/disk/by-${byTag[1].toLowerCase()}/${byTag[2]}`)
  return link ? path.posix.basename(link) : undefined
}
