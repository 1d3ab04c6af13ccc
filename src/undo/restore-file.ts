import type {FileChange, LinkChange} from '../engine/change.js'
import {StepFailure} from '../engine/step.js'
import type {Host} from '../host/host.js'

/**
 * The change that puts a file back as its backup holds it, byte for byte (the backup keeps the
 * original's mode, used when the file must be made again); `backup` null means there was no file, so it
 * is removed. None when the file already is so.
 */
export function restoreFile(host: Host, path: string, backup: string | null, why: string): FileChange[] {
  const original = backup === null ? undefined : host.readFile(backup)
  if (backup !== null && original === undefined) {
    throw new StepFailure(`the backup ${host.display(backup)} of ${host.display(path)} is gone, so it cannot be restored; put it back, or restore the file by hand`)
  }
  const current = host.readFile(path)
  const wanted = original?.text ?? null
  if ((current?.text ?? null) === wanted && current?.encoding === original?.encoding) return []
  const mode = backup === null ? undefined : host.owner(backup)?.mode
  return [{kind: 'file', path, before: current?.text ?? null, after: wanted, encoding: original?.encoding ?? current?.encoding, ...(mode === undefined ? {} : {mode}), why}]
}

/** The change that points a link back where it pointed (null: no link). */
export function restoreLink(host: Host, path: string, before: string | null, why: string): LinkChange[] {
  const current = host.readlink(path) ?? null
  return current === before ? [] : [{kind: 'link', path, before: current, target: before, why}]
}
