import type {Mount} from './block.js'
import {naturalOrder} from '../formats/natural-order.js'
import type {HostFiles} from './files.js'
import type {ServiceFiles} from './init.js'
import type {InitSystem, NetworkFacts, PackageFacts, XenFacts} from './types.js'
import {parseAutoballoon, parseXlConfig} from '../formats/xlcfg.js'
import {collectGuestConfigs, collectGuestTools, defaultBridge} from './guests.js'

/** Xen's own command line from a saved `xl dmesg` ("(XEN) Command line: ..."), GRUB's `placeholder` dropped. */
export function xenCommandLineFromLog(log: string): string | null {
  let commandLine: string | null = null
  for (const line of log.split('\n')) {
    const match = /^\(XEN\) (?:\[[^\]]*\] )?Command line: ?(.*)$/.exec(line.trimEnd())
    if (match) commandLine = match[1].replace(/^placeholder\b\s*/, '')
  }
  return commandLine
}

/** What says whether a toolstack can be asked, read without gathering every fact: dom0 or not, the Xen daemons running. */
export function xenDaemonFacts(files: HostFiles): Pick<XenFacts, 'dom0' | 'daemons'> {
  const runtime = detectXenRuntime(files)
  return {dom0: runtime.dom0, daemons: runtime.running ? runningDaemons(files) : []}
}

/** XENFEAT_dom0 is bit 11 of /sys/hypervisor/properties/features (hex). */
export function featuresSayDom0(hex: string): boolean {
  const features = Number.parseInt(hex, 16)
  return !Number.isNaN(features) && (features & (1 << 11)) !== 0
}

export interface XenRuntime {
  hypervisorType: string | null
  running: boolean
  dom0: boolean
}

/**
 * Whether this kernel runs on Xen and as dom0. /proc/xen/capabilities appears only once xenfs is mounted,
 * so the world-readable /sys/hypervisor flags are checked too (start_flags since Linux 6.3).
 */
export function detectXenRuntime(files: HostFiles): XenRuntime {
  const hypervisorType = files.value('/sys/hypervisor/type') || null
  const running = hypervisorType === 'xen'
  const dom0 =
    running &&
    ((files.read('/proc/xen/capabilities') ?? '').includes('control_d') ||
      files.value('/sys/hypervisor/start_flags/initdomain') === '1' ||
      featuresSayDom0(files.value('/sys/hypervisor/properties/features') ?? ''))
  return {hypervisorType, running, dom0}
}

/** The Xen services the facts look for, per init system: a profile may only enable these (see distros/profile.ts). */
export const xenServicesByInit: Record<InitSystem, string[]> = {
  // Upstream units, SUSE's xencommons/xen-dom0-modules, Debian's xen/xendomains (init scripts or units).
  systemd: [
    'proc-xen.mount',
    'xen',
    'xencommons',
    'xen-dom0-modules',
    'xenstored',
    'xenconsoled',
    'xen-init-dom0',
    'xen-qemu-dom0-disk-backend',
    'xendomains',
    'xen-watchdog',
  ],
  // Alpine (xenqemu) and Gentoo (xencommons, xenqemudev).
  openrc: ['xencommons', 'xenstored', 'xenconsoled', 'xenqemu', 'xenqemudev', 'xendomains', 'xen-watchdog'],
  sysv: ['xen', 'xencommons', 'xendomains', 'xen-watchdog'],
  unknown: [],
}

/** Packages whose version is the hypervisor's, per packaging (Debian's is versioned in the name). */
const hypervisorPackage = /^(xen-hypervisor-\d.*|xen-hypervisor|xen|app-emulation\/xen)$/
const hypervisorImage = /^xen(-\d[^/]*)?\.(gz|efi)$/

export interface XenInputs {
  runtime: XenRuntime
  mounts: Mount[]
  network: NetworkFacts
  packages: PackageFacts
  services: ServiceFiles
}

