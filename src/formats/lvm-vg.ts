import {isSection, type LvmSection, type LvmValue, sectionAt} from './lvm-text.js'

/** Sectors in LVM metadata are 512 bytes whatever the disk's own sector size. */
const SECTORS_PER_MIB = 2048

/** A volume group's size and its logical volumes, as its metadata records them. */
export interface VgLayout {
  name: string
  extentMiB: number
  extents: number
  freeExtents: number
  /** Logical volume name → its size in extents (every segment counted, hidden volumes too). */
  lvs: Map<string, number>
}

/** The layout from parsed metadata (a backup LVM wrote to <backup_dir>/<vg>); undefined without the group. */
export function vgLayout(metadata: LvmSection, vgName: string): VgLayout | undefined {
  const vg = sectionAt(metadata, [vgName])
  if (!vg || typeof vg.extent_size !== 'number') return undefined
  const extents = sections(vg.physical_volumes).reduce((sum, pv) => sum + numberOr0(pv.pe_count), 0)
  const lvs = new Map<string, number>()
  for (const [name, lv] of Object.entries(isSection(vg.logical_volumes) ? vg.logical_volumes : {})) {
    if (!isSection(lv)) continue
    lvs.set(name, sections(lv).reduce((sum, segment) => sum + numberOr0(segment.extent_count), 0))
  }
  const used = [...lvs.values()].reduce((sum, count) => sum + count, 0)
  return {name: vgName, extentMiB: vg.extent_size / SECTORS_PER_MIB, extents, freeExtents: extents - used, lvs}
}

function sections(value: LvmValue | undefined): LvmSection[] {
  return isSection(value) ? Object.values(value).filter(isSection) : []
}

function numberOr0(value: LvmValue | undefined): number {
  return typeof value === 'number' ? value : 0
}
