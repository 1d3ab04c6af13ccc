import type {JournalRecord, JournalRun} from '../journal/runs.js'
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
  const window = runs.slice(lastUninstall + 1).filter(configuring)
  const history: InitHistory = {originals: new Map(), lastLeft: new Map(), writtenBy: new Map(), enabledServices: [], installedPackages: null, volumeGroups: [], pvDevices: [], lvmDirectories: []}
  for (const entry of window.flatMap((run) => run.entries)) recordFiles(history, entry)
  for (const run of runs) {
    if (configuring(run)) run.entries.forEach((entry) => recordKept(history, entry))
    else if (run.command === 'uninstall') run.entries.forEach((entry) => forgetPurged(history, entry))
  }
  return history
}

function recordFiles(history: InitHistory, entry: JournalRecord): void {
  const original = (path: string, backup: string | null) => {
    if (!history.originals.has(path)) history.originals.set(path, backup)
  }
  if (entry.kind === 'file') {
    original(entry.path, entry.backup)
    history.lastLeft.set(entry.path, entry.sha256)
    history.writtenBy.set(entry.path, entry.step)
  } else if (entry.kind === 'command') {
    for (const [path, backup] of Object.entries(entry.backups)) original(path, backup)
    for (const [path, hash] of Object.entries(entry.left ?? {})) history.lastLeft.set(path, hash)
    if (entry.exitCode === 0) history.enabledServices.push(...enabledBy(entry.argv))
  }
}

function recordKept(history: InitHistory, entry: JournalRecord): void {
  if (entry.kind === 'packages') history.installedPackages = [...new Set([...(history.installedPackages ?? []), ...entry.installed])]
  if (entry.kind !== 'command' || entry.exitCode !== 0) return
  // vgcreate [options] NAME DEVICE and pvcreate DEVICE: init names one device.
  if (entry.argv[0] === 'vgcreate' && entry.argv.length >= 3) history.volumeGroups.push(entry.argv[entry.argv.length - 2])
  if (entry.argv[0] === 'pvcreate') history.pvDevices.push(entry.argv[entry.argv.length - 1])
  history.lvmDirectories.push(...(entry.createdDirs ?? []))
}

/** An uninstall's purge took these packages out: a later install puts them back into the list, not this one. */
function forgetPurged(history: InitHistory, entry: JournalRecord): void {
  if (entry.kind !== 'command' || entry.step !== 'packages' || entry.exitCode !== 0 || history.installedPackages === null) return
  history.installedPackages = history.installedPackages.filter((name) => !entry.argv.includes(name))
}
