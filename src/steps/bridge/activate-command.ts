/**
 * `xensetup __activate-bridge <uplink> <bridge> <revert-after-seconds> [--root DIR] [FILE...]`: the bridge
 * step's live activation, run as a process of its own so the iproute2 sequence and its rollback stay one
 * unit that either completes or leaves the uplink as it was (the engine applies changes as argv). It
 * reads the uplink's addresses and routes at run time, not plan time, so what moves is what the kernel
 * has at that moment. Once the bridge carries them, the switch is on trial: a detached reverter puts the
 * uplink and the configuration FILEs (the bridge step's, backed up by this run) back after the given
 * seconds unless it is confirmed. --root names the target whose files those are (the tests' trees).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'
import {selfCommand} from '../../assets.js'
import {HELPERS} from '../../host/helpers.js'
import {Host} from '../../host/host.js'
import {ExecaRunner} from '../../host/runner.js'
import {activateBridge, readUplink, restoreUplink, restoredText} from './activate.js'
import {type NetworkTrial, READY, backupsOf, clearTrial, readTrial, writeTrial} from './trial.js'

/** How long the reverter may take to start and read the trial before the switch is called off. */
const READY_WAIT_MS = 15_000

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
    const host = new Host(root)
    const earlier = readTrial(host)?.reverterPid
    if (earlier !== undefined && isReverter(earlier)) throw new Error(`an earlier switch's reverter (pid ${earlier}) is still at work; nothing was changed`)
    // Known before the network moves: a file that could not be put back would make a switch with no way back.
    const trialFiles = backupsOf(host, files)
    const state = await readUplink(runner, uplink)
    await activateBridge(runner, bridge, state)
    const deadline = Date.now() + revertAfter * 1000
    try {
      await startTrial(host, {bridge, uplink: state, deadline, files: trialFiles}, root)
    } catch (error) {
      // No switch without its way back: the uplink is put back at once.
      throw new Error(`the switch could not be put on trial (${(error as Error).message}); ${restoredText(uplink, await restoreUplink(runner, bridge, state))}`)
    }
    process.stdout.write(`${bridge} now carries ${uplink}'s addresses and routes, on trial: put back at ${new Date(deadline).toISOString()} unless confirmed\n`)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exitCode = 1
  }
}

/**
 * The trial's record, then its reverter, in a session of its own (setsid) with no terminal: a hangup of
 * the admin's SSH session, or init and this helper killed, does not reach it. The trial stands once the
 * reverter says it has read it; otherwise it is removed and the reverter stopped.
 */
async function startTrial(host: Host, trial: NetworkTrial, root: string): Promise<void> {
  clearTrial(host)
  writeTrial(host, trial)
  const [file, ...prefix] = selfCommand()
  const child = spawn(file, [...prefix, HELPERS.networkRevert, ...(root === '/' ? [] : ['--root', root])], {detached: true, stdio: 'ignore'})
  let failed: Error | undefined
  child.on('error', (error) => (failed = error))
  try {
    await reverterReady(host, child, () => failed)
  } catch (error) {
    child.kill('SIGKILL')
    clearTrial(host)
    throw error
  }
  child.unref()
  writeTrial(host, {...trial, reverterPid: child.pid})
}

async function reverterReady(host: Host, child: ChildProcess, failed: () => Error | undefined): Promise<void> {
  for (const until = Date.now() + READY_WAIT_MS; !host.exists(READY); await sleep(50)) {
    const error = failed()
    if (error) throw new Error(`the reverter could not be started: ${error.message}`)
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the reverter ended before it read the trial (${child.exitCode ?? child.signalCode})`)
    if (Date.now() > until) throw new Error(`the reverter did not start within ${READY_WAIT_MS / 1000} s`)
  }
}

/** A process that is still the reverter (its pid not yet reused by another program). */
function isReverter(pid: number): boolean {
  return new Host('/').read(`/proc/${pid}/cmdline`)?.includes(HELPERS.networkRevert) === true
}
