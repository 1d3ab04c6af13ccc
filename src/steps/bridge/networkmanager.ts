import {createHash} from 'node:crypto'
import type {FileChange} from '../../engine/change.js'
import {wholeFile} from '../../engine/desired.js'
import {StepFailure} from '../../engine/step.js'
import type {Host} from '../../host/host.js'
import {renderTemplate} from '../../render/template.js'
import {type IniSection, iniValue, parseIni, sectionsText, withIniKey} from '../../formats/ini.js'
import {type BridgeSpec, type StackConfig, bridgeMac, sameMac} from './stack.js'

export const NM_DIR = '/etc/NetworkManager/system-connections'
const ETHERNET = new Set(['ethernet', '802-3-ethernet'])
/** Settings about the NIC (MTU, offloads): they stay with the uplink's port profile. */
const LINK_SETTINGS = new Set(['ethernet', '802-3-ethernet', 'ethtool'])
const ADDRESS_SETTINGS = new Set(['ipv4', 'ipv6'])
/** Above NetworkManager's default of 0: a profile bound to no interface loses the uplink to the port at boot. */
const PORT_PRIORITY = 100

interface Profile {
  path: string
  text: string
  sections: IniSection[]
}

/** The link and address settings the bridge's profiles are rendered from. */
interface Source {
  link: IniSection[]
  addressing: IniSection[]
  /** The MAC the source profile binds to, or our bridge carries; used when sysfs cannot tell (--root). */
  mac?: string
}

function profilePaths({bridge, uplink}: BridgeSpec): {bridge: string; port: string} {
  return {bridge: `${NM_DIR}/${bridge}.nmconnection`, port: `${NM_DIR}/${bridge}-port-${uplink}.nmconnection`}
}

/**
 * NetworkManager: keyfiles for the bridge (the uplink's MAC as cloned-mac-address, STP off, the uplink's
 * [ipv4]/[ipv6]) and for the uplink as its port. The uplink's old profile gets autoconnect=false, the
 * keyfile form of `nmcli connection modify <old> connection.autoconnect no`, so it does not take the NIC
 * back at boot. Nothing is reloaded: NetworkManager reads the keyfiles at the next start.
 */
export async function planNetworkManager(host: Host, spec: BridgeSpec): Promise<StackConfig> {
  const paths = profilePaths(spec)
  const profiles = host
    .list(NM_DIR)
    .filter((name) => !name.startsWith('.') && !name.endsWith('~'))
    .map((name) => `${NM_DIR}/${name}`)
    .map((path) => ({path, text: host.read(path) ?? '', sections: parseIni(host.read(path) ?? '')}))
  const foreign = profiles.filter((profile) => profile.path !== paths.bridge && profile.path !== paths.port)
  const foreignBridge = foreign.find((profile) => setting(profile, 'interface-name') === spec.bridge)
  if (foreignBridge) throw new StepFailure(`${foreignBridge.path} already configures ${spec.bridge}; remove it to let xensetup manage the bridge, then re-run`)

  const bound = foreign.filter((profile) => isEthernet(profile) && bindsUplink(profile, spec) && autoconnects(profile))
  const enslaving = bound.find((profile) => setting(profile, 'master') ?? setting(profile, 'controller'))
  if (enslaving) throw new StepFailure(`${enslaving.path} makes ${spec.uplink} a port of ${setting(enslaving, 'master') ?? setting(enslaving, 'controller')}; xensetup only bridges an uplink that has its own addresses`)
  const source = sourceOf(host, spec, bound, foreign)
  const addressing = withDefaults(source.addressing)
  const mac = bridgeMac(spec, source.mac, `${spec.uplink}'s NetworkManager profile`)

  const why = `${spec.bridge} with ${spec.uplink}'s MAC takes over its addresses; ${spec.uplink} becomes its port`
  const changes: FileChange[] = [
    ...wholeFile(host, paths.bridge, await renderTemplate('bridge/bridge.nmconnection', {...spec, mac, uuid: uuidFor(spec.bridge), addressing: sectionsText(addressing)}), why, 0o600),
    ...wholeFile(
      host,
      paths.port,
      await renderTemplate('bridge/port.nmconnection', {...spec, uuid: uuidFor(`${spec.bridge}-port-${spec.uplink}`), priority: PORT_PRIORITY, link: sectionsText(source.link)}),
      why,
      0o600,
    ),
    ...bound.map((profile): FileChange => ({
      kind: 'file',
      path: profile.path,
      before: profile.text,
      after: withIniKey(profile.text, 'connection', 'autoconnect', 'false'),
      why: `the port profile replaces it: it must not take ${spec.uplink} back at boot`,
    })),
  ]
  return {changes, addressing: describe(addressing)}
}

