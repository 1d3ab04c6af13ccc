import type {CommandChange} from '../engine/change.js'
import {type Step, StepFailure, StepRefusal} from '../engine/step.js'
import {DEFAULT_LVM_SYSTEM_DIR, lvmEnv} from '../facts/lvm.js'
import type {Host} from '../host/host.js'
import type {InitContext} from './context.js'
import {archiveDirectory, backupDirectory, pvPath, readVgBackup} from './lvm/backup.js'
import {ensureUnused} from './lvm/device.js'
import {describeSignatures, LVM_PV_SIGNATURE, probePvMembership, probeSignatures} from './lvm/signatures.js'


type LvmEnv = Record<string, string>

/**
 * A volume group for guest disks on the device the admin named. LVM's own metadata backup
 * (<backup_dir>/<vg>, written by vgcreate) is the proof that the group exists, read without spawning
 * anything; vgcreate is told to write it (--autobackup y) even where backups are turned off, so the
 * re-plan after vgcreate is empty. Before anything touches the device it must be unused and blank.
 *
 * systemDir is handed to every LVM command as LVM_SYSTEM_DIR, so the plan reads the directory the
 * commands write; the real-device test points it away from this machine's /etc/lvm.
 */
export function createLvmStep(systemDir = DEFAULT_LVM_SYSTEM_DIR): Step<InitContext> {
  const env: LvmEnv = lvmEnv(systemDir)
  return {
    id: 'lvm',
    title: 'Volume group for guest disks',
    async plan(context) {
      const {host, machine, facts, options} = context
      const {vgDevice, vgName} = options
      if (vgDevice === null) return {skip: 'no --vg-device given'}
      const device = machine.canonical(vgDevice)
      const backup = readVgBackup(host, systemDir, vgName)
      if (backup) {
        const places = backup.pvs.map((pv) => pvPath(machine, pv)).filter((place) => place !== null)
        if (places.includes(device)) return {changes: [], state: `${vgName} on ${vgDevice}`}
        throw new StepFailure(
          `volume group ${vgName} already exists on ${places.join(', ') || 'unnamed devices'} (${backup.file}), not on ${vgDevice}; choose another name with --vg-name, or give --vg-device ${places[0] ?? 'DEV'} to keep that group`,
        )
      }
      ensureUnused(machine, facts.block.devices, vgDevice, device)
      return {changes: await changesFor(context, vgDevice, env)}
    },
  }
}

export const lvmStep = createLvmStep()

/** The device is unused; what it carries decides between creating, reusing and refusing. */
async function changesFor({host, options, probe}: InitContext, device: string, env: LvmEnv): Promise<CommandChange[]> {
  const {vgName, forceWipe} = options
  const metadata = metadataFiles(host, env.LVM_SYSTEM_DIR, vgName)
  const create = [pvcreate(device, env), vgcreate(vgName, device, env, metadata)]
  const signatures = await probeSignatures(probe, device)
  if (signatures.length === 0) return create
  let found = describeSignatures(signatures)
  let hint = 'make sure nothing on it is needed, then re-run with --force-wipe to erase it, or give another --vg-device'
  if (signatures.every((signature) => signature.type === LVM_PV_SIGNATURE)) {
    const membership = await probePvMembership(probe, device, env)
    // A PV in no group holds no data (e.g. left by a run whose vgcreate failed): use it as it is.
    if ('vg' in membership && membership.vg === null) return [vgcreate(vgName, device, env, metadata)]
    // The group is there but its backup is not (backups off, or a disk from another machine): writing it is all that is left.
    if ('vg' in membership && membership.vg === vgName) {
      return [{kind: 'command', argv: ['vgcfgbackup', vgName], why: `record ${vgName}'s metadata backup, which xensetup reads to see the group`, env, ...metadata}]
    }
    if ('vg' in membership) {
      found = `a physical volume of volume group ${membership.vg}`
      hint = `pass --vg-name ${membership.vg} to use that group as it is, or re-run with --force-wipe to destroy it`
    } else {
      found = `an LVM physical volume label that LVM cannot read (${membership.unreadable})`
    }
  }
  if (!forceWipe) throw new StepRefusal(`--vg-device ${device} is not blank: it carries ${found}; ${hint}`)
  return [{kind: 'command', argv: ['wipefs', '--all', device], why: `erase ${found} (--force-wipe)`}, ...create]
}

function pvcreate(device: string, env: LvmEnv): CommandChange {
  return {kind: 'command', argv: ['pvcreate', device], why: `make ${device} an LVM physical volume`, env}
}

function vgcreate(vgName: string, device: string, env: LvmEnv, metadata: Pick<CommandChange, 'rewrites' | 'creates'>): CommandChange {
  return {kind: 'command', argv: ['vgcreate', '--autobackup', 'y', vgName, device], why: `create volume group ${vgName} for guest disks`, env, ...metadata}
}

/**
 * The files LVM writes for the group: its metadata backup, and (some LVM versions, before vgcreate)
 * archives under names of LVM's own. Declared so the journal records them and a rollback removes them.
 */
function metadataFiles(host: Host, systemDir: string, vgName: string): Pick<CommandChange, 'rewrites' | 'creates'> {
  return {rewrites: [`${backupDirectory(host, systemDir)}/${vgName}`], creates: [archiveDirectory(host, systemDir)]}
}
