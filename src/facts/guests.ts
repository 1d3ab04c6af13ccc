import {type LvmSection, parseLvmText} from '../formats/lvm-text.js'
import {type VgLayout, vgLayout} from '../formats/lvm-vg.js'
import {literal} from '../formats/regexp.js'
import {parseDiskSpec} from '../formats/xl-disk.js'
import {type XlValue, parseDeviceSpec, parseXlConfig} from '../formats/xlcfg.js'
import type {HostFiles} from './files.js'
import {DEFAULT_LVM_SYSTEM_DIR, lvmBackupDirectory} from './lvm.js'
import type {GuestConfig, GuestTools} from './types.js'

export const XEN_CONFIG_DIR = '/etc/xen'
/** Where xendomains looks for the guests it starts at boot (Debian, Fedora, SUSE, upstream's default). */
export const AUTOSTART_DIR = '/etc/xen/auto'
const LIBXL_DEFAULT_BRIDGE = 'xenbr0'
/** libxl's default for HVM guests: VNC on, listening on localhost. */
const LIBXL_DEFAULT_VNC_LISTEN = '127.0.0.1'

/** A guest config (xl.cfg(5)) reduced to what doctor and `guest list` look at. */
export function describeGuestConfig(path: string, settings: Record<string, XlValue>, defaultBridge: string, autostart = false): GuestConfig {
  // Which of its files exist is known only against a host: collectGuestConfigs fills `missing`.
  const text = (key: string) => (typeof settings[key] === 'string' ? (settings[key] as string) : undefined)
  const number = (key: string) => (typeof settings[key] === 'number' ? (settings[key] as number) : null)
  const flag = (key: string) => (settings[key] === undefined ? null : settings[key] === 1 || settings[key] === '1' || settings[key] === 'true')
  const list = (key: string) => {
    const value = settings[key]
    return Array.isArray(value) ? value.map(String) : []
  }
  const type = text('type') === 'hvm' || text('builder') === 'hvm' ? 'hvm' : text('type') === 'pvh' ? 'pvh' : 'pv'
  const vifs = list('vif').map((spec) => {
    const fields = parseDeviceSpec(spec)
    return {mac: fields.mac ? fields.mac.toLowerCase() : null, bridge: fields.bridge || defaultBridge}
  })

  let vnc: GuestConfig['vnc'] = {enabled: false, listen: null, hasPassword: false}
  if (type === 'hvm') {
    const enabled = settings.vnc !== 0 && settings.vnc !== '0' && settings.nographic !== 1 && settings.nographic !== '1'
    vnc = {enabled, listen: enabled ? (text('vnclisten') ?? LIBXL_DEFAULT_VNC_LISTEN) : null, hasPassword: enabled && Boolean(text('vncpasswd'))}
  } else {
    // PV framebuffers are `vfb = ['vnc=1,vnclisten=...,vncpasswd=...']`.
    const framebuffer = list('vfb').map(parseDeviceSpec).find((fields) => fields.vnc === '1')
    if (framebuffer) {
      vnc = {enabled: true, listen: framebuffer.vnclisten || LIBXL_DEFAULT_VNC_LISTEN, hasPassword: Boolean(framebuffer.vncpasswd)}
    }
  }
  return {
    path,
    name: text('name') ?? null,
    type,
    memoryMiB: number('memory'),
    maxMemoryMiB: number('maxmem'),
    vcpus: number('vcpus'),
    disks: list('disk').map(parseDiskSpec),
    vifs,
    bridges: [...new Set(vifs.map((vif) => vif.bridge))],
    vnc,
    kernel: text('kernel') ?? null,
    ramdisk: text('ramdisk') ?? null,
    bootloader: text('bootloader') ?? null,
    nested: flag('nestedhvm') === true,
    hap: flag('hap'),
    autostart,
    missing: [],
  }
}

/** The bridge a vif without `bridge=` joins: xl.conf's vif.default.bridge, else libxl's xenbr0. */
export function defaultBridge(xlConf: Record<string, XlValue>): string {
  const configured = xlConf['vif.default.bridge']
  return typeof configured === 'string' ? configured : LIBXL_DEFAULT_BRIDGE
}

/**
 * The guest configs in /etc/xen: every guest config names its domain, other .cfg files (Arch's
 * efi-xen.cfg) don't. A config linked (or copied) into /etc/xen/auto is started by xendomains at boot.
 */
export function collectGuestConfigs(files: HostFiles, defaultBridge: string): GuestConfig[] {
  const autostarted = new Set(files.list(AUTOSTART_DIR).map((name) => autostartTarget(files, name)))
  const volumes = new LogicalVolumes(files)
  return files
    .list(XEN_CONFIG_DIR)
    .filter((name) => name.endsWith('.cfg'))
    .map((name) => ({path: `${XEN_CONFIG_DIR}/${name}`, settings: parseXlConfig(files.read(`${XEN_CONFIG_DIR}/${name}`) ?? '')}))
    .filter(({settings}) => typeof settings.name === 'string')
    .map(({path, settings}) => {
      const config = describeGuestConfig(path, settings, defaultBridge, autostarted.has(path))
      return {...config, missing: missingFiles(config, files, volumes)}
    })
}

