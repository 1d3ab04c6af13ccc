/**
 * `xensetup __activate-bridge <uplink> <bridge> <revert-after-seconds> [--root DIR] [FILE...]`: the bridge
 * step's live activation, run as a process of its own so the iproute2 sequence and its rollback stay one
 * unit that either completes or leaves the uplink as it was (the engine applies changes as argv). It
 * reads the uplink's addresses and routes at run time, not plan time, so what moves is what the kernel
 * has at that moment. Once the bridge carries them, the switch is on trial: a detached reverter puts the
 * uplink and the configuration FILEs (the bridge step's, backed up by this run) back after the given
 * seconds unless it is confirmed. --root names the target whose files those are (the tests' trees).
 */
import {spawn} from 'node:child_process'
import {selfCommand} from '../../assets.js'
import {HELPERS} from '../../host/helpers.js'
import {Host} from '../../host/host.js'
import {ExecaRunner} from '../../host/runner.js'
import {activateBridge, readUplink, restoreUplink} from './activate.js'
import {DECISION, type NetworkTrial, OUTCOME, backupsOf, writeTrial} from './trial.js'

export async function activateBridgeCommand(args: string[]): Promise<void> {
  const [uplink, bridge, seconds, ...rest] = args
  const revertAfter = Number(seconds)
  const rootAt = rest.indexOf('--root')
  const root = rootAt === -1 ? '/' : rest[rootAt + 1]
  const files = rootAt === -1 ? rest : rest.filter((_, index) => index !== rootAt && index !== rootAt + 1)
  if (!uplink || !bridge || !Number.isInteger(revertAfter) || revertAfter <= 0 || !root) {
    process.stderr.write(`usage: xensetup ${HELPERS.activateBridge} <uplink> <bridge> <revert-after-seconds> [--root DIR] [FILE...]\n`)
    process.exitCode = 2
    return
  }
  const runner = new ExecaRunner((argv) => process.stdout.write(`$ ${argv.join(' ')}\n`))
  try {
    const state = await readUplink(runner, uplink)
    await activateBridge(runner, bridge, state)
    const deadline = Date.now() + revertAfter * 1000
    try {
      startTrial(new Host(root), {bridge, uplink: state, deadline, files}, root)
    } catch (error) {
      // No switch without its way back: the uplink is put back at once.
      const failures = await restoreUplink(runner, bridge, state)
      throw new Error(`the switch could not be put on trial (${(error as Error).message}); ${failures.length === 0 ? `${uplink} was restored` : `restoring ${uplink} failed too:\n${failures.join('\n')}`}`)
    }
    process.stdout.write(`${bridge} now carries ${uplink}'s addresses and routes, on trial: put back at ${new Date(deadline).toISOString()} unless confirmed\n`)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exitCode = 1
  }
}

/**
 * The trial's record, then its reverter, in a session of its own (setsid) with no terminal: a hangup of
 * the admin's SSH session, or init and this helper killed, does not reach it.
 */
function startTrial(host: Host, {files, ...trial}: Omit<NetworkTrial, 'files'> & {files: string[]}, root: string): void {
  // A new trial: what an earlier one decided is no answer for this one.
  host.remove(DECISION)
  host.remove(OUTCOME)
  const record = {...trial, files: backupsOf(host, files)}
  writeTrial(host, record)
  const [file, ...prefix] = selfCommand()
  const child = spawn(file, [...prefix, HELPERS.networkRevert, ...(root === '/' ? [] : ['--root', root])], {detached: true, stdio: 'ignore'})
  child.on('error', () => {})
  if (child.pid === undefined) throw new Error(`${file} could not be started as the reverter`)
  child.unref()
  writeTrial(host, {...record, reverterPid: child.pid})
}
