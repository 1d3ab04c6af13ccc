import {EXIT, UserError} from '../errors.js'
import {changedSomething, type RunEffects, runEffects, touchedPaths} from '../journal/effects.js'
import type {JournalRun} from '../journal/runs.js'

export interface RollbackTarget {
  run: JournalRun
  effects: RunEffects
}

/** The rollback that undid a run (it ended ok), if any. */
export function undoneBy(runs: JournalRun[], id: string): JournalRun | undefined {
  return runs.find((run) => run.rollsBack === id && run.result === 'ok')
}

/** A run that changed the target, is not itself a rollback, and was not rolled back: still in effect. */
function inEffect(runs: JournalRun[], run: JournalRun): boolean {
  return run.rollsBack === undefined && changedSomething(runEffects(run)) && undoneBy(runs, run.id) === undefined
}

/**
 * The run to undo: the one asked for, or the last one still in effect. Undoing an older run under a
 * later one that touched the same files would throw the later one's changes away: those come first.
 * Undefined when there is nothing to roll back.
 */
export function chooseRun(runs: JournalRun[], requested: string | undefined): RollbackTarget | undefined {
  if (requested === undefined) {
    const run = runs.findLast((candidate) => inEffect(runs, candidate))
    return run && {run, effects: runEffects(run)}
  }
  const index = runs.findIndex((candidate) => candidate.id === requested)
  const run = runs[index]
  if (run === undefined) throw new UserError(`no run ${requested} in the journal`, 'see `xensetup history` for the runs', EXIT.usage)
  if (run.rollsBack !== undefined) throw new UserError(`run ${requested} is a rollback itself`, `run it again to redo what it undid: ${run.rollsBack}'s command`, EXIT.usage)
  const undone = undoneBy(runs, run.id)
  if (undone) throw new UserError(`run ${requested} was already rolled back by ${undone.id}`, 'see `xensetup history`', EXIT.usage)
  const effects = runEffects(run)
  if (!changedSomething(effects)) throw new UserError(`run ${requested} changed nothing`, 'see `xensetup history` for the runs that did', EXIT.usage)
  const mine = new Set(touchedPaths(effects))
  const later = runs.slice(index + 1).filter((other) => inEffect(runs, other) && touchedPaths(runEffects(other)).some((path) => mine.has(path)))
  if (later.length > 0) {
    throw new UserError(
      `later runs changed the files ${requested} changed: ${later.map((other) => other.id).join(', ')}`,
      `roll those back first, newest first (xensetup rollback ${later.at(-1)?.id})`,
      EXIT.refused,
    )
  }
  return {run, effects}
}
