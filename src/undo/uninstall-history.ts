import {runEffects} from '../journal/effects.js'
import type {JournalRun} from '../journal/runs.js'
import {enabledBy} from './disable-services.js'

/** Commands whose runs configure the host: what uninstall undoes. Guests (guest create) are the admin's, and kept. */
const CONFIGURING = new Set(['init', 'apply'])

/** What xensetup's configuring runs did to the target, as far as the journal still tells. */
export interface InitHistory {
  /** Path → where its original was saved before xensetup's first change (null: the file did not exist). */
  originals: Map<string, string | null>
  /** Path → sha256 of what xensetup last left in it (null: it removed the file); unknown for older journals' commands. */
  lastLeft: Map<string, string | null>
  /** Path → the init step that last wrote it. */
  writtenBy: Map<string, string>
  /** Services a run enabled. */
  enabledServices: string[]
  /** Packages the runs installed, by the package database before and after; null when the journal does not say. */
  installedPackages: string[] | null
  /** Volume groups a run created. */
  volumeGroups: string[]
  /** Devices a run made LVM physical volumes, and the directories LVM made for their metadata. */
  pvDevices: string[]
  lvmDirectories: string[]
}

/**
 * Files and services: the configuring runs since the last uninstall that finished (what came before it
 * was undone then); the first backup of a path is its original, the last write what xensetup left. What
 * an uninstall keeps (the volume group, the packages without --purge-packages) stays xensetup's to remove
 * later: those come from every configuring run, less the packages an uninstall already purged. Runs a
 * rollback undid are left out.
 */
export function initHistory(runs: JournalRun[]): InitHistory {
  const rolledBack = new Set(runs.filter((run) => run.rollsBack !== undefined && run.result === 'ok').map((run) => run.rollsBack))
  const configuring = (run: JournalRun) => run.command !== null && CONFIGURING.has(run.command) && !rolledBack.has(run.id)
  const lastUninstall = runs.findLastIndex((run) => run.command === 'uninstall' && run.result === 'ok')
  const history: InitHistory = {originals: new Map(), lastLeft: new Map(), writtenBy: new Map(), enabledServices: [], installedPackages: null, volumeGroups: [], pvDevices: [], lvmDirectories: []}
  for (const effects of runs.slice(lastUninstall + 1).filter(configuring).map(runEffects)) {
    for (const file of effects.files) {
      if (!history.originals.has(file.path)) history.originals.set(file.path, file.backup)
      if (file.left !== undefined) history.lastLeft.set(file.path, file.left)
      history.writtenBy.set(file.path, file.step)
    }
    history.enabledServices.push(...effects.commands.filter((command) => command.exitCode === 0).flatMap((command) => enabledBy(command.argv)))
  }
  for (const run of runs) {
    const effects = runEffects(run)
    if (configuring(run)) {
      if (run.entries.some((entry) => entry.kind === 'packages')) history.installedPackages = [...new Set([...(history.installedPackages ?? []), ...effects.packages])]
      history.volumeGroups.push(...effects.volumeGroups)
      history.pvDevices.push(...effects.physicalVolumes)
      history.lvmDirectories.push(...effects.directories)
    } else if (run.command === 'uninstall' && history.installedPackages !== null) {
      // An uninstall's purge took these out: a later install puts them back into the list.
      const purged = effects.commands.filter((command) => command.step === 'packages' && command.exitCode === 0).flatMap((command) => command.argv)
      history.installedPackages = history.installedPackages.filter((name) => !purged.includes(name))
    }
  }
  return history
}
