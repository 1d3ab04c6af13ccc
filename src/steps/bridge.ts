import {selfCommand} from '../assets.js'
import {HELPERS} from '../host/helpers.js'
import type {Change, CommandChange} from '../engine/change.js'
import {type Step, StepFailure, type StepPlan, StepRefusal} from '../engine/step.js'
import type {NetworkInterface, NetworkStack} from '../facts/types.js'
import {chosenStack} from './bridge/chosen-stack.js'
import {isInstalled} from './packages.js'
import type {BridgeSpec, StackPlanner} from './bridge/stack.js'
import type {InitContext} from './context.js'

/** libxl's default bridge for guest vifs (vif.default.bridge). */
export const BRIDGE = 'xenbr0'

/** Each stack's planner, loaded when that stack is planned: doctor judges a bridge with one of them. */
const PLANNERS: Partial<Record<NetworkStack, () => Promise<StackPlanner>>> = {
  ifupdown: async () => (await import('./bridge/ifupdown.js')).planIfupdown,
  netplan: async () => (await import('./bridge/netplan.js')).planNetplan,
  networkd: async () => (await import('./bridge/networkd.js')).planNetworkd,
  networkmanager: async () => (await import('./bridge/networkmanager.js')).planNetworkManager,
}

/** The planner that writes the bridge for `stack`, if xensetup writes for it. */
export async function plannerFor(stack: NetworkStack): Promise<StackPlanner | undefined> {
  return PLANNERS[stack]?.()
}

/** What to do by hand where xensetup does not write the bridge itself. */
const BY_HAND: Partial<Record<NetworkStack, (spec: BridgeSpec) => string>> = {
  wicked: ({bridge, uplink, mac}) =>
    `wicked is not handled yet: write /etc/sysconfig/network/ifcfg-${bridge} (BRIDGE='yes', BRIDGE_PORTS='${uplink}', BRIDGE_STP='off', BRIDGE_FORWARDDELAY='0', LLADDR='${mac ?? `<${uplink}'s MAC>`}', ${uplink}'s old BOOTPROTO/IPADDR) and set BOOTPROTO='none' in ifcfg-${uplink}`,
  netifrc: ({bridge, uplink}) =>
    `netifrc is not handled yet: in /etc/conf.d/net set config_${uplink}="null", bridge_${bridge}="${uplink}", config_${bridge}=${uplink}'s old config, bridge_stp_state_${bridge}=0, bridge_forward_delay_${bridge}=0`,
  'ifupdown-ng': ({bridge, uplink, mac}) =>
    `ifupdown-ng is not handled yet: in /etc/network/interfaces make ${uplink} "inet manual" and give "auto ${bridge}" ${uplink}'s old address lines plus bridge-ports ${uplink} and hwaddress ${mac ?? `<${uplink}'s MAC>`}`,
}

const ACTIVATION_TIMEOUT_MS = 60_000

/**
 * xenbr0 over the uplink in the host's own network configuration: the uplink's MAC on the bridge, STP
 * off, forward delay 0, and the uplink's addresses (DHCP or static) moved to the bridge. Writing the
 * configuration is the change; it takes effect on the reboot into Xen. The running network is changed
 * only when the admin asks for it, since a mistake there cuts off a remote box.
 */
export const bridgeStep: Step<InitContext> = {
  id: 'bridge',
  title: 'Bridge xenbr0 over the uplink, keeping its MAC and addresses',
  plan: planBridge,
}

/** The bridge step's plan; --apply-network adds the live activation on a running host (never under --root). */
async function planBridge(context: InitContext): Promise<StepPlan> {
  const {host, facts, options} = context
  const spec = bridgeSpec(context)
  const chosen = chosenStack(context)
  const planner = await plannerFor(chosen.stack)
  if (!planner) {
    const byHand = BY_HAND[chosen.stack]
    throw new StepFailure(byHand ? `${byHand(spec)}; or skip this step with --skip bridge` : unrecognised(context, spec))
  }
  // The default stack's packages come with the packages step; without it, a file for a tool never installed.
  const absent = chosen.packages.filter((name) => !isInstalled(context, name))
  if (absent.length > 0 && !options.steps.includes('packages')) {
    throw new StepFailure(`the target has no network tool; ${facts.distro.name}'s default, ${chosen.stack}, needs ${absent.join(', ')}, which only the packages step installs: run it too, or skip this step with --skip bridge`)
  }
  const config = await planner(host, spec, options.offline)
  const active = isActive(facts.network.interfaces, spec)
  const activate = options.applyNetwork && !options.offline && !active
  const changes: Change[] = [...config.changes]
  if (activate) changes.push(activation(facts.network.interfaces, spec, options.revertAfter, config.changes.map((change) => change.path)))
  const when = active ? 'active' : options.offline ? 'configured for the target\'s next boot' : activate ? 'configured, activated now' : 'configured, active after the reboot into Xen'
  const chose = chosen.byDefault ? `no network tool in the target, so ${facts.distro.name}'s default, ${chosen.stack} (installing ${chosen.packages.join(', ')}): ` : ''
  return {changes, state: `${chose}${spec.bridge} over ${spec.uplink}${spec.mac ? ` (${spec.mac})` : ''}, ${config.addressing}: ${when}`}
}

