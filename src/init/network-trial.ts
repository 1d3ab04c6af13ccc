import {setTimeout as sleep} from 'node:timers/promises'
import type {Host} from '../host/host.js'
import {type NetworkTrial, confirmTrial, decide, readDecision, readOutcome, readTrial} from '../steps/bridge/trial.js'
import type {Prompter} from './prompter.js'

/** How long init waits for the reverter's account once the switch is to be put back. */
const OUTCOME_WAIT_MS = 90_000
/** The prompt ends this way when its time is up (AbortSignal) or the admin presses Ctrl-C: both are a "no". */
const NO_ANSWER = new Set(['AbortPromptError', 'ExitPromptError'])

/**
 * After a live switch (the run and its lock are over): on a terminal the admin answers whether the
 * network still works, within the switch's time, and a "no" or no answer puts it back at once; without
 * one, the note says how to confirm. A decision made meanwhile (`confirm-network` from another session,
 * or the deadline) stands. What happened, as a note for the run's document.
 */
export async function settleNetworkTrial(host: Host, prompter: Prompter): Promise<string | undefined> {
  const trial = readTrial(host)
  if (!trial) return undefined
  const until = new Date(trial.deadline).toTimeString().slice(0, 8)
  let decision = readDecision(host)
  if (decision === undefined && !prompter.interactive) {
    return `${trial.bridge} carries ${trial.uplink.name}'s network on trial: it is put back at ${until} unless you run \`xensetup confirm-network\` (from a new SSH session: that it connects proves the new network)`
  }
  if (decision === undefined) {
    let keep = false
    try {
      keep = await prompter.confirm(`${trial.bridge} now carries ${trial.uplink.name}'s network. Does it still reach this machine, and do you keep it? (put back at ${until} without an answer)`, false, AbortSignal.timeout(Math.max(0, trial.deadline - Date.now())))
    } catch (error) {
      if (!NO_ANSWER.has((error as Error).name)) throw error
    }
    decision = keep ? confirmTrial(host, 'terminal') : decide(host, 'revert').decision
  }
  if (decision === 'confirmed') return `kept: ${trial.bridge} carries ${trial.uplink.name}'s network`
  return revertReport(host, trial)
}

/** The reverter's account, once it has written one. */
async function revertReport(host: Host, trial: NetworkTrial): Promise<string> {
  const waitUntil = Date.now() + OUTCOME_WAIT_MS
  while (readOutcome(host) === undefined && Date.now() < waitUntil) await sleep(250)
  const outcome = readOutcome(host)
  if (!outcome) return `the switch to ${trial.bridge} is being put back (pid ${trial.reverterPid ?? '?'}); \`ip addr show ${trial.uplink.name}\` shows when`
  return outcome.problems.length === 0
    ? `put back: ${trial.uplink.name} has its addresses and routes, and the network configuration is as before`
    : `put back, with problems: ${outcome.problems.join('; ')}`
}
