import {HostFiles} from '../facts/files.js'
import {LOCK, lockHolderAlive, parseLockRecord, processStartTicks} from '../facts/run-state.js'
import type {LockRecord} from '../facts/types.js'
import type {Host} from '../host/host.js'

export {LOCK}

export type LockOutcome = {held: LockRecord} | {acquired: true; stale: LockRecord | null}

const UNREADABLE: LockRecord = {pid: 0, startTicks: null, startedAt: 'unknown', command: 'unknown', made: []}

/**
 * One run per target: a lock file in the target's own state directory, so every path to the same tree
 * finds it. A lock whose process is gone (killed, machine rebooted) is stale: it is taken over, and what
 * that run had made is handed back for cleaning.
 */
export class RunLock {
  private record: LockRecord | undefined
  private readonly localFiles: HostFiles

  constructor(
    private readonly target: Host,
    /** The machine whose processes hold locks: the one running xensetup. */
    local: Host,
  ) {
    this.localFiles = new HostFiles(local)
  }

  acquire(command: string): LockOutcome {
    const mine: LockRecord = {
      pid: process.pid,
      startTicks: processStartTicks(this.localFiles.read(`/proc/${process.pid}/stat`)),
      startedAt: new Date().toISOString(),
      command,
      made: [],
    }
    const text = `${JSON.stringify(mine)}\n`
    if (this.target.createExclusive(LOCK, text, 0o600)) {
      this.record = mine
      return {acquired: true, stale: null}
    }
    const holder = parseLockRecord(this.target.read(LOCK) ?? '')
    if (holder && lockHolderAlive(this.localFiles, holder)) return {held: holder}
    // A dead holder, or a lock that is not one: take it over. Of two runs doing so at once, one loses the
    // exclusive create below and reports the winner.
    this.target.remove(LOCK)
    if (!this.target.createExclusive(LOCK, text, 0o600)) return {held: parseLockRecord(this.target.read(LOCK) ?? '') ?? UNREADABLE}
    this.record = mine
    return {acquired: true, stale: holder ?? UNREADABLE}
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
