/**
 * `xensetup __activate-bridge <uplink> <bridge>`: the bridge step's live activation, run as a process of
 * its own so the iproute2 sequence and its rollback stay one unit that either completes or leaves the
 * uplink as it was (the engine applies changes as argv). It reads the uplink's addresses and routes at
 * run time, not plan time, so what moves is what the kernel has at that moment.
 */
import {HELPERS} from '../../host/helpers.js'
import {ExecaRunner} from '../../host/runner.js'
import {activateBridge, readUplink} from './activate.js'

export async function activateBridgeCommand([uplink, bridge]: string[]): Promise<void> {
  if (!uplink || !bridge) {
    process.stderr.write(`usage: xensetup ${HELPERS.activateBridge} <uplink> <bridge>\n`)
    process.exitCode = 2
    return
  }
  const runner = new ExecaRunner((argv) => process.stdout.write(`$ ${argv.join(' ')}\n`))
  try {
    await activateBridge(runner, bridge, await readUplink(runner, uplink))
    process.stdout.write(`${bridge} now carries ${uplink}'s addresses and routes\n`)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
