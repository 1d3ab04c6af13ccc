import type {Host} from '../host/host.js'
import {STATE_DIR} from './journal.js'

export const LOCK = `${STATE_DIR}/lock`

/** Who holds a target: enough to tell a live run from a dead one whose pid was reused. */
export interface LockRecord {
  pid: number
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: number | null
  startedAt: string
  command: string
  /** Things made in the target for the run's length (policy-rc.d), recorded before they are made. */
  made: string[]
}

export type LockOutcome = {held: LockRecord} | {acquired: true; stale: LockRecord | null}

/**
 * One run per target: a lock file in the target's own state directory, so every path to the same tree
 * finds it. A lock whose process is gone (killed, machine rebooted) is stale: it is taken over, and what
 * that run had made is handed back for cleaning.
 */
export class RunLock {
  private record: LockRecord | undefined

  constructor(
    private readonly target: Host,
    /** The machine whose processes hold locks: the one running xensetup. */
    private readonly local: Host,
  ) {}

  acquire(command: string): LockOutcome {
    const mine: LockRecord = {pid: process.pid, startTicks: startTicks(this.local, process.pid), startedAt: new Date().toISOString(), command, made: []}
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.target.createExclusive(LOCK, `${JSON.stringify(mine)}\n`, 0o600)) {
        this.record = mine
        return {acquired: true, stale: null}
      }
      const holder = readLock(this.target)
      if (holder && isAlive(this.local, holder)) return {held: holder}
      // Dead holder (or an unreadable lock): take it over, then try to create ours again.
      this.target.remove(LOCK)
      if (this.target.createExclusive(LOCK, `${JSON.stringify(mine)}\n`, 0o600)) {
        this.record = mine
        return {acquired: true, stale: holder ?? {pid: 0, startTicks: null, startedAt: 'unknown', command: 'unknown', made: []}}
      }
    }
    const holder = readLock(this.target)
    return {held: holder ?? {pid: 0, startTicks: null, startedAt: 'unknown', command: 'unknown', made: []}}
  }

  /** Records, before it is made, something the run puts in the target and removes at its end. */
  noteMade(target: string): void {
    if (!this.record) return
    this.record.made.push(target)
    this.target.write(LOCK, `${JSON.stringify(this.record)}\n`, 'utf8', {mode: 0o600, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0})
  }

  release(): void {
    if (this.record) this.target.remove(LOCK)
    this.record = undefined
  }
}

export function readLock(target: Host): LockRecord | undefined {
  try {
    const parsed = JSON.parse(target.read(LOCK) ?? '')
    return typeof parsed?.pid === 'number' ? {made: [], ...parsed} : undefined
  } catch {
    return undefined
  }
}

/** A lock whose pid still runs the process that took it (pids are reused after a reboot). */
export function isAlive(local: Host, lock: LockRecord): boolean {
  const ticks = startTicks(local, lock.pid)
  if (ticks === null) return false
  return lock.startTicks === null || lock.startTicks === ticks
}

function startTicks(local: Host, pid: number): number | null {
  const stat = local.read(`/proc/${pid}/stat`)
  if (stat === undefined) return null
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[19])
  return Number.isFinite(ticks) ? ticks : null
}
