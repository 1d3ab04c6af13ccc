import type {FileChange} from '../engine/change.js'
import {MalformedBlockError, withoutManagedBlock} from '../engine/managed-block.js'
import {StepFailure} from '../engine/step.js'
import type {UninstallContext} from './uninstall-context.js'
import {restoration} from './uninstall-restore.js'

/** What xensetup owns in a file, taken out of its current text; null removes the file. */
export type OwnedEdit = (text: string) => string | null

/**
 * One file back as it was before xensetup: its original from the journal where that is possible, else
 * xensetup's parts edited out of what it holds now (and the reason the original could not come back kept
 * for the plan and the result).
 */
export function undoFile(context: UninstallContext, path: string, edit: OwnedEdit, why: string): FileChange[] {
  const restored = restoration(context, path)
  if (restored && 'changes' in restored) {
    context.unrestored.delete(path)
    return restored.changes
  }
  const current = context.host.readFile(path)
  if (restored) context.unrestored.set(path, restored.unrestorable)
  if (current === undefined) return []
  const after = edit(current.text)
  return after === current.text ? [] : [{kind: 'file', path, before: current.text, after, encoding: current.encoding, why}]
}

/** Edits out xensetup's managed block; a file it leaves empty that xensetup created goes. */
export function withoutBlock(path: string, owner: string): OwnedEdit {
  return (text) => {
    try {
      return withoutManagedBlock(text, owner)
    } catch (error) {
      if (!(error instanceof MalformedBlockError)) throw error
      throw new StepFailure(`${path}: ${error.message}; restore the pair of markers (or remove both) and re-run`)
    }
  }
}

/** A file xensetup wrote whole, known by the header its templates start with. */
export function writtenByXensetup(text: string): boolean {
  return /^(#!.*\n)?# Written by xensetup/.test(text)
}

/** Removes a file xensetup wrote whole (its header says so); another file of that name is left alone. */
export const ifOurs: OwnedEdit = (text) => (writtenByXensetup(text) ? null : text)

/** Removes the file whatever it holds: its name is xensetup's own. */
export const byName: OwnedEdit = () => null

/** The state line of a step: what it keeps and what it could not restore. */
export function stateOf(context: UninstallContext, paths: string[], kept: string[] = []): string {
  const notes = paths.flatMap((path) => {
    const note = context.unrestored.get(path)
    return note ? [note] : []
  })
  const parts = [...kept, ...(notes.length > 0 ? [`not restored: ${notes.join('; ')}`] : [])]
  return parts.length > 0 ? parts.join('; ') : NOTHING_LEFT
}

/** The state of a step once xensetup's configuration is gone from what it looks after. */
const NOTHING_LEFT = 'nothing of xensetup\'s left'