/**
 * The uplink's own profile (bound to it by name or MAC) on a first run; ours on a re-run, once that
 * one has autoconnect=false; else a single profile bound to no interface, which also serves other NICs
 * and so is left as it is. With none, NetworkManager's default applies: DHCP.
 */
function sourceOf(host: Host, spec: BridgeSpec, bound: Profile[], foreign: Profile[]): Source {
  const paths = profilePaths(spec)
  const from = (link: Profile | undefined, addressing: Profile | undefined): Source => ({
    link: link?.sections.filter((s) => LINK_SETTINGS.has(s.name)) ?? [],
    addressing: addressing?.sections.filter((s) => ADDRESS_SETTINGS.has(s.name)) ?? [],
    mac: (link && boundMac(link)) ?? (addressing && iniValue(addressing.sections, 'ethernet', 'cloned-mac-address')),
  })
  if (bound.length > 0) {
    const [chosen] = [...bound].sort((a, b) => priority(b) - priority(a) || (a.path < b.path ? -1 : 1))
    return from(chosen, chosen)
  }
  if (host.exists(paths.port) && host.exists(paths.bridge)) {
    const read = (path: string): Profile => ({path, text: host.read(path) ?? '', sections: parseIni(host.read(path) ?? '')})
    return from(read(paths.port), read(paths.bridge))
  }
  const unbound = foreign.filter((profile) => isEthernet(profile) && !boundToAny(profile) && autoconnects(profile))
  if (unbound.length > 1) {
    throw new StepFailure(`${unbound.map((p) => p.path).join(', ')} could all configure ${spec.uplink}; bind the right one to it (connection.interface-name) and re-run`)
  }
  return from(unbound[0], unbound[0])
}

/** NetworkManager fills a missing [ipv4]/[ipv6] with method=auto; written out so the bridge says what it does. */
function withDefaults(addressing: IniSection[]): IniSection[] {
  const missing = [...ADDRESS_SETTINGS].filter((name) => !addressing.some((s) => s.name === name))
  return [...addressing, ...missing.map((name) => ({name, lines: ['method=auto']}))].sort((a, b) => (a.name < b.name ? -1 : 1))
}

function setting(profile: Profile, key: string): string | undefined {
  return iniValue(profile.sections, 'connection', key)
}

function isEthernet(profile: Profile): boolean {
  return ETHERNET.has(setting(profile, 'type') ?? '')
}

/** Bound by name, or by MAC; under --root (MAC unknown) a profile bound by MAC alone may be the uplink's. */
function bindsUplink(profile: Profile, spec: BridgeSpec): boolean {
  const name = setting(profile, 'interface-name')
  const mac = boundMac(profile)
  if (name !== undefined) return name === spec.uplink && (mac === undefined || spec.mac === null || sameMac(mac, spec.mac))
  return mac !== undefined && (spec.mac === null || sameMac(mac, spec.mac))
}

function boundMac(profile: Profile): string | undefined {
  return iniValue(profile.sections, 'ethernet', 'mac-address') ?? iniValue(profile.sections, '802-3-ethernet', 'mac-address')
}

function boundToAny(profile: Profile): boolean {
  return setting(profile, 'interface-name') !== undefined || boundMac(profile) !== undefined
}

function autoconnects(profile: Profile): boolean {
  return !/^(false|no|0)$/i.test(setting(profile, 'autoconnect') ?? 'true')
}

function priority(profile: Profile): number {
  return Number(setting(profile, 'autoconnect-priority') ?? 0) || 0
}

/**
 * A fixed UUID per profile name: keyfiles need one, and a random one would make every run rewrite the file.
 * Shaped as a name-based (version 5) UUID.
 */
export function uuidFor(name: string): string {
  const hex = createHash('sha1').update(`xensetup:${name}`).digest('hex')
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

function describe(addressing: IniSection[]): string {
  return addressing
    .map((section) => {
      const method = iniValue([section], section.name, 'method') ?? 'auto'
      const address = iniValue([section], section.name, 'address1')?.split(',')[0]
      return method === 'manual' && address ? `${section.name} static ${address}` : `${section.name} ${method}`
    })
    .join(', ')
}
