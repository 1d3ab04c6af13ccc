import {StepFailure} from '../../engine/step.js'
import type {Host} from '../../host/host.js'
import {lvmArchiveDirectory, lvmBackupDirectory} from '../../facts/lvm.js'
import {isSection, type LvmSection, type LvmValue, parseLvmText, sectionAt} from '../../formats/lvm-text.js'

/** A physical volume as a metadata backup records it. */
export interface BackupPv {
  /** PV UUID; udev links it as /dev/disk/by-id/lvm-pv-uuid-<id>. */
  id: string | null
  /** The device name LVM used when it wrote the backup ("# Hint only": names can change across boots). */
  device: string | null
}

/** A volume group's metadata backup: the file, its PVs and the names of its logical volumes. */
export interface VgBackup {
  file: string
  pvs: BackupPv[]
  lvs: string[]
}

/** The group as its metadata backup records it; undefined when there is no backup. */
export function readVgBackup(host: Host, systemDir: string, vgName: string): VgBackup | undefined {
  const file = `${backupDirectory(host, systemDir)}/${vgName}`
  const text = readAsRoot(host, file)
  if (text === undefined) return undefined
  const metadata = parseOrExplain(text, file)
  const lvs = sectionAt(metadata, [vgName, 'logical_volumes']) ?? {}
  return {file, pvs: pvsOf(metadata, vgName, file), lvs: Object.keys(lvs).filter((name) => isSection(lvs[name]))}
}

/** Where a PV is now: udev's link by PV UUID follows a disk renamed across boots; the recorded name is only a hint. */
export function pvPath(host: Host, pv: BackupPv): string | null {
  const byUuid = pv.id === null ? undefined : `/dev/disk/by-id/lvm-pv-uuid-${pv.id}`
  if (byUuid && host.readlink(byUuid) !== undefined) return host.canonical(byUuid)
  return pv.device === null ? null : host.canonical(pv.device)
}

/** Where LVM writes its metadata backups; a config that cannot be read or parsed fails the step. */
export function backupDirectory(host: Host, systemDir: string): string {
  return lvmBackupDirectory(systemDir, (file) => readAsRoot(host, file), parseOrExplain)
}

/** Where LVM archives replaced metadata under names of its own (<vg>_<seqno>-<random>.vg). */
export function archiveDirectory(host: Host, systemDir: string): string {
  return lvmArchiveDirectory(systemDir, (file) => readAsRoot(host, file), parseOrExplain)
}

/** The PVs of a volume group from its metadata backup. */
export function pvsInBackup(text: string, vgName: string, file: string): BackupPv[] {
  return pvsOf(parseOrExplain(text, file), vgName, file)
}

function pvsOf(metadata: LvmSection, vgName: string, file: string): BackupPv[] {
  const volumes = sectionAt(metadata, [vgName, 'physical_volumes'])
  if (!volumes) throw new StepFailure(`${file} has no physical_volumes section for ${vgName}; it is not a metadata backup LVM wrote: move it away and re-run`)
  return Object.values(volumes)
    .filter(isSection)
    .map((pv: LvmSection) => ({id: stringOrNull(pv.id), device: stringOrNull(pv.device)}))
}

/** LVM keeps its backup directory root-only (0700): without root, whether the group exists is unknown. */
function readAsRoot(host: Host, file: string): string | undefined {
  try {
    return host.read(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM') throw error
    throw new StepFailure(`cannot read ${file} (${code}): run as root to see whether the volume group exists`)
  }
}

function parseOrExplain(text: string, file: string): LvmSection {
  try {
    return parseLvmText(text)
  } catch (error) {
    throw new StepFailure(`${file} is not valid LVM configuration text (${(error as Error).message}); LVM cannot read it either: fix it and re-run`)
  }
}

function stringOrNull(value: LvmValue | undefined): string | null {
  return typeof value === 'string' ? value : null
}
