import path from 'node:path'
import type {CommandChange} from '../engine/change.js'
import {StepRefusal} from '../engine/step.js'
import type {Host} from '../host/host.js'
import type {CommandRunner} from '../host/runner.js'
import {lvmEnv} from '../facts/lvm.js'
import {pvPath, readVgBackup} from '../steps/lvm/backup.js'
import {LVM_PV_SIGNATURE, probePvMembership, probeSignatures} from '../steps/lvm/signatures.js'

export interface VgRemoval {
  /** The target (its LVM metadata backups, where the commands run) and the machine owning the disks. */
  host: Host
  machine: Host
  probe: CommandRunner
  /** LVM_SYSTEM_DIR for every LVM command, as the LVM step uses it. */
  systemDir: string
  vgName: string
  /** Devices xensetup made PVs: turned back into plain disks when the group's backup is already gone. */
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
  const env = lvmEnv(systemDir)
  const pvremove = (device: string): CommandChange => ({kind: 'command', argv: ['pvremove', device], why: `remove the LVM label xensetup put on ${device}`, env})
  const backup = readVgBackup(host, systemDir, vgName)
  if (backup) {
    if (backup.lvs.length > 0) {
      throw new StepRefusal(
        `volume group ${vgName} holds logical volumes (${backup.lvs.join(', ')}), which may be guests' disks; it is kept: remove them first (xensetup guest remove NAME, or lvremove ${vgName}/LV), then run this again`,
      )
    }
    // vgremove removes the backup it holds; an emptied directory the run made goes too.
    const backupDir = path.posix.dirname(backup.file)
    const rmdir: CommandChange[] = createdDirs.includes(backupDir) && host.list(backupDir).every((name) => name === vgName) ? [{kind: 'command', argv: ['rmdir', backupDir], why: "the run made it for the group's backup"}] : []
    // The group's own PVs, where they are now: another group's devices are not this group's to unlabel.
    const devices = backup.pvs.map((pv) => pvPath(machine, pv)).filter((device) => device !== null)
    return [{kind: 'command', argv: ['vgremove', vgName], why, env, rewrites: [backup.file]}, ...devices.map(pvremove), ...rmdir]
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
