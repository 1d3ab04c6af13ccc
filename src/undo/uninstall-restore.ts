import type {FileChange} from '../engine/change.js'
import {fileHash} from '../engine/journal.js'
import {restoreFile} from './restore-file.js'
import type {UninstallContext} from './uninstall-context.js'

/**
 * What the journal can do for one file: `changes` put its original back (none when it is back already);
 * `unrestorable` says why it cannot, and the caller edits xensetup's parts out by markers and names
 * instead. Undefined when the journal never saw the file.
 */
export type Restoration = {changes: FileChange[]} | {unrestorable: string}

/**
 * The original comes back byte for byte (with its mode where xensetup removed the file) only while
 * the file still holds what xensetup last left in it: a later change by someone else is not thrown away
 * unless --force says so.
 */
export function restoration(context: UninstallContext, path: string): Restoration | undefined {
  const {host, history, options} = context
  if (!history.originals.has(path)) return undefined
  const backup = history.originals.get(path) ?? null
  const saved = backup === null ? undefined : host.readFile(backup)
  if (backup !== null && saved === undefined) return {unrestorable: `the backup of ${path} (${backup}) is gone, so its original cannot be put back`}
  const current = host.readFile(path)
  if ((current?.text ?? null) === (saved?.text ?? null)) return {changes: []}
  const left = history.lastLeft.get(path)
  // Gone since (a purged package took its conffile): nothing of xensetup's is left in it to undo.
  if (current === undefined && left !== null) return {changes: []}
  const unchanged = left !== undefined && fileHash(host, path) === left
  if (!unchanged && !options.force) {
    return {unrestorable: `${path} changed since xensetup wrote it, so ${backup === null ? 'it is not removed' : `its original (${backup}) is not put back`}; --force does that, losing the later changes`}
  }
  return {changes: restoreFile(host, path, backup, whyRestored(backup))}
}

/**
 * Files commands generate (grub.cfg, grubenv): one that did not exist before xensetup's first run goes
 * again whoever regenerated it since (a package's update-grub); one that did comes back from its backup
 * while unchanged, else it is generated again by the caller.
 */
export function generatedRestoration(context: UninstallContext, path: string): Restoration | undefined {
  const {host, history} = context
  if (history.originals.get(path) !== null) return restoration(context, path)
  return {changes: restoreFile(host, path, null, whyRestored(null))}
}

function whyRestored(backup: string | null): string {
  return backup ? `put back the original saved before xensetup changed it (${backup})` : 'xensetup created it'
}
