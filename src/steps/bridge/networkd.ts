import {wholeFile} from '../../engine/desired.js'
import {StepFailure} from '../../engine/step.js'
import type {Host} from '../../host/host.js'
import {renderTemplate} from '../../render/template.js'
import {type IniSection, iniValue, iniValues, parseIni, sectionsText} from '../../formats/ini.js'
import {globMatches} from '../../formats/glob.js'
import {type BridgeSpec, type StackConfig, bridgeMac, sameMac} from './stack.js'

/** systemd.network(5) search path, highest precedence first: a file shadows same-named ones further down. */
const DIRS = ['/etc/systemd/network', '/run/systemd/network', '/usr/local/lib/systemd/network', '/usr/lib/systemd/network', '/lib/systemd/network']
export const OURS = '/etc/systemd/network'

interface UnitFile {
  name: string
  path: string
  sections: IniSection[]
}

/** What a [Match] section is tested against; a null MAC (under --root) is unknown. */
interface Link {
  name: string
  mac: string | null
  type: 'ether' | 'bridge'
}

/**
 * systemd-networkd: 10-xenbr0.netdev creates the bridge with the uplink's MAC, 10-xenbr0-uplink.network
 * makes the uplink its port, and 10-xenbr0.network carries the sections (DHCP=, Address=, [Route]...) of
 * the .network file that configured the uplink. networkd uses the first matching .network in lexical
 * order, so ours win over the old file, which stays as it is; a re-run reads them back from ours.
 */
export async function planNetworkd(host: Host, spec: BridgeSpec): Promise<StackConfig> {
  const names = fileNames(spec)
  const units = effectiveUnits(host)
  const networks = units.filter((unit) => unit.name.endsWith('.network'))
  const foreignBridge = units.find((unit) => unit.name.endsWith('.netdev') && unit.name !== names.netdev && iniValue(unit.sections, 'NetDev', 'Name') === spec.bridge)
  if (foreignBridge) throw new StepFailure(`${foreignBridge.path} already defines ${spec.bridge}; remove it to let xensetup manage the bridge, then re-run`)

  const uplinkLink: Link = {name: spec.uplink, mac: spec.mac, type: 'ether'}
  const current = networks.find((unit) => matches(unit.sections, uplinkLink))
  if (!current) throw new StepFailure(`no .network file matches ${spec.uplink}: networkd does not configure it, so its addresses are unknown`)
  const bridgeFirst = networks.find((unit) => matches(unit.sections, {name: spec.bridge, mac: spec.mac, type: 'bridge'}))
  if (bridgeFirst && bridgeFirst.name < names.bridgeNetwork) {
    throw new StepFailure(`${bridgeFirst.path} matches ${spec.bridge} and sorts before ${names.bridgeNetwork}, so networkd would use it; narrow its [Match] or rename it, then re-run`)
  }

  let link: IniSection[]
  let addressing: IniSection[]
  let configuredMac: string | undefined
  if (current.name === names.uplinkNetwork) {
    link = current.sections.filter((s) => s.name === 'Link')
    addressing = (units.find((unit) => unit.name === names.bridgeNetwork)?.sections ?? []).filter((s) => s.name !== 'Match')
    configuredMac = iniValue(units.find((unit) => unit.name === names.netdev)?.sections ?? [], 'NetDev', 'MACAddress')
  } else {
    if (current.name < names.uplinkNetwork) {
      throw new StepFailure(`${current.path} configures ${spec.uplink} and sorts before ${names.uplinkNetwork}, so networkd would keep using it; rename it (e.g. to 20-${current.name.replace(/^\d+-/, '')}) and re-run`)
    }
    const enslaved = iniValue(current.sections, 'Network', 'Bridge') ?? iniValue(current.sections, 'Network', 'Bond')
    if (enslaved) throw new StepFailure(`${current.path} makes ${spec.uplink} a port of ${enslaved}; xensetup only bridges an uplink that has its own addresses`)
    link = current.sections.filter((s) => s.name === 'Link')
    addressing = current.sections.filter((s) => s.name !== 'Match' && s.name !== 'Link')
    const macs = iniValues(current.sections, 'Match', 'MACAddress').flatMap(words)
    configuredMac = macs.length === 1 ? macs[0] : undefined
  }
  if (!hasAddress(addressing)) {
    throw new StepFailure(`${current.path} gives ${spec.uplink} no address (no DHCP=, Address= or [Address]), so there is nothing to move to ${spec.bridge}`)
  }

  const mac = bridgeMac(spec, configuredMac, current.path)
  const why = `${spec.bridge} with ${spec.uplink}'s MAC, taking over ${spec.uplink}'s addresses from ${current.path}`
  const changes = [
    ...wholeFile(host, `${OURS}/${names.netdev}`, await renderTemplate('bridge/xenbr0.netdev', {...spec, mac}), why, 0o644),
    ...wholeFile(host, `${OURS}/${names.uplinkNetwork}`, await renderTemplate('bridge/xenbr0-uplink.network', {...spec, link: sectionsText(link)}), why, 0o644),
    ...wholeFile(host, `${OURS}/${names.bridgeNetwork}`, await renderTemplate('bridge/xenbr0.network', {...spec, addressing: sectionsText(addressing)}), why, 0o644),
  ]
  return {changes, addressing: describe(addressing)}
}

