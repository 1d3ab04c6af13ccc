import {displayArgv} from '../host/runner.js'
import {safeText} from '../render/safe-text.js'
import {runEffects} from './effects.js'
import type {JournalRun} from './runs.js'

/** One run for `xensetup history`: who, when, how it ended, what it changed, whether it was undone. */
export interface HistoryEntry {
  id: string
  startedAt: string
  command: string | null
  args: string[]
  version: string | null
  result: string | null
  durationMs: number | null
  rollsBack: string | null
  /** The rollback run that undid it (ended ok). */
  rolledBackBy: string | null
  written: string[]
  removed: string[]
  links: string[]
  commands: string[][]
  packages: string[]
}

export function historyOf(runs: JournalRun[]): HistoryEntry[] {
  return runs.map((run) => {
    const effects = runEffects(run)
    const removed = new Set(run.entries.flatMap((entry) => (entry.kind === 'file' && entry.removed ? [entry.path] : [])))
    return {
      id: run.id,
      startedAt: run.startedAt,
      command: run.command,
      args: run.args,
      version: run.version,
      result: run.result,
      durationMs: run.durationMs,
      rollsBack: run.rollsBack ?? null,
      rolledBackBy: runs.find((other) => other.rollsBack === run.id && other.result === 'ok')?.id ?? null,
      written: effects.files.filter((file) => file.left !== null && !removed.has(file.path)).map((file) => file.path),
      removed: [...removed],
      links: effects.links.map((link) => link.path),
      commands: effects.commands.map((command) => command.argv),
      packages: effects.packages,
    }
  })
}

/** Oldest first, one block per run. */
export function historyText(entries: HistoryEntry[]): string {
  if (entries.length === 0) return 'No runs journaled on this target.\n'
  return entries
    .map((entry) => {
      const head = `${entry.id}  ${entry.startedAt}  ${displayArgv([`xensetup ${entry.command ?? '?'}`, ...entry.args])}  ${entry.result ?? 'no end (killed, or still running)'}${entry.durationMs === null ? '' : ` in ${(entry.durationMs / 1000).toFixed(1)}s`}`
      const lines = [
        entry.rollsBack && `  rolls back ${entry.rollsBack}`,
        entry.rolledBackBy && `  rolled back by ${entry.rolledBackBy}`,
        entry.written.length > 0 && `  wrote: ${entry.written.join(', ')}`,
        entry.removed.length > 0 && `  removed: ${entry.removed.join(', ')}`,
        entry.links.length > 0 && `  links: ${entry.links.join(', ')}`,
        ...entry.commands.map((argv) => `  ran: ${displayArgv(argv)}`),
        entry.packages.length > 0 && `  installed: ${entry.packages.join(', ')}`,
      ].filter((line): line is string => typeof line === 'string' && line !== '')
      return safeText([head, ...lines].join('\n'))
    })
    .join('\n\n')
    .concat('\n')
}
