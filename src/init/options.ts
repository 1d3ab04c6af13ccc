import {EXIT, UserError} from '../errors.js'
import {xenEntry, xenOption} from '../facts/boot.js'
import type {Facts} from '../facts/types.js'
import {dom0MemMiB} from '../formats/xen-command-line.js'
import type {Host} from '../host/host.js'
import type {InitOptions} from '../steps/context.js'
import {checkDom0MemFits, parseDom0Mem} from './dom0-mem.js'
import type {Prompter} from './prompter.js'

export interface InitFlags {
  'dom0-mem'?: string
  'dom0-max-vcpus'?: string
  uplink?: string
  'vg-device'?: string
  'vg-name': string
  'force-wipe': boolean
  'trial-boot': boolean
  'apply-network': boolean
  'revert-after': string
}

/** Flags first, then the admin's answer on a terminal, then what the facts recommend. */
export async function resolveOptions(
  flags: InitFlags,
  facts: Facts,
  steps: readonly string[],
  prompter: Prompter,
  machine: Host,
  offline: boolean,
): Promise<InitOptions> {
  // Unknown in a dom0 (meminfo shows dom0's share) and in a --root tree that is not running.
  const hostMiB = facts.memory.hostTotalMiB || null
  // A host configured before (by xensetup or by hand) keeps its sizes unless a flag says otherwise.
  const entry = xenEntry(facts.boot)
  const boots = steps.includes('boot')
  return {
    dom0MemMiB: await dom0Mem(flags, (entry?.dom0Mem ? dom0MemMiB(entry.dom0Mem) : null) ?? facts.memory.recommendedDom0MiB, boots ? prompter : null, hostMiB),
    dom0MaxVcpus: dom0MaxVcpus(flags['dom0-max-vcpus'] ?? (entry && xenOption(entry, 'dom0_max_vcpus')) ?? facts.memory.recommendedDom0MaxVcpus ?? '1-4'),
    uplink: steps.includes('bridge') || flags.uplink !== undefined ? await uplink(flags, facts, prompter) : null,
    vgDevice: steps.includes('lvm') ? await vgDevice(flags, facts, prompter, machine) : null,
    vgName: vgName(flags['vg-name']),
    forceWipe: flags['force-wipe'],
    trialBoot: flags['trial-boot'],
    steps,
    offline,
    applyNetwork: await applyNetwork(flags, offline, prompter),
    revertAfter: revertAfter(flags['revert-after']),
  }
}

/** Long enough to open a new SSH session and confirm; short enough that a cut-off admin is not kept out long. */
function revertAfter(given: string): number {
  const seconds = Number(given)
  if (/^\d+$/.test(given) && seconds >= 10 && seconds <= 3600) return seconds
  throw new UserError(`--revert-after ${given}: not a whole number of seconds from 10 to 3600`, 'e.g. --revert-after 300 to have five minutes to confirm', EXIT.usage)
}

/**
 * The flag, else the admin's answer (asked only when the boot step runs), else the size in force or
 * recommended. Without the boot step nothing needs a size, so none is an answer too.
 */
async function dom0Mem(flags: InitFlags, fallback: number | null, prompter: Prompter | null, hostMiB: number | null): Promise<number | null> {
  const given = flags['dom0-mem']
  let mib: number | null = fallback
  if (given !== undefined) mib = parseDom0Mem(given)
  else if (prompter?.interactive) {
    const answer = await prompter.input('dom0-mem', 'Memory for dom0 (fixed; guests get the rest)', `${fallback ?? 1024}M`, (value) => {
      try {
        checkDom0MemFits(parseDom0Mem(value), hostMiB)
        return true
      } catch (error) {
        return (error as Error).message
      }
    })
    mib = parseDom0Mem(answer)
  }
  if (mib === null) {
    if (prompter === null) return null
    throw new UserError('cannot size dom0: the host memory is not visible (a --root tree, or inside a dom0)', 'pass --dom0-mem, e.g. --dom0-mem 2048M')
  }
  checkDom0MemFits(mib, hostMiB)
  return mib
}