export function fileNames({bridge}: Pick<BridgeSpec, 'bridge'>) {
  return {netdev: `10-${bridge}.netdev`, uplinkNetwork: `10-${bridge}-uplink.network`, bridgeNetwork: `10-${bridge}.network`}
}

/** .network and .netdev files networkd reads, by file name (which orders them), masked ones left out. */
function effectiveUnits(host: Host): UnitFile[] {
  const byName = new Map<string, string>()
  for (const dir of DIRS) {
    for (const name of host.list(dir)) {
      if (!/\.(network|netdev)$/.test(name) || byName.has(name)) continue
      byName.set(name, `${dir}/${name}`)
    }
  }
  return [...byName.entries()]
    .filter(([, path]) => host.readlink(path) !== '/dev/null')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, path]) => ({name, path, sections: parseIni(host.read(path) ?? '')}))
}

/**
 * Whether a [Match] applies to the link. Name=, MACAddress=, PermanentMACAddress= and Type= are tested;
 * other conditions (Driver=, Path=, Host=...), and the MAC under --root, cannot be judged from here and
 * count as met, so a file that might claim the uplink is treated as claiming it.
 */
function matches(sections: IniSection[], link: Link): boolean {
  const names = iniValues(sections, 'Match', 'Name').flatMap(words)
  if (names.length > 0) {
    const inverted = names[0].startsWith('!')
    const hit = names.some((pattern) => globMatches(pattern.replace(/^!/, ''), link.name))
    if (hit === inverted) return false
  }
  const macs = [...iniValues(sections, 'Match', 'MACAddress'), ...iniValues(sections, 'Match', 'PermanentMACAddress')].flatMap(words)
  if (macs.length > 0 && link.mac !== null && !macs.some((mac) => sameMac(mac, link.mac))) return false
  const types = iniValues(sections, 'Match', 'Type').flatMap(words)
  return types.length === 0 || types.some((pattern) => globMatches(pattern, link.type))
}

function hasAddress(sections: IniSection[]): boolean {
  const dhcp = iniValue(sections, 'Network', 'DHCP')
  return (dhcp !== undefined && !/^(no|false|0|off)$/i.test(dhcp)) || iniValues(sections, 'Network', 'Address').length > 0 || sections.some((s) => s.name === 'Address')
}

function describe(sections: IniSection[]): string {
  const addresses = [...iniValues(sections, 'Network', 'Address'), ...iniValues(sections, 'Address', 'Address')]
  const dhcp = iniValue(sections, 'Network', 'DHCP')
  return [...(addresses.length > 0 ? [`static ${addresses.join(' ')}`] : []), ...(dhcp && !/^(no|false|0|off)$/i.test(dhcp) ? [`dhcp (${dhcp})`] : [])].join(', ')
}

function words(value: string): string[] {
  return value.split(/\s+/).filter(Boolean)
}
