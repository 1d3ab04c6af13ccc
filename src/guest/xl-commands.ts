import {EXIT, UserError} from '../errors.js'
import type {Host} from '../host/host.js'
import {COMMAND_ENV, displayArgv, ExecaRunner} from '../host/runner.js'
import {checkGuestName} from './options.js'
import {configPath} from './spec.js'

/** What xl prints for the usual failures, as one line with what to do. */
const XL_HINTS: Array<[RegExp, string]> = [
  [/cannot init xl context/i, 'xl needs root on a running dom0 with xenfs mounted: run it with sudo; `xensetup doctor` says what is missing'],
  [/cannot make domain: -3/i, 'Xen refused the domain: HVM, PVH or nested HVM without VT-x/AMD-V or EPT/NPT; `xensetup doctor` checks the CPU'],
  [/(does not exist|invalid domain identifier)/i, 'it is not running: `xensetup guest list` shows the guests and their state'],
  [/(already exists|domain with name .* exists)/i, 'it runs already: `xensetup guest list`'],
  [/failed to get memory|not enough (free )?memory|insufficient memory/i, 'the host has not enough free memory: stop another guest or give this one less (--memory)'],
  [/bridge .* (does not exist|not found)|vif-bridge.*failed/i, 'the bridge is missing: `ip link show xenbr0`; `xensetup init` makes it'],
]

/** The live machine only: these act on running domains, which a --root tree has none of. */
export function requireLive(host: Host): void {
  if (!host.isLive) throw new UserError(`guest start, stop and console act on this machine's running Xen, not on --root ${host.root}`, 'run it on the dom0 itself')
}

function xl(argv: string[], timeoutMs: number) {
  return new ExecaRunner().run(['xl', ...argv], {timeoutMs})
}

/** One line from xl's output that says what went wrong, with a hint when the message is a known one. */
export function xlFailure(action: string, output: string): UserError {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean)
  const line = lines.findLast((l) => /error|cannot|fail|not exist|invalid/i.test(l)) ?? lines.at(-1) ?? 'xl failed without a message'
  const hint = XL_HINTS.find(([pattern]) => pattern.test(output))?.[1] ?? 'the full output: run the same xl command by hand, or see /var/log/xen/'
  return new UserError(`${action}: ${line.replace(/^libxl: error: /, '')}`, hint, EXIT.failure)
}

export async function startGuest(host: Host, name: string, print: (text: string) => void): Promise<void> {
  checkGuestName(name)
  requireLive(host)
  const path = configPath(name)
  if (!host.exists(path)) throw new UserError(`no config ${path}`, `create it with \`xensetup guest create ${name} ...\``)
  const listed = await xl(['list', name], 60_000)
  if (listed.exitCode === 0) {
    print(`${name} is running already.\n`)
    return
  }
  const result = await xl(['create', path], 10 * 60_000)
  if (result.exitCode !== 0) throw xlFailure(`xl create ${path}`, `${result.stdout}\n${result.stderr}`)
  print(`${name} started.\n`)
}

/** A clean shutdown, waited for; --force destroys it at once (as pulling the plug). */
export async function stopGuest(host: Host, name: string, force: boolean, timeoutSeconds: number, print: (text: string) => void): Promise<void> {
  checkGuestName(name)
  requireLive(host)
  const argv = force ? ['destroy', name] : ['shutdown', '-w', name]
  const result = await xl(argv, timeoutSeconds * 1000)
  if (result.timedOut) {
    throw new UserError(`${name} did not shut down within ${timeoutSeconds} s`, `it may ignore the shutdown request (no PV drivers or ACPI): wait longer (--timeout), or --force to destroy it`, EXIT.failure)
  }
  if (result.exitCode !== 0) throw xlFailure(`xl ${displayArgv(argv)}`, `${result.stdout}\n${result.stderr}`)
  print(`${name} ${force ? 'destroyed' : 'shut down'}.\n`)
}

/** The guest's text console on this terminal until Ctrl-] (xl's own key). */
export async function attachConsole(host: Host, name: string): Promise<void> {
  checkGuestName(name)
  requireLive(host)
  const {execa} = await import('execa')
  const result = await execa('xl', ['console', name], {reject: false, stdio: 'inherit', env: {...process.env, ...COMMAND_ENV}})
  // xl printed its own message on this terminal already.
  if (result.exitCode !== 0) throw new UserError(`xl console ${name} exited ${result.exitCode ?? 'on a signal'}`, 'xl\'s message is above; `xensetup guest list` shows whether it runs', EXIT.failure)
}
