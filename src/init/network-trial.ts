import type {Host} from '../host/host.js'
import {confirmTrial, decide, readDecision, readOutcome, readTrial} from '../steps/bridge/trial.js'
import type {Prompter} from './prompter.js'

/** How long init waits for the reverter's account once it is told to put the switch back now. */
const OUTCOME_WAIT_MS = 90_000

/**
 * After a live switch (the run and its lock are over): on a terminal the admin answers whether the
 * network still works, within the switch's time, and a "no" or no answer puts it back at once; without
 * one, the note says how to confirm. What happened, as a note for the run's document.
 */
export async function settleNetworkTrial(host: Host, prompter: Prompter): Promise<string | undefined> {
  const trial = readTrial(host)
  if (!trial || readDecision(host) !== undefined) return undefined
  const until = new Date(trial.deadline).toTimeString().slice(0, 8)
  const how = 'run `xensetup confirm-network` (from a new SSH session: that it connects proves the new network)'
  if (!prompter.interactive) return `${trial.bridge} carries ${trial.uplink.name}'s network on trial: it is put back at ${until} unless you ${how}`
  let keep = false
  try {
    keep = await prompter.confirm(`${trial.bridge} now carries ${trial.uplink.name}'s network. Does it still reach this machine, and do you keep it? (put back at ${until} without an answer)`, false, AbortSignal.timeout(Math.max(0, trial.deadline - Date.now())))
  } catch (error) {
    if ((error as Error).name !== 'AbortPromptError') throw error
  }
  if (keep && confirmTrial(host, ['(answered on init\'s terminal)']) === 'confirmed') return `kept: ${trial.bridge} carries ${trial.uplink.name}'s network`
  decide(host, 'revert')
  const waitUntil = Date.now() + OUTCOME_WAIT_MS
  while (readOutcome(host) === undefined && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 250))
  const outcome = readOutcome(host)
  if (!outcome) return `the switch to ${trial.bridge} is being put back (pid ${trial.reverterPid ?? '?'}); \`ip addr show ${trial.uplink.name}\` shows when`
  return outcome.problems.length === 0
    ? `put back: ${trial.uplink.name} has its addresses and routes, and the network configuration is as before`
    : `put back, with problems: ${outcome.problems.join('; ')}`
}
