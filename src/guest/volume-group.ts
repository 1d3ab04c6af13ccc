import {UserError} from '../errors.js'
import {StepFailure} from '../engine/step.js'
import {parseLvmText} from '../formats/lvm-text.js'
import {type VgLayout, vgLayout} from '../formats/lvm-vg.js'
import type {Host} from '../host/host.js'
import {backupDirectory} from '../steps/lvm/backup.js'

/**
 * The group as its metadata backup says, read without spawning LVM: every lvcreate/lvremove xensetup
 * runs writes it (--autobackup y), so a re-plan sees what the run did. Undefined when there is no group.
 */
export function readVgLayout(host: Host, systemDir: string, vgName: string): VgLayout | null {
  const file = `${backupDirectory(host, systemDir)}/${vgName}`
  const text = host.read(file)
  if (text === undefined) return null
  try {
    return vgLayout(parseLvmText(text), vgName) ?? null
  } catch (error) {
    throw new StepFailure(`${host.display(file)} is not LVM metadata LVM can read (${(error as Error).message}); move it away and run vgcfgbackup ${vgName}`)
  }
}

/** The same, for checking flags before any plan: a problem is one line for the admin. */
export function readVgForFlags(host: Host, systemDir: string, vgName: string): VgLayout | null {
  try {
    return readVgLayout(host, systemDir, vgName)
  } catch (error) {
    if (error instanceof StepFailure) throw new UserError(error.message, `check volume group ${vgName} with vgs`)
    throw error
  }
}
