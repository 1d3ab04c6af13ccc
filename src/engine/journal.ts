import {createHash} from 'node:crypto'
import path from 'node:path'
import {STATE_DIR} from '../facts/run-state.js'
import type {Host} from '../host/host.js'

export const JOURNAL = `${STATE_DIR}/journal.jsonl`

export interface RunStart {
  command: string
  args: string[]
  version: string
  root: string
  pid: number
  /** The run a rollback undoes. */
  rollsBack?: string
}

export type JournalEntry =
  | ({kind: 'run-start'} & RunStart)
  | {kind: 'run-end'; result: string; durationMs: number; stoppedAt?: string}
  | {kind: 'intent'; step: string; change: string}
  | {step: string; kind: 'file'; path: string; backup: string | null; created: boolean; removed?: true; sha256: string | null}
  | {step: string; kind: 'link'; path: string; before: string | null; target: string | null}
  | {
      step: string
      kind: 'command'
      argv: string[]
      exitCode: number
      durationMs: number
      backups: Record<string, string | null>
      /** sha256 of each file the command declared it rewrites, as the command left it (null: no file). */
      left?: Record<string, string | null>
      /** Files that appeared in the directories the command declared it creates files in (LVM's archive). */
      createdFiles?: string[]
      /** Directories of those files (and the declared ones) that the command made. */
      createdDirs?: string[]
    }
  /** Packages a command newly installed, by the target's package database before and after it (dpkg only). */
  | {step: string; kind: 'packages'; installed: string[]}
  | {kind: 'cleanup'; removed: string[]; staleRun: {pid: number; startedAt: string}}
  /** A live switch to the bridge confirmed in time, on init's terminal or by confirm-network (its revert is a run of its own, network-revert). */
  | {kind: 'network-confirmed'; bridge: string; uplink: string; via: 'terminal' | 'command'}

/**
 * Every run's start and end, an intent line before each change and its outcome after, with the
 * original of every file it touched (written by xensetup or by a command it ran) saved under
 * backups/<run>/ before the first change: enough for a rollback to undo the run. All of it lives in the
 * target, through its confined Host.
 */
export class Journal {
  private readonly backedUp = new Map<string, string | null>()
  private startWritten = false

  constructor(
    private readonly host: Host,
    readonly runId: string = newRunId(),
    /** Written before the run's first entry: a run that changes nothing leaves the journal as it was. */
    private readonly start?: RunStart,
  ) {}

  /** True once the run has journaled anything (and so its start). */
  get started(): boolean {
    return this.startWritten
  }

  /** Copies the file's original once per run, keeping owner and mode; the backup's path, null if there was none. */
  backup(target: string): string | null {
    if (this.backedUp.has(target)) return this.backedUp.get(target) ?? null
    this.writeStart()
    const original = this.host.readFile(target)
    const backup = original === undefined ? null : path.posix.join(STATE_DIR, 'backups', this.runId, target)
    if (original !== undefined && backup !== null) {
      this.host.mkdirs(path.posix.join(STATE_DIR, 'backups'), 0o700)
      const ownership = this.host.owner(target) ?? {mode: 0o600, uid: 0, gid: 0}
      this.host.write(backup, original.text, original.encoding, ownership)
    }
    this.backedUp.set(target, backup)
    return backup
  }

  record(entry: JournalEntry): void {
    this.writeStart()
    this.append(entry)
  }

  /** The run's start line, once, before whatever the run journals or backs up first. */
  private writeStart(): void {
    if (this.startWritten) return
    this.startWritten = true
    if (this.start) this.append({kind: 'run-start', ...this.start})
  }

  private append(entry: JournalEntry): void {
    this.host.append(JOURNAL, `${JSON.stringify({run: this.runId, at: new Date().toISOString(), ...entry})}\n`, 0o600)
  }
}

export function sha256(text: string, encoding: 'utf8' | 'latin1'): string {
  return createHash('sha256').update(Buffer.from(text, encoding)).digest('hex')
}

/** sha256 of a target file as it is now, as the journal records it; null when there is none. */
export function fileHash(host: Host, target: string): string | null {
  const file = host.readFile(target)
  return file === undefined ? null : sha256(file.text, file.encoding)
}

/**
 * When the run started and the process: sortable, readable, and its own backup directory name. Runs
 * after the first in one process (a library caller, the tests) get a sequence number besides.
 */
let runsInThisProcess = 0

function newRunId(): string {
  runsInThisProcess += 1
  const stamp = new Date().toISOString().replaceAll(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${process.pid}${runsInThisProcess > 1 ? `.${runsInThisProcess}` : ''}`
}
