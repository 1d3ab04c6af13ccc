import type {FileChange} from '../../engine/change.js'
import {wholeFile} from '../../engine/desired.js'
import {StepFailure} from '../../engine/step.js'
import type {Host} from '../../host/host.js'
import {renderTemplate} from '../../render/template.js'
import {globMatches, isGlob} from '../../formats/glob.js'
import {type NetplanEntry, type NetplanFile, NetplanError, parseNetplan, withoutEthernet, yamlBlock} from '../../formats/netplan.js'
import {type BridgeSpec, type StackConfig, bridgeMac, sameMac} from './stack.js'

export const NETPLAN_DIR = '/etc/netplan'
export const CLOUD_INIT_NETPLAN = `${NETPLAN_DIR}/50-cloud-init.yaml`
export const CLOUD_INIT_NETWORK_OFF = '/etc/cloud/cloud.cfg.d/99-xensetup-network-config.cfg'

/** netplan(5) keys about addresses, routes and DNS: they move from the uplink to the bridge. */
const ADDRESS_KEYS = new Set([
  'dhcp4', 'dhcp6', 'dhcp4-overrides', 'dhcp6-overrides', 'dhcp-identifier', 'addresses', 'gateway4', 'gateway6', 'routes',
  'routing-policy', 'nameservers', 'accept-ra', 'ipv6-privacy', 'link-local', 'ipv6-address-generation',
  'ipv6-address-token', 'ipv6-mtu', 'ra-overrides', 'critical', 'optional-addresses',
])
/** Keys the template writes on the bridge itself. */
export const BRIDGE_KEYS = new Set(['interfaces', 'macaddress', 'parameters', 'renderer'])

type Entry = NetplanEntry

/** A netplan file read from the host. */
interface HostNetplan extends NetplanFile {
  path: string
}

/** An ethernets definition that configures the uplink. */
interface UplinkDefinition {
  file: HostNetplan
  id: string
  entry: Entry
}

export function netplanFile({bridge}: Pick<BridgeSpec, 'bridge'>): string {
  return `${NETPLAN_DIR}/60-xensetup-${bridge}.yaml`
}

/**
 * netplan: the uplink's definition moves out of the file that had it (e.g. 50-cloud-init.yaml; only
 * that entry is removed there) into 60-xensetup-xenbr0.yaml, where it keeps its match/set-name/mtu but
 * claims no address (dhcp4/dhcp6 false), and its address keys move to bridges.xenbr0. Overriding it from
 * a later file would not do: later files "override/append settings from earlier ones" (netplan's
 * parser), so the old addresses would stay. cloud-init, which would write its file back, is told to
 * leave the network configuration alone. Only /etc/netplan is read (not /run or /lib).
 */
export async function planNetplan(host: Host, spec: BridgeSpec): Promise<StackConfig> {
  const ours = netplanFile(spec)
  const others = host
    .list(NETPLAN_DIR)
    .filter((name) => name.endsWith('.yaml') && `${NETPLAN_DIR}/${name}` !== ours)
    .map((name) => readNetplan(host, `${NETPLAN_DIR}/${name}`))
  const foreignBridge = others.find((file) => file.network.bridges?.[spec.bridge] !== undefined)
  if (foreignBridge) throw new StepFailure(`${foreignBridge.path} already defines bridges.${spec.bridge}; remove it to let xensetup manage the bridge, then re-run`)
  const definitions = others.flatMap((file) => uplinkDefinitions(file, spec))
  const ids = [...new Set(definitions.map((d) => d.id))]
  if (ids.length > 1) throw new StepFailure(`${spec.uplink} is defined as ${ids.join(' and ')} in ${NETPLAN_DIR}; merge them into one definition and re-run`)

  const current = host.exists(ours) ? readNetplan(host, ours) : null
  const ourBridge = current?.network.bridges?.[spec.bridge] ?? {}
  let id: string
  let link: Entry
  let addressing: Entry
  if (definitions.length > 0) {
    id = ids[0]
    // Later files amend earlier ones: a key set again wins.
    const merged: Entry = Object.assign({}, ...definitions.map((d) => d.entry))
    link = pick(merged, (key) => !ADDRESS_KEYS.has(key))
    addressing = pick(merged, (key) => ADDRESS_KEYS.has(key))
  } else {
    const [own] = current ? uplinkDefinitions(current, spec) : []
    if (!own) throw new StepFailure(`no definition in ${NETPLAN_DIR} configures ${spec.uplink}, so its addresses are unknown`)
    id = own.id
    link = pick(own.entry, (key) => !ADDRESS_KEYS.has(key))
    addressing = pick(ourBridge, (key) => !BRIDGE_KEYS.has(key))
  }
  if (!hasAddress(addressing)) throw new StepFailure(`netplan gives ${spec.uplink} no address (no dhcp4, dhcp6 or addresses), so there is nothing to move to ${spec.bridge}`)

  const matchedMac = (link.match as Entry | undefined)?.macaddress ?? ourBridge.macaddress
  const mac = bridgeMac(spec, typeof matchedMac === 'string' ? matchedMac : undefined, `${spec.uplink}'s netplan definition`)
  const content = await renderTemplate('bridge/netplan.yaml', {
    ...spec,
    mac,
    id,
    link: yamlBlock(link, 6),
    renderer: typeof link.renderer === 'string' ? link.renderer : null,
    addressing: yamlBlock(addressing, 6),
  })
  const why = `${spec.bridge} with ${spec.uplink}'s MAC takes over its addresses`
  const changes: FileChange[] = [
    ...wholeFile(host, ours, content, why, 0o600),
    ...[...new Set(definitions.map((d) => d.file))].map((file) => withoutDefinition(file, id, spec)),
    ...(await cloudInitNetworkOff(host, ours)),
  ]
  return {changes, addressing: describe(addressing)}
}

