import type {FileChange} from '../engine/change.js'
import {sha256} from '../engine/journal.js'
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
  const original = originalOf(context, path)
  if ('unrestorable' in original) return original
  const current = host.readFile(path)
  if ((current?.text ?? null) === original.text) return {changes: []}
  const left = history.lastLeft.get(path)
  // Gone since (a purged package took its conffile): nothing of xensetup's is left in it to undo.
  if (current === undefined && left !== null) return {changes: []}
  const unchanged = left !== undefined && (current === undefined ? null : sha256(current.text, current.encoding)) === left
  if (!unchanged && !options.force) {
    const backup = history.originals.get(path)
    return {unrestorable: `${path} changed since xensetup wrote it, so ${backup === null ? 'it is not removed' : `its original (${backup}) is not put back`}; --force does that, losing the later changes`}
  }
  return {changes: [change(context, path, original)]}
}

/**
 * Files commands generate (grub.cfg, grubenv): one that did not exist before xensetup's first run goes
 * again whoever regenerated it since (a package's update-grub); one that did comes back from its backup
 * while unchanged, else it is generated again by the caller.
 */
export function generatedRestoration(context: UninstallContext, path: string): Restoration | undefined {
  const {host, history} = context
  if (history.originals.get(path) !== null) return restoration(context, path)
  const current = host.readFile(path)
  return {changes: current === undefined ? [] : [change(context, path, {text: null})]}
}

interface Original {
  text: string | null
  encoding?: 'utf8' | 'latin1'
  mode?: number
}

function originalOf({host, history}: UninstallContext, path: string): Original | {unrestorable: string} {
  const backup = history.originals.get(path) ?? null
  if (backup === null) return {text: null}
  const saved = host.readFile(backup)
  if (saved === undefined) return {unrestorable: `the backup of ${path} (${backup}) is gone, so its original cannot be put back`}
  return {text: saved.text, encoding: saved.encoding, mode: host.owner(backup)?.mode}
}

function change({host, history}: UninstallContext, path: string, original: Original): FileChange {
  const current = host.readFile(path)
  const backup = history.originals.get(path)
  return {
    kind: 'file',
    path,
    before: current?.text ?? null,
    after: original.text,
    encoding: original.text === null ? current?.encoding : original.encoding,
    ...(original.mode === undefined ? {} : {mode: original.mode}),
    why: backup ? `put back the original saved before xensetup changed it (${backup})` : 'xensetup created it',
  }
}
