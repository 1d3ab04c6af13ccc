import path from 'node:path'
import type {CommandChange} from '../engine/change.js'
import {StepRefusal} from '../engine/step.js'
import {isSection, parseLvmText, sectionAt} from '../formats/lvm-text.js'
import type {Host} from '../host/host.js'
import type {CommandRunner} from '../host/runner.js'
import {readVgBackup} from '../steps/lvm/backup.js'
import {LVM_PV_SIGNATURE, probePvMembership, probeSignatures} from '../steps/lvm/signatures.js'

export interface VgRemoval {
  /** The target (its LVM metadata backups, where the commands run) and the machine owning the disks. */
  host: Host
  machine: Host
  probe: CommandRunner
  /** LVM_SYSTEM_DIR for every LVM command, as the LVM step uses it. */
  systemDir: string
  vgName: string
  /** Devices to turn back into plain disks once the group is gone (those xensetup made PVs). */
  pvDevices: string[]
  /** Directories the run's LVM commands made (the backup directory vgcreate made): removed once they hold only the group's backup. */
  createdDirs: string[]
  why: string
}

/**
 * The commands that remove a volume group and its PV labels, only while it holds no logical volume:
 * a group with volumes holds guests' disks, and removing it is refused. LVM's own metadata backup is
 * the proof the group exists (read, not spawned); once it is gone, a device still labelled as a PV of
 * no group gets pvremove.
 */
export async function removeEmptyVg({host, machine, probe, systemDir, vgName, pvDevices, createdDirs, why}: VgRemoval): Promise<CommandChange[]> {
  const env = {LVM_SYSTEM_DIR: systemDir, LVM_SUPPRESS_FD_WARNINGS: '1'}
  const pvremove = (device: string): CommandChange => ({kind: 'command', argv: ['pvremove', device], why: `remove the LVM label xensetup put on ${device}`, env})
  const backup = readVgBackup(host, systemDir, vgName)
  if (backup) {
    const volumes = logicalVolumes(host.read(backup.file) ?? '', vgName)
    if (volumes.length > 0) {
      throw new StepRefusal(
        `volume group ${vgName} holds logical volumes (${volumes.join(', ')}), which may be guests' disks; it is kept: remove them first (xensetup guest remove NAME, or lvremove ${vgName}/LV), then run this again`,
      )
    }
    // vgremove removes the backup it holds; an emptied directory the run made goes too.
    const backupDir = path.posix.dirname(backup.file)
    const rmdir: CommandChange[] = createdDirs.includes(backupDir) && host.list(backupDir).every((name) => name === vgName) ? [{kind: 'command', argv: ['rmdir', backupDir], why: "the run made it for the group's backup"}] : []
    return [{kind: 'command', argv: ['vgremove', vgName], why, env, rewrites: [backup.file]}, ...pvDevices.map(pvremove), ...rmdir]
  }
  const changes: CommandChange[] = []
  for (const device of pvDevices) {
    if (machine.kind(device) !== 'block') continue
    if (!(await probeSignatures(probe, device)).some((found) => found.type === LVM_PV_SIGNATURE)) continue
    const membership = await probePvMembership(probe, device, env)
    if ('vg' in membership && membership.vg === null) changes.push(pvremove(device))
  }
  return changes
}

/** The names of the group's logical volumes in its metadata backup. */
export function logicalVolumes(text: string, vgName: string): string[] {
  const volumes = sectionAt(parseLvmText(text), [vgName, 'logical_volumes'])
  return volumes ? Object.keys(volumes).filter((name) => isSection(volumes[name])) : []
}
