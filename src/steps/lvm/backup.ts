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

/** The group's PVs as its metadata backup records them, with the file; undefined when there is no backup. */
export function readVgBackup(host: Host, systemDir: string, vgName: string): {file: string; pvs: BackupPv[]} | undefined {
  const file = `${backupDirectory(host, systemDir)}/${vgName}`
  const text = readAsRoot(host, file)
  return text === undefined ? undefined : {file, pvs: pvsInBackup(text, vgName, file)}
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
  const volumes = sectionAt(parseOrExplain(text, file), [vgName, 'physical_volumes'])
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