function dom0MaxVcpus(value: string): string {
  const [min, max = min] = value.split('-').map(Number)
  if (!/^\d+(-\d+)?$/.test(value) || min < 1 || max < min) {
    throw new UserError(`--dom0-max-vcpus ${value} is not a count or a min-max range`, 'write it as e.g. 4 or 1-4')
  }
  return value
}

async function uplink(flags: InitFlags, facts: Facts, prompter: Prompter): Promise<string> {
  const candidates = facts.network.interfaces.filter((i) => !i.virtual || i.name === flags.uplink)
  const names = facts.network.interfaces.map((i) => i.name)
  const given = flags.uplink
  if (given !== undefined) {
    // A --root tree that is not running has no NICs in sysfs: the name cannot be checked against them.
    if (names.length === 0 && /^[\w.:-]{1,15}$/.test(given)) return given
    if (!names.includes(given)) {
      throw new UserError(`--uplink ${given}: no such interface`, `this host has: ${names.join(', ') || 'no interfaces'}`)
    }
    return given
  }
  const detected = facts.network.uplink
  if (detected && (candidates.length <= 1 || !prompter.interactive)) return detected
  if (candidates.length === 1) return candidates[0].name
  if (candidates.length === 0) {
    throw new UserError('no network interface is visible to bridge', 'pass --uplink with the interface the target machine will have, e.g. --uplink enp1s0')
  }
  return prompter.choose(
    'uplink',
    'Which interface does xenbr0 take over (guests reach the network through it)?',
    candidates.map((i) => ({name: `${i.name}${i.mac ? ` (${i.mac})` : ''}${i.name === detected ? ' - default route' : ''}`, value: i.name})),
    detected ?? undefined,
  )
}

async function vgDevice(flags: InitFlags, facts: Facts, prompter: Prompter, machine: Host): Promise<string | null> {
  const given = flags['vg-device']
  if (given !== undefined) {
    if (!given.startsWith('/dev/')) throw new UserError(`--vg-device ${given} is not a device path`, 'give a block device such as /dev/sdb')
    // Devices are the running machine's, also with --root (its chroot shares /dev).
    if (!machine.exists(given)) throw new UserError(`--vg-device ${given} does not exist`, 'list the disks with lsblk and give an empty one')
    return given
  }
  const unused = facts.block.devices.filter((d) => d.looksUnused)
  if (!prompter.interactive || unused.length === 0) return null
  const none = ''
  const answer = await prompter.choose(
    'vg-device',
    'Disk for the guest volume group (everything on it is lost)',
    [{name: 'none: skip the LVM step', value: none}, ...unused.map((d) => ({name: `${d.path} (${Math.round(d.sizeBytes / 2 ** 30)} GiB)`, value: d.path}))],
    none,
  )
  return answer === none ? null : answer
}

function vgName(value: string): string {
  // lvm(8): names take letters, digits and + _ . - but cannot start with a hyphen.
  if (!/^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/.test(value) || value === '.' || value === '..') {
    throw new UserError(`--vg-name ${value} is not a valid volume group name`, 'use letters, digits and + _ . - (not starting with -)')
  }
  return value
}

/**
 * Moving the live network onto the bridge can cut the admin's own SSH session: it happens only when
 * asked for, never with --root, and on a terminal only after saying so and getting a yes.
 */
async function applyNetwork(flags: InitFlags, offline: boolean, prompter: Prompter): Promise<boolean> {
  if (!flags['apply-network']) return false
  if (offline) throw new UserError('--apply-network cannot be used with --root', 'a --root tree has no running network; drop the flag')
  const ssh = process.env.SSH_CONNECTION?.split(' ')[2]
  const where = ssh ? `this machine is reached over SSH at ${ssh}; ` : ''
  const yes = await prompter.confirm(`${where}moving the live network onto xenbr0 may drop connections for a moment (a failure rolls back). Continue?`, true)
  if (!yes) throw new UserError('live network change not confirmed', 'run without --apply-network: xenbr0 then comes up on the reboot into Xen', EXIT.refused)
  return true
}
