import path from 'node:path'

import {INTERFACES, interfacesFiles} from '../formats/interfaces-sources.js'
import {ifaceNames} from '../formats/interfaces.js'
import type {HostFiles} from './files.js'
import type {ServiceFiles} from './init.js'
import type {DistroFamily, NetworkFacts, NetworkInterface, NetworkStack} from './types.js'

/** The interface of the IPv4 default route in /proc/net/route (hex columns), lowest metric first. */
export function parseDefaultRoute(procNetRoute: string): string | null {
  let best: {iface: string; metric: number} | null = null
  for (const line of procNetRoute.split('\n').slice(1)) {
    const [iface, destination, , flags, , , metric, mask] = line.trim().split(/\s+/)
    const up = (Number.parseInt(flags, 16) & 0x1) !== 0
    if (!iface || destination !== '00000000' || mask !== '00000000' || !up) continue
    if (!best || Number(metric) < best.metric) best = {iface, metric: Number(metric)}
  }
  return best?.iface ?? null
}

/** The interface of the IPv6 default route in /proc/net/ipv6_route (::/0, not the kernel's `lo` reject route). */
export function parseIpv6DefaultRoute(procNetIpv6Route: string): string | null {
  let best: {iface: string; metric: number} | null = null
  for (const line of procNetIpv6Route.split('\n')) {
    const columns = line.trim().split(/\s+/)
    if (columns.length < 10) continue
    const [destination, prefix, , , , metric] = columns
    const iface = columns[9]
    if (!/^0+$/.test(destination) || prefix !== '00' || iface === 'lo') continue
    const value = Number.parseInt(metric, 16)
    if (!best || value < best.metric) best = {iface, metric: value}
  }
  return best?.iface ?? null
}

/** Gentoo netifrc configures an interface with `config_<name>=...` in /etc/conf.d/net. */
export function netifrcConfiguresInterfaces(confDNet: string): boolean {
  return confDNet.split('\n').some((line) => /^\s*config_\w+=/.test(line))
}

export interface NetworkStackEvidence {
  family: DistroFamily
  netplanFiles: string[]
  /** Non-loopback interfaces in /etc/network/interfaces and the files it sources. */
  ifupdownInterfaces: string[]
  networkManagerEnabled: boolean
  wickedEnabled: boolean
  /** systemd-networkd enabled and /etc/systemd/network has .network files. */
  networkdConfigured: boolean
  netifrcConfigured: boolean
  /** /etc/network/interfaces exists, even if it configures only lo (a fresh debootstrap root). */
  interfacesFileExists: boolean
}

/**
 * Which tool owns the host's network configuration. Order matters where several are present: netplan
 * generates networkd/NetworkManager config, and NetworkManager leaves ifupdown-configured interfaces alone.
 */
export function chooseNetworkStack(evidence: NetworkStackEvidence): NetworkStack {
  if (evidence.netplanFiles.length > 0) return 'netplan'
  if (evidence.ifupdownInterfaces.length > 0) return evidence.family === 'alpine' ? 'ifupdown-ng' : 'ifupdown'
  if (evidence.networkManagerEnabled) return 'networkmanager'
  if (evidence.wickedEnabled) return 'wicked'
  if (evidence.networkdConfigured) return 'networkd'
  if (evidence.netifrcConfigured) return 'netifrc'
  // Nothing configures a NIC yet, but ifupdown is what reads that file at boot.
  if (evidence.interfacesFileExists) return evidence.family === 'alpine' ? 'ifupdown-ng' : 'ifupdown'
  return 'unknown'
}

const arphrdLoopback = '772'

/** Services that configure addresses at boot, named when the stack is not one xensetup recognises. */
const NETWORK_SERVICES = ['NetworkManager', 'systemd-networkd', 'wicked', 'connman', 'dhcpcd', 'iwd', 'netctl', 'networking']

export function collectNetwork(files: HostFiles, services: ServiceFiles, family: DistroFamily): NetworkFacts {
  const interfaces = files
    .list('/sys/class/net')
    .filter((name) => files.value(`/sys/class/net/${name}/type`) !== arphrdLoopback && name !== 'lo')
    .map((name) => describeInterface(files, name))
  let enabled: string[] | undefined
  const stack = chooseNetworkStack({
    family,
    netplanFiles: files.list('/etc/netplan').filter((name) => name.endsWith('.yaml')),
    ifupdownInterfaces: interfacesFiles(files).flatMap((file) => ifaceNames(file.text)),
    networkManagerEnabled: files.isDirectory('/etc/NetworkManager') && services.isEnabled('NetworkManager'),
    // SUSE enables wicked by aliasing network.service to it.
    wickedEnabled:
      services.isEnabled('wicked') || (files.readlink('/etc/systemd/system/network.service')?.endsWith('/wicked.service') ?? false),
    networkdConfigured:
      services.isEnabled('systemd-networkd') && files.list('/etc/systemd/network').some((name) => name.endsWith('.network')),
    netifrcConfigured: netifrcConfiguresInterfaces(files.read('/etc/conf.d/net') ?? ''),
    interfacesFileExists: files.exists(INTERFACES),
  })
  return {
    stack,
    uplink:
      parseDefaultRoute(files.read('/proc/net/route') ?? '') ?? parseIpv6DefaultRoute(files.read('/proc/net/ipv6_route') ?? ''),
    // Asked only when no stack is recognised (and for doctor --json): eight services' unit lookups spared at start-up.
    get services() {
      enabled ??= NETWORK_SERVICES.filter((service) => services.isEnabled(service))
      return enabled
    },
    interfaces,
    bridges: interfaces.filter((iface) => iface.isBridge).map((iface) => iface.name),
  }
}

function describeInterface(files: HostFiles, name: string): NetworkInterface {
  const dir = `/sys/class/net/${name}`
  const isBridge = files.isDirectory(`${dir}/bridge`)
  const masterLink = files.readlink(`${dir}/master`) ?? files.readlink(`${dir}/brport/bridge`)
  return {
    name,
    mac: files.value(`${dir}/address`) || null,
    isBridge,
    ports: isBridge ? files.list(`${dir}/brif`) : [],
    master: masterLink ? path.posix.basename(masterLink) : null,
    wireless: files.isDirectory(`${dir}/wireless`) || files.present(`${dir}/phy80211`),
    // /sys/class/net entries link into /sys/devices: software interfaces live under devices/virtual,
    // Xen backend vifs under devices/vif-<domid>-<n>.
    virtual: /\/devices\/(virtual|vif-)/.test(files.readlink(dir) ?? ''),
    operstate: files.value(`${dir}/operstate`) || null,
    devType: /^DEVTYPE=(\S+)$/m.exec(files.read(`${dir}/uevent`) ?? '')?.[1] ?? (files.isDirectory(`${dir}/bonding`) ? 'bond' : null),
  }
}
