/**
 * `xensetup __network-revert [--root DIR]`: the reverter of a live switch on trial (trial.ts), started
 * detached by the activation. It waits for the deadline or a decision; unless the switch was confirmed,
 * it puts the uplink's addresses, routes and configuration files back, and writes what it did.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {RunLock} from '../../engine/lock.js'
import {Host} from '../../host/host.js'
import {ExecaRunner} from '../../host/runner.js'
import {OUTCOME, decide, readDecision, readTrial, revertTrial} from './trial.js'

const POLL_MS = 250
/** How long the file restore waits for a run that holds the lock; the network itself is put back at once. */
const LOCK_WAIT_MS = 60_000

export async function networkRevertCommand(args: string[]): Promise<void> {
  const host = new Host(args[0] === '--root' && args[1] ? args[1] : '/')
  const trial = readTrial(host)
  if (!trial) return
  while (readDecision(host) === undefined && Date.now() < trial.deadline) await sleep(POLL_MS)
  if (decide(host, 'revert') === 'confirmed') return
  const lock = new RunLock(host, new Host('/'))
  const waitUntil = Date.now() + LOCK_WAIT_MS
  let locked = 'acquired' in lock.acquire('network-revert')
  const outcome = await revertTrial(host, new ExecaRunner(), trial, async () => {
    while (!locked && Date.now() < waitUntil) {
      await sleep(POLL_MS)
      locked = 'acquired' in lock.acquire('network-revert')
    }
    return locked
  })
  if (locked) lock.release()
  host.write(OUTCOME, `${JSON.stringify(outcome)}\n`, 'utf8', {mode: 0o600, uid: 0, gid: 0})
}