/** The guest configs as xl reads them, with xl.conf's default bridge: what guest commands read without every fact. */
export function readGuestConfigs(files: HostFiles): GuestConfig[] {
  return collectGuestConfigs(files, defaultBridge(parseXlConfig(files.read(`${XEN_CONFIG_DIR}/xl.conf`) ?? '')))
}

/**
 * The disks, ISOs, kernels and ramdisks a config names that are not there, so `xl create` would fail. A
 * /dev/VG/LV counts as there when LVM's metadata backup lists it (its node exists only while active, and
 * a --root image has no /dev of its own).
 */
function missingFiles(config: GuestConfig, files: HostFiles, volumes: LogicalVolumes): string[] {
  const paths = [config.kernel, config.ramdisk, ...config.disks.filter((disk) => disk.format !== 'empty').map((disk) => disk.target)]
  return paths.filter((path): path is string => path !== null && path.startsWith('/') && !files.present(path) && !volumes.has(path))
}

/**
 * Logical volumes by /dev/VG/LV path, from LVM's metadata backups (root-only: without root, none are
 * known); a config or backup LVM could not read either tells nothing.
 */
class LogicalVolumes {
  private readonly groups = new Map<string, VgLayout | undefined>()
  private directory: string | undefined

  constructor(private readonly files: HostFiles) {}

  has(path: string): boolean {
    const match = /^\/dev\/([^/]+)\/([^/]+)$/.exec(path)
    if (!match) return false
    const [, vg, lv] = match
    if (!this.groups.has(vg)) this.groups.set(vg, this.read(vg))
    return this.groups.get(vg)?.lvs.has(lv) ?? false
  }

  private read(vg: string): VgLayout | undefined {
    this.directory ??= lvmBackupDirectory(DEFAULT_LVM_SYSTEM_DIR, (file) => this.files.read(file), parseOrEmpty)
    const text = this.files.read(`${this.directory}/${vg}`)
    return text === undefined ? undefined : vgLayout(parseOrEmpty(text), vg)
  }
}

function parseOrEmpty(text: string): LvmSection {
  try {
    return parseLvmText(text)
  } catch {
    return {}
  }
}

/** The config an /etc/xen/auto entry stands for: where its link points, or the file of the same name. */
function autostartTarget(files: HostFiles, name: string): string {
  const link = files.readlink(`${AUTOSTART_DIR}/${name}`)
  if (link === undefined) return `${XEN_CONFIG_DIR}/${name}`
  return link.startsWith('/') ? link : `${AUTOSTART_DIR}/${link}`.replace(/\/auto\/\.\.\//, '/')
}

/**
 * PV boot loaders the toolstack can use: pygrub (a dom0 program reading the guest's /boot; Xen 4.x
 * keeps it in its libexec dir) and pvgrub2 (GRUB built as a PV kernel, Debian's grub-xen-host).
 */
export function collectGuestTools(files: HostFiles): GuestTools {
  const libexec = ['/usr/lib/xen/bin', '/usr/libexec/xen/bin', ...files.list('/usr/lib').filter((name) => /^xen-\d/.test(name)).map((name) => `/usr/lib/${name}/bin`)]
  const pygrub = [...libexec.map((dir) => `${dir}/pygrub`), '/usr/bin/pygrub'].find((path) => files.present(path)) ?? null
  const pvgrub2 = ['/usr/lib/grub-xen/grub-x86_64-xen.bin', '/usr/lib/grub/x86_64-xen/grub-x86_64-xen.bin', '/usr/lib/xen/boot/pv-grub2-x86_64.gz'].find((path) => files.present(path)) ?? null
  return {pygrub, pvgrub2}
}

/** Where each network stack declares bridges that come up at boot. */
const NETWORK_CONFIG_DIRS = ['/etc/network/interfaces.d', '/etc/netplan', '/etc/systemd/network', '/etc/NetworkManager/system-connections', '/etc/sysconfig/network', '/etc/conf.d']
const NETWORK_CONFIG_FILES = ['/etc/network/interfaces', '/etc/conf.d/net']

/**
 * A bridge that does not exist yet but is declared in the network configuration (init wrote xenbr0 and
 * the reboot into Xen brings it up): the files that name it as a whole word.
 */
export function filesDeclaringBridge(files: HostFiles, bridge: string): string[] {
  const word = new RegExp(`(^|[^\\w.-])${literal(bridge)}($|[^\\w.-])`, 'm')
  const candidates = [...NETWORK_CONFIG_FILES, ...NETWORK_CONFIG_DIRS.flatMap((dir) => files.list(dir).map((name) => `${dir}/${name}`))]
  return candidates.filter((path) => word.test(files.read(path) ?? ''))
}
