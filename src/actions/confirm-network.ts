import type {Call} from '../cli/call.js'
import {EXIT, UserError} from '../errors.js'
import {openHost} from '../host/open.js'
import {confirmTrial, readTrial} from '../steps/bridge/trial.js'

export default async function confirmNetwork({flags, say}: Call) {
  const host = openHost(flags.root)
  const trial = readTrial(host)
  if (!trial) throw new UserError('no live network switch is waiting for confirmation', 'init --apply-network starts one; after a reboot the written configuration is what runs', EXIT.failure)
  const decision = confirmTrial(host, 'command')
  if (decision === 'revert') throw new UserError(`too late: the switch to ${trial.bridge} is put back (its deadline passed, or it was answered no)`, 'run `xensetup init --apply-network` again to switch, and confirm in time', EXIT.failure)
  if (decision === undefined) throw new UserError(`the switch to ${trial.bridge} is being decided by another process`, 'run `xensetup confirm-network` again in a moment', EXIT.failure)
  say(`Confirmed: ${trial.bridge} keeps ${trial.uplink.name}'s addresses and routes; nothing will be put back.\n`)
  return {confirmed: true, bridge: trial.bridge, uplink: trial.uplink.name}
}
