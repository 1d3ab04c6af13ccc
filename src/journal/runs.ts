import {EXIT, UserError} from '../errors.js'
import {JOURNAL, type JournalEntry} from '../engine/journal.js'
import type {Host} from '../host/host.js'

/** One journal line: an entry with the run it belongs to and when it was written. */
export type JournalRecord = JournalEntry & {run: string; at: string}

/** One run as the journal tells it, its entries in the order they were written. */
export interface JournalRun {
  id: string
  /** null for a run whose start line is missing (a journal older than run-start lines). */
  command: string | null
  args: string[]
  version: string | null
  startedAt: string
  /** null while the run is going on, or when it was killed before its end line. */
  endedAt: string | null
  result: string | null
  durationMs: number | null
  rollsBack?: string
  entries: JournalRecord[]
}

/**
 * The target's journal as runs, oldest first. A line a killed run left half written is left out (the
 * next run's first line is appended right after it); any other damage means the journal cannot be
 * trusted to undo anything.
 */
export function readRuns(host: Host): JournalRun[] {
  const text = host.read(JOURNAL)
  if (text === undefined) return []
  const lines = text.split('\n')
  const runs = new Map<string, JournalRun>()
  lines.forEach((line, index) => {
    if (line.trim() === '') return
    const record = parseLine(line) ?? afterTornWrite(line)
    if (record === undefined) {
      if (index === lines.length - 1) return
      throw new UserError(`${host.display(JOURNAL)} line ${index + 1} is not a journal entry`, 'the journal was edited or damaged; move it away to start a new history (its backups stay in place)', EXIT.failure)
    }
    let run = runs.get(record.run)
    if (run === undefined) {
      run = {id: record.run, command: null, args: [], version: null, startedAt: record.at, endedAt: null, result: null, durationMs: null, entries: []}
      runs.set(record.run, run)
    }
    if (record.kind === 'run-start') {
      run.command = record.command
      run.args = record.args
      run.version = record.version
      run.startedAt = record.at
      if (record.rollsBack !== undefined) run.rollsBack = record.rollsBack
    } else if (record.kind === 'run-end') {
      run.endedAt = record.at
      run.result = record.result
      run.durationMs = record.durationMs
    }
    run.entries.push(record)
  })
  return [...runs.values()]
}

/** A torn write with the next run's line appended to it: that line is whole from its last start. */
function afterTornWrite(line: string): JournalRecord | undefined {
  const start = line.lastIndexOf('{"run":')
  return start > 0 ? parseLine(line.slice(start)) : undefined
}

function parseLine(line: string): JournalRecord | undefined {
  try {
    const value: unknown = JSON.parse(line)
    if (typeof value !== 'object' || value === null) return undefined
    const {run, at, kind} = value as Record<string, unknown>
    return typeof run === 'string' && typeof at === 'string' && typeof kind === 'string' ? (value as JournalRecord) : undefined
  } catch {
    return undefined
  }
}