function readNetplan(host: Host, path: string): HostNetplan {
  return {path, ...asStepFailure(path, () => parseNetplan(host.read(path) ?? ''))}
}

/** A file the format refuses fails the step, naming the file. */
function asStepFailure<T>(path: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof NetplanError) throw new StepFailure(`${path} ${error.message}`)
    throw error
  }
}

/**
 * ethernets entries that configure the uplink: by id, match.name, match.macaddress or set-name. One that
 * matches by pattern or driver also configures other NICs, so it cannot simply move to the bridge file.
 */
function uplinkDefinitions(file: HostNetplan, spec: BridgeSpec): UplinkDefinition[] {
  return Object.entries(file.network.ethernets ?? {})
    .filter(([id, entry]) => claims(id, entry ?? {}, spec))
    .map(([id, entry]) => {
      const match = (entry?.match ?? {}) as Entry
      const name = typeof match.name === 'string' ? match.name : undefined
      if ((name && isGlob(name)) || (match.driver !== undefined && !name && !match.macaddress)) {
        throw new StepFailure(`${file.path}: ethernets.${id} matches ${spec.uplink} by pattern and may match other NICs; give ${spec.uplink} its own definition and re-run`)
      }
      return {file, id, entry: entry ?? {}}
    })
}

function claims(id: string, entry: Entry, spec: BridgeSpec): boolean {
  if (entry['set-name'] === spec.uplink) return true
  const match = entry.match as Entry | undefined
  if (!match) return id === spec.uplink
  const nameOk = typeof match.name !== 'string' || globMatches(match.name, spec.uplink)
  // Under --root the uplink's MAC is unknown: an entry matched by MAC may be it.
  const macOk = typeof match.macaddress !== 'string' || spec.mac === null || sameMac(match.macaddress, spec.mac)
  return nameOk && macOk
}

/** The file with only the uplink's entry removed (and `ethernets` if that leaves it empty). */
function withoutDefinition(file: HostNetplan, id: string, spec: BridgeSpec): FileChange {
  const after = asStepFailure(file.path, () => withoutEthernet(file, id))
  return {kind: 'file', path: file.path, before: file.text, after, why: `${spec.uplink}'s definition moved to ${netplanFile(spec)}`}
}

/** cloud-init rewrites its netplan file from the datasource; with the uplink moved it must stop doing that. */
async function cloudInitNetworkOff(host: Host, ours: string): Promise<FileChange[]> {
  if (!host.exists(CLOUD_INIT_NETPLAN) || !host.isDirectory('/etc/cloud')) return []
  return wholeFile(host, CLOUD_INIT_NETWORK_OFF, await renderTemplate('bridge/cloud-init-network.cfg', {ours}), 'keep cloud-init from writing the uplink back into 50-cloud-init.yaml')
}

function pick(entry: Entry, keep: (key: string) => boolean): Entry {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => keep(key)))
}

function hasAddress(addressing: Entry): boolean {
  const on = (value: unknown) => value === true || (typeof value === 'string' && /^(true|yes|on|y)$/i.test(value))
  return on(addressing.dhcp4) || on(addressing.dhcp6) || (Array.isArray(addressing.addresses) && addressing.addresses.length > 0)
}

function describe(addressing: Entry): string {
  const parts: string[] = []
  // An address is a string, or a one-key mapping from the address to its options (lifetime, label).
  const addresses = Array.isArray(addressing.addresses) ? addressing.addresses.map((a) => (typeof a === 'string' ? a : Object.keys(a as Entry)[0])) : []
  if (addresses.length > 0) parts.push(`static ${addresses.join(' ')}`)
  if (addressing.dhcp4 !== undefined && hasAddress({dhcp4: addressing.dhcp4})) parts.push('dhcp4')
  if (addressing.dhcp6 !== undefined && hasAddress({dhcp6: addressing.dhcp6})) parts.push('dhcp6')
  return parts.join(', ')
}