/** Why the step stops where no tool it writes for configures the network: what was looked for, and found. */
function unrecognised({facts, options, profile}: InitContext, {bridge, uplink}: BridgeSpec): string {
  const {services} = facts.network
  const found = services.length > 0 ? `enabled at boot: ${services.join(', ')}` : 'no network service is enabled at boot either'
  const offline = options.offline && !profile.network ? `, and ${facts.distro.name} has no default stack xensetup writes` : ''
  return `no network configuration xensetup writes for (ifupdown's /etc/network/interfaces, netplan, systemd-networkd .network files, NetworkManager) configures ${uplink} (${found})${offline}, so how it gets its address is unknown; create ${bridge} over ${uplink} by hand, or skip this step with --skip bridge`
}

/**
 * The uplink to bridge, refused where a bridge over it would cut the host off or need configuration
 * xensetup does not own. Once bridged, the default route is on xenbr0 and its one NIC port is the uplink.
 * Under --root the target's NICs are not in sysfs: the name is taken as given and the MAC left to the
 * target's configuration.
 */
function bridgeSpec({facts, options}: InitContext): BridgeSpec {
  if (!options.uplink) throw new StepFailure('no uplink chosen: pass --uplink <interface>')
  const named = (name: string) => facts.network.interfaces.find((iface) => iface.name === name)
  let uplink = named(options.uplink)
  if (uplink?.name === BRIDGE && uplink.isBridge) {
    const nics = uplink.ports.filter((port) => named(port)?.virtual === false)
    if (nics.length !== 1) throw new StepFailure(`${BRIDGE} has ${nics.length === 0 ? 'no NIC port' : `several NIC ports (${nics.join(', ')})`}; pass --uplink <the NIC it bridges>`)
    uplink = named(nics[0])
  }
  if (!uplink) {
    if (options.offline) return {bridge: BRIDGE, uplink: options.uplink, mac: null}
    throw new StepFailure(`${options.uplink}: no such interface`)
  }
  refuseUnbridgeable(uplink)
  if (!uplink.mac) throw new StepFailure(`the MAC of ${uplink.name} is unknown (no /sys/class/net/${uplink.name}/address), and the bridge must keep it`)
  return {bridge: BRIDGE, uplink: uplink.name, mac: uplink.mac.toLowerCase()}
}

function refuseUnbridgeable(uplink: NetworkInterface): void {
  const {name, devType} = uplink
  if (uplink.wireless || devType === 'wlan') {
    throw new StepRefusal(`${name} is a wireless NIC and cannot be bridged: a Wi-Fi client may only send frames from its own MAC, so the access point drops the guests' frames; use a wired uplink, or routed/NAT networking for guests`)
  }
  if (devType === 'bond') {
    throw new StepRefusal(`${name} is a bond: its slaves and mode live in the bond's own configuration, which xensetup does not rewrite; put ${name} into ${BRIDGE} by hand, or skip this step with --skip bridge`)
  }
  if (devType === 'vlan') {
    throw new StepRefusal(`${name} is a VLAN: a bridge over it carries only that VLAN's traffic and the VLAN's own configuration would have to move; bridge the NIC under it, or create ${BRIDGE} by hand`)
  }
  if (uplink.isBridge) throw new StepRefusal(`${name} is itself a bridge: pass the NIC to bridge with --uplink, or point guests at ${name} (vif.default.bridge in /etc/xen/xl.conf)`)
  if (uplink.master && uplink.master !== BRIDGE) throw new StepRefusal(`${name} is already a port of ${uplink.master}; a NIC can be in one bridge or bond only`)
}

function isActive(interfaces: NetworkInterface[], {bridge, uplink}: BridgeSpec): boolean {
  const found = interfaces.find((iface) => iface.name === bridge)
  return found?.isBridge === true && found.ports.includes(uplink)
}

function activation(interfaces: NetworkInterface[], {bridge, uplink}: BridgeSpec, revertAfter: number, files: string[]): CommandChange {
  if (interfaces.some((iface) => iface.name === bridge)) {
    throw new StepRefusal(`${bridge} already exists on the running system without ${uplink} as a port; delete it (ip link del ${bridge}) or let the reboot bring up the written configuration`)
  }
  return {
    kind: 'command',
    argv: [...selfCommand(), HELPERS.activateBridge, uplink, bridge, String(revertAfter), ...files],
    why: `move ${uplink}'s addresses and routes to ${bridge} on the running network now; if any command fails, ${uplink} is put back as it was, and unless the switch is confirmed within ${revertAfter} s (on this terminal, or \`xensetup confirm-network\`) it and the configuration are put back then`,
    timeoutMs: ACTIVATION_TIMEOUT_MS,
  }
}
