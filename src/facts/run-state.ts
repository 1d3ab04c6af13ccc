import {POLICY_RC_D, POLICY_RC_D_TEXT} from '../host/policy-rc-d.js'
import type {HostFiles} from './files.js'
import type {LockRecord, RunStateFacts} from './types.js'

export const STATE_DIR = '/var/lib/xensetup'
export const LOCK = `${STATE_DIR}/lock`

/** The lock file a xensetup run writes; undefined when it is not one. */
export function parseLockRecord(text: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(text)
    if (typeof parsed?.pid !== 'number') return undefined
    return {
      pid: parsed.pid,
      startTicks: typeof parsed.startTicks === 'number' ? parsed.startTicks : null,
      startedAt: String(parsed.startedAt ?? 'unknown'),
      command: String(parsed.command ?? 'unknown'),
      made: Array.isArray(parsed.made) ? parsed.made.filter((item: unknown) => typeof item === 'string') : [],
    }
  } catch {
    return undefined
  }
}

/** A process's start time in clock ticks since boot: /proc/<pid>/stat field 22, after the "(comm)". */
export function processStartTicks(stat: string | undefined): number | null {
  if (stat === undefined) return null
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[19])
  return Number.isFinite(ticks) ? ticks : null
}

/** True while the lock's pid still runs the process that took it (pids are reused). */
export function lockHolderAlive(local: HostFiles, lock: LockRecord): boolean {
  const ticks = processStartTicks(local.read(`/proc/${lock.pid}/stat`))
  return ticks !== null && (lock.startTicks === null || lock.startTicks === ticks)
}

/** Of what a run made for its length, what is still there (policy-rc.d only when it is xensetup's). */
export function leftoversOf(files: HostFiles, lock: LockRecord): string[] {
  return lock.made.filter((path) => path === POLICY_RC_D && files.read(path) === POLICY_RC_D_TEXT)
}

/**
 * A xensetup run in progress on the target, or one that was killed and left its lock (and perhaps
 * policy-rc.d, which keeps package scripts from starting daemons) behind. `local` is the machine whose
 * processes take locks: the one reading the facts.
 */
export function collectRunState(files: HostFiles, local: HostFiles): RunStateFacts {
  const text = files.read(LOCK)
  const lock = text === undefined ? undefined : parseLockRecord(text)
  if (!lock) return {lock: null, holderAlive: null, leftovers: []}
  const holderAlive = lockHolderAlive(local, lock)
  return {lock, holderAlive, leftovers: holderAlive ? [] : leftoversOf(files, lock)}
}
