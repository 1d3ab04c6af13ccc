/**
 * `xensetup __network-revert [--root DIR]`: the reverter of a live switch on trial (trial.ts), started
 * detached by the activation. It waits for the deadline or a decision; unless the switch was confirmed,
 * it puts the uplink's addresses, routes and configuration files back, and writes what it did. Nothing
 * it fails to record (a decision, the lock, the journal) keeps it from putting the network back.
 */
import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'
import {RunLock} from '../../engine/lock.js'
import {Host} from '../../host/host.js'
import {ExecaRunner} from '../../host/runner.js'
import {attempt, decide, markReady, readDecision, readTrial, revertTrial, writeOutcome} from './trial.js'

const POLL_MS = 250
/** How long the file restore waits for a run that holds the lock; the network itself is put back at once. */
const LOCK_WAIT_MS = 60_000

export async function networkRevertCommand(args: string[]): Promise<void> {
  const host = new Host(args[0] === '--root' && args[1] ? args[1] : '/')
  const trial = readTrial(host)
  if (!trial) return
  markReady(host)
  // The wait runs on the monotonic clock: a wall clock stepped by NTP must not move the revert.
  const until = performance.now() + (trial.deadline - Date.now())
  while (performance.now() < until && undecided(host)) await sleep(POLL_MS)
  if (attempt(() => decide(host, 'revert').decision) === 'confirmed') return
  const lock = new RunLock(host, new Host('/'))
  const take = () => attempt(() => 'acquired' in lock.acquire('network-revert')) === true
  let locked = false
  const outcome = await revertTrial(host, new ExecaRunner(), trial, async () => {
    const waitUntil = performance.now() + LOCK_WAIT_MS
    for (locked = take(); !locked && performance.now() < waitUntil; locked = take()) await sleep(POLL_MS)
    return locked
  })
  if (locked) attempt(() => lock.release())
  attempt(() => writeOutcome(host, outcome))
}

function undecided(host: Host): boolean {
  return attempt(() => readDecision(host)) === undefined
}
