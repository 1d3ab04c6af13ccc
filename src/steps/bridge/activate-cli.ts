/**
 * `node activate-cli.js <uplink> <bridge>`: the bridge step's live activation, run as one command. The
 * engine applies changes as argv; this keeps the iproute2 sequence and its rollback a single unit that
 * either completes or leaves the uplink as it was. Reads the uplink's addresses and routes at run time,
 * not plan time, so what moves is what the kernel has at that moment.
 */
import {ExecaRunner} from '../../host/runner.js'
import {activateBridge, readUplink} from './activate.js'

const [uplink, bridge] = process.argv.slice(2)
if (!uplink || !bridge) {
  process.stderr.write('usage: activate-cli.js <uplink> <bridge>\n')
  process.exit(2)
}
const runner = new ExecaRunner((argv) => process.stdout.write(`$ ${argv.join(' ')}\n`))
try {
  await activateBridge(runner, bridge, await readUplink(runner, uplink))
  process.stdout.write(`${bridge} now carries ${uplink}'s addresses and routes\n`)
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exitCode = 1
}
