import type {Facts, NetworkStack} from '../facts/types.js'
import type {Host} from '../host/host.js'

/** The running guest bridge against what its network stack's files will bring up at the next boot. */
export interface BridgeNextBoot {
  bridge: string
  /** The bridge's one NIC port. */
  uplink: string
  stack: NetworkStack
  /** The bridge's MAC now, and its port's: a bridge that lost the NIC's MAC gets another DHCP lease. */
  mac: string | null
  uplinkMac: string | null
  /** Files `init --only bridge` would write: where the configuration does not describe the bridge as it runs. */
  differs: string[]
  /** Why the configuration could not be judged (a stack xensetup does not write, a file it refuses). */
  unjudged?: string
}

/**
 * The bridge step planned for the running bridge's NIC, as `init --only bridge` would plan it, must have
 * nothing to write: then the configuration brings the same bridge, port and MAC back after a reboot.
 * Only for a bridge with exactly one NIC port (what init builds); null otherwise, and network.bridge
 * speaks for a missing bridge. `host`'s sysfs must be the running one's.
 */
export async function bridgeNextBoot(host: Host, facts: Facts): Promise<BridgeNextBoot | null> {
  const {interfaces, stack} = facts.network
  const bridge = interfaces.find((iface) => iface.name === facts.xen.defaultBridge && iface.isBridge)
  const nics = interfaces.filter((iface) => bridge?.ports.includes(iface.name) && !iface.virtual)
  if (!bridge || nics.length !== 1) return null
  const [nic] = nics
  const found = {bridge: bridge.name, uplink: nic.name, stack, mac: bridge.mac, uplinkMac: nic.mac}
  // Loaded only here: the planners and their templates are for a host with a bridge to judge.
  const {plannerFor} = await import('../steps/bridge.js')
  const planner = await plannerFor(stack)
  if (!planner) return {...found, differs: [], unjudged: stack === 'unknown' ? 'no network configuration tool recognised' : `xensetup does not read ${stack}'s configuration`}
  try {
    const config = await planner(host, {bridge: bridge.name, uplink: nic.name, mac: nic.mac?.toLowerCase() ?? null}, false)
    return {...found, differs: config.changes.map((change) => change.path)}
  } catch (error) {
    // A file doctor may not read (keyfiles and netplan files are root's only), or one the planner
    // refuses (a bridge defined by hand): what it says is the finding; doctor goes on.
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'EACCES' || code === 'EPERM' ? `the network configuration is readable by root only: run doctor as root (${(error as Error).message})` : (error as Error).message
    return {...found, differs: [], unjudged: why}
  }
}
