import type {Call} from '../cli/call.js'
import {EXIT, UserError} from '../errors.js'
import {openHost} from '../host/open.js'
import {confirmTrial, readTrial} from '../steps/bridge/trial.js'

export default async function confirmNetwork({flags, say, argv}: Call) {
  const host = openHost(flags.root)
  const trial = readTrial(host)
  const decision = confirmTrial(host, argv)
  if (decision === 'none') throw new UserError('no live network switch is waiting for confirmation', 'init --apply-network starts one; after a reboot the written configuration is what runs', EXIT.failure)
  if (decision === 'reverted') throw new UserError(`too late: the switch to ${trial?.bridge ?? 'the bridge'} was put back at its deadline`, 'run `xensetup init --apply-network` again to switch, and confirm in time', EXIT.failure)
  say(`Confirmed: ${trial?.bridge} keeps ${trial?.uplink.name}'s addresses and routes; nothing will be put back.\n`)
  return {confirmed: true, bridge: trial?.bridge, uplink: trial?.uplink.name}
}