export function collectXen(files: HostFiles, inputs: XenInputs): XenFacts {
  const {runtime, mounts, network, packages, services} = inputs
  // SUSE and Gentoo add xen.gz, xen-4.gz, xen-4.18.gz as links to the one real image: not extra versions.
  const images = files.list('/boot').filter((name) => hypervisorImage.test(name) && files.readlink(`/boot/${name}`) === undefined)
  const candidates = packages.startingWith('xen', 'app-emulation/xen')
  const packageName = newest(Object.keys(candidates).filter((name) => hypervisorPackage.test(name)))
  const imageVersion = newest(
    images.map((name) => /^xen-(\d+\.\d+(?:\.\d+)?)/.exec(name)?.[1]).filter((version) => version !== undefined),
  )

  const xlConf = parseXlConfig(files.read('/etc/xen/xl.conf') ?? '')
  const bridge = defaultBridge(xlConf)
  const xenbr0 = network.interfaces.find((iface) => iface.name === 'xenbr0' && iface.isBridge)
  const major = files.value('/sys/hypervisor/version/major')
  const minor = files.value('/sys/hypervisor/version/minor')
  // Saved at each Xen boot: when not running Xen now, it describes an earlier boot.
  const bootLog = runtime.running ? files.read('/var/log/xen/xen-boot.log') : undefined

  return {
    installed: images.length > 0 || packageName !== undefined,
    toolsInstalled: ['/usr/sbin/xl', '/usr/bin/xl', '/sbin/xl'].some((path) => files.present(path)),
    version: packageName ? candidates[packageName] : (imageVersion ?? null),
    images,
    runningVersion: runtime.running && major && minor ? `${major}.${minor}${files.value('/sys/hypervisor/version/extra') ?? ''}` : null,
    running: runtime.running,
    dom0: runtime.dom0,
    guestType: runtime.running ? (files.value('/sys/hypervisor/guest_type') ?? null) : null,
    capabilities: (files.value('/sys/hypervisor/properties/capabilities') ?? '').split(/\s+/).filter(Boolean),
    xenfsMounted: mounts.some((mount) => mount.fstype === 'xenfs' && mount.target === '/proc/xen'),
    daemons: runtime.running ? runningDaemons(files) : [],
    services: Object.fromEntries(
      xenServicesByInit[services.init]
        .map((name) => [name, services.isInstalled(name), services.isEnabled(name)] as const)
        .filter(([, installed, enabled]) => installed || enabled)
        .map(([name, , enabled]) => [name, enabled]),
    ),
    xenbr0: {present: xenbr0 !== undefined, ports: xenbr0?.ports ?? []},
    defaultBridge: bridge,
    autoballoon: parseAutoballoon(xlConf.autoballoon),
    commandLine: bootLog === undefined ? null : xenCommandLineFromLog(bootLog),
    obsoleteXendRules: files.present('/etc/udev/rules.d/xend.rules') || files.present('/etc/udev/xend.rules'),
    guestConfigs: collectGuestConfigs(files, bridge),
    guestTools: collectGuestTools(files),
  }
}

/** The highest by numeric-aware comparison ("xen-hypervisor-4.20" over "xen-hypervisor-4.9"). */
function newest(names: string[]): string | undefined {
  return names.sort(naturalOrder).at(-1)
}

/** The Xen daemons a dom0 needs; oxenstored is the OCaml xenstored Debian prefers when installed. */
const XEN_DAEMONS = new Set(['xenstored', 'oxenstored', 'xenconsoled'])

/**
 * Which Xen daemons run now, from /proc/<pid>/comm: whether a unit is enabled says nothing about
 * whether it started (SUSE's xencommons pulls in units that are not enabled themselves).
 */
export function runningDaemons(files: HostFiles): string[] {
  const found = new Set<string>()
  for (const pid of files.list('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const comm = files.value(`/proc/${pid}/comm`)
    if (comm && XEN_DAEMONS.has(comm)) found.add(comm)
  }
  return [...found].sort()
}
