import {appendFileSync, copyFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import type {Host} from '../host/host.js'

export const STATE_DIR = '/var/lib/xensetup'
export const JOURNAL = `${STATE_DIR}/journal.jsonl`

export type JournalEntry =
  | {step: string; kind: 'file'; path: string; backup: string | null; created: boolean}
  | {step: string; kind: 'command'; argv: string[]; exitCode: number}

/**
 * Every change a run makes, one JSON line each, with the original of every file it touched saved
 * under backups/<run>/ before the first write: enough for a rollback to undo the run.
 */
export class Journal {
  private readonly backedUp = new Set<string>()

  constructor(
    private readonly host: Host,
    readonly runId: string = newRunId(),
  ) {}

  /** Copies the file's original once per run; returns the backup's target path, null if there was none. */
  backup(target: string): string | null {
    const backup = path.posix.join(STATE_DIR, 'backups', this.runId, target)
    if (this.backedUp.has(target)) return backup
    if (!this.host.exists(target)) return null
    mkdirSync(path.dirname(this.host.real(backup)), {recursive: true, mode: 0o700})
    copyFileSync(this.host.real(target), this.host.real(backup))
    this.backedUp.add(target)
    return backup
  }

  record(entry: JournalEntry): void {
    const real = this.host.real(JOURNAL)
    mkdirSync(path.dirname(real), {recursive: true, mode: 0o700})
    appendFileSync(real, `${JSON.stringify({run: this.runId, at: new Date().toISOString(), ...entry})}\n`, {mode: 0o600})
  }
}

function newRunId(): string {
  return `${new Date().toISOString().replaceAll(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`
}
