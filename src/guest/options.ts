import {EXIT, UserError} from '../errors.js'
import {filesDeclaringBridge} from '../facts/guests.js'
import {HostFiles} from '../facts/files.js'
import type {Facts} from '../facts/types.js'
import {IMAGE_MAGIC_BYTES, imageFormat} from '../formats/image-format.js'
import type {VgLayout} from '../formats/lvm-vg.js'
import {isUnicast, parseMac, XEN_OUI} from '../formats/mac.js'
import {macForName} from './mac.js'
import {parseMiB} from '../formats/xen-command-line.js'
import {xlQuotable} from '../formats/xlcfg.js'
import type {Host} from '../host/host.js'
import {configPath, type GuestBoot, type GuestDiskSpec, type GuestSpec, type GuestType} from './spec.js'
import type {VirtCaps} from './virt-caps.js'

export interface GuestCreateFlags {
  type?: string
  memory: string
  vcpus: number
  disk?: string
  'disk-path'?: string
  vg: string
  iso?: string
  kernel?: string
  ramdisk?: string
  extra?: string
  bootloader?: string
  bridge: string
  mac?: string
  vnc: boolean
  'vnc-listen'?: string
  'vnc-password'?: string
  nested: boolean
  'hide-hypervisor': boolean
  autostart: boolean
  start: boolean
}

/** What the flags are checked against: the target's facts, its volume group and what the CPU and Xen offer. */
export interface GuestEnvironment {
  host: Host
  facts: Facts
  /** The volume group named by --vg, from its metadata; null when there is none. */
  vg: VgLayout | null
  /** RAM guests can have at most: the host's total (from Xen in a dom0); null when unknown. */
  hostMemoryMiB: number | null
  virt: VirtCaps
}

/** xl reads a numeric name as a domain id; LVM and file names need the rest of the rule. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/
const MIN_MEMORY_MIB = 32
/** libxl's limit for HVM guests; more vCPUs than that need a special config. */
const MAX_VCPUS = 128
/** VNC's password authentication uses the first 8 characters only: a longer one gives false comfort. */
const MAX_VNC_PASSWORD = 8

export function checkGuestName(name: string): void {
  if (!NAME.test(name) || /^\d+$/.test(name) || /^Domain-/i.test(name)) {
    throw new UserError(
      `guest name "${name}" is not usable`,
      'use letters, digits, ".", "_" and "-" (at most 63, starting with a letter or digit, not only digits, not Domain-*)',
    )
  }
}

/** The flags as one guest: every refusal is one line with a hint, before anything is planned. */
export function resolveGuestSpec(name: string, flags: GuestCreateFlags, env: GuestEnvironment): GuestSpec {
  checkGuestName(name)
  checkWritable(flags)
  const source = bootSource(flags)
  const {type, reason} = chooseType(flags, source, env.virt)
  const memoryMiB = memory(flags.memory, env.hostMemoryMiB)
  if (!Number.isInteger(flags.vcpus) || flags.vcpus < 1 || flags.vcpus > MAX_VCPUS) {
    throw new UserError(`--vcpus ${flags.vcpus} is out of range`, `give 1 to ${MAX_VCPUS}`)
  }
  const disk = diskSpec(name, flags, env)
  const boot = bootFor(type, source, flags, env)
  if (type === 'hvm' && boot.kind === 'disk' && disk === null) {
    throw new UserError('an HVM guest needs something to boot from', 'give --iso FILE to install from, or --disk/--disk-path for a disk that boots')
  }
  const vnc = vncFor(type, flags)
  checkNested(type, flags, env.virt)
  if (flags['hide-hypervisor'] && type !== 'hvm') {
    throw new UserError(`--hide-hypervisor is for HVM guests, not ${type}`, 'it masks the CPUID hypervisor bit a nested hypervisor (VMware, Hyper-V) checks: use --type hvm')
  }
  if (flags.start && !env.host.isLive) {
    throw new UserError('--start runs the guest on this machine, but the target is --root ' + env.host.root, 'drop --start; start it with `xensetup guest start` once the target boots as dom0')
  }
  if (flags.start && !env.facts.xen.dom0) {
    throw new UserError('--start needs a running Xen dom0, and this machine is not one now', 'reboot into Xen first (`xensetup doctor` says why not), or drop --start')
  }
  return {
    name,
    type,
    typeReason: reason,
    memoryMiB,
    vcpus: flags.vcpus,
    disk,
    boot,
    bridge: bridge(flags.bridge, env),
    mac: mac(name, flags.mac, env.facts),
    vnc,
    nested: flags.nested,
    hideHypervisor: flags['hide-hypervisor'],
    autostart: flags.autostart,
    start: flags.start,
  }
}

/** Values that land in the config must read back as written: no quotes, backslashes or control characters. */
function checkWritable(flags: GuestCreateFlags): void {
  for (const flag of ['iso', 'kernel', 'ramdisk', 'extra', 'disk-path', 'vnc-password'] as const) {
    const value = flags[flag]
    if (value !== undefined && !xlQuotable(value)) {
      throw new UserError(`--${flag} holds a quote, backslash or control character`, 'xl configs cannot carry those portably: leave them out (rename a file whose name has them)')
    }
  }
  if (flags['vnc-password']?.includes(',')) throw new UserError('--vnc-password holds a comma', 'the framebuffer spec separates its settings with commas: choose a password without one')
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(flags.bridge)) throw new UserError(`--bridge ${flags.bridge} is not an interface name`, 'give the bridge\'s name as `ip link` shows it (at most 15 characters)')
  const listen = flags['vnc-listen']
  if (listen !== undefined && !isIpAddress(listen) && listen !== 'localhost') {
    throw new UserError(`--vnc-listen ${listen} is not an IP address`, 'give 127.0.0.1 (the default), or the dom0 address to listen on')
  }
}

function isIpAddress(text: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(text) ? text.split('.').every((octet) => Number(octet) <= 255) : /^[0-9a-f:]+$/i.test(text) && text.includes(':')
}

type BootSource = 'iso' | 'kernel' | 'bootloader' | 'none'

function bootSource(flags: GuestCreateFlags): BootSource {
  const given = [flags.iso && '--iso', flags.kernel && '--kernel', flags.bootloader && '--bootloader'].filter(Boolean)
  if (given.length > 1) throw new UserError(`${given.join(' and ')} exclude each other`, 'give one way to boot: an installer ISO (HVM), a kernel (direct boot) or a boot loader (PV)')
  if (flags.ramdisk && !flags.kernel) throw new UserError('--ramdisk needs --kernel', 'the ramdisk (initrd) is loaded with a kernel given by --kernel')
  if (flags.extra && !flags.kernel && flags.bootloader !== 'pygrub') throw new UserError('--extra needs --kernel or --bootloader pygrub', 'it is the kernel command line of a directly booted kernel')
  return flags.iso ? 'iso' : flags.kernel ? 'kernel' : flags.bootloader ? 'bootloader' : 'none'
}

function chooseType(flags: GuestCreateFlags, source: BootSource, virt: VirtCaps): {type: GuestType; reason: string} {
  if (flags.type !== undefined) {
    const type = flags.type as GuestType
    if (source === 'iso' && type !== 'hvm') throw new UserError(`--iso boots an installer as HVM, not ${type}`, 'drop --type or give --type hvm; PV guests install from --kernel/--ramdisk')
    if (source === 'bootloader' && type !== 'pv') throw new UserError(`--bootloader is for PV guests, not ${type}`, 'use --type pv, or boot a PVH guest with --kernel')
    if (type !== 'pv' && virt.hvm === false) {
      throw new UserError(`--type ${type} needs VT-x/AMD-V, which ${virt.source} does not offer`, 'use --type pv, or enable VT-x/AMD-V in the firmware', EXIT.unsupported)
    }
    return {type, reason: `--type ${type}`}
  }
  if (flags.nested) return {type: 'hvm', reason: '--nested: a nested hypervisor runs as an HVM guest'}
  if (source === 'iso') return {type: 'hvm', reason: '--iso: an installer medium boots as HVM (BIOS and CD-ROM emulated)'}
  if (source === 'kernel' && virt.hvm === true) return {type: 'pvh', reason: `--kernel on a CPU with VT-x/AMD-V (${virt.source}): PVH, PV's faster successor; give --type pv for a kernel without PVH support`}
  if (source === 'kernel') return {type: 'pv', reason: `--kernel: PV direct boot (${virt.hvm === false ? 'no VT-x/AMD-V for PVH' : 'VT-x/AMD-V unknown here, so not PVH'})`}
  return {type: 'pv', reason: 'no --iso or --kernel: PV, booting the kernel in the guest\'s own /boot'}
}

function memory(value: string, hostMiB: number | null): number {
  const mib = parseMiB(value)
  if (mib === null) throw new UserError(`--memory ${value} is not a size`, 'write it as e.g. 512M or 2G')
  if (mib < MIN_MEMORY_MIB) throw new UserError(`--memory ${value} is below ${MIN_MEMORY_MIB}M`, `give at least ${MIN_MEMORY_MIB}M; 512M and more is usual`)
  if (hostMiB !== null && mib >= hostMiB) {
    throw new UserError(`--memory ${value} is not less than the host's ${hostMiB} MiB of RAM`, 'give the guest less memory than the host has (dom0 and Xen need some)')
  }
  return mib
}

function diskSpec(name: string, flags: GuestCreateFlags, env: GuestEnvironment): GuestDiskSpec | null {
  if (flags.disk !== undefined && flags['disk-path'] !== undefined) {
    throw new UserError('--disk and --disk-path exclude each other', '--disk SIZE creates a logical volume; --disk-path PATH uses a device or image you have')
  }
  if (flags['disk-path'] !== undefined) return existingDisk(flags['disk-path'], env.host)
  if (flags.disk === undefined) return null
  const sizeMiB = parseMiB(flags.disk)
  if (sizeMiB === null || sizeMiB === 0) throw new UserError(`--disk ${flags.disk} is not a size`, 'write it as e.g. 20G or 512M')
  const vg = env.vg
  if (vg === null) {
    throw new UserError(`volume group ${flags.vg} does not exist`, `create it with \`xensetup init --vg-device DEVICE --vg-name ${flags.vg}\`, name another with --vg, or use --disk-path`)
  }
  const lv = `${name}-disk`
  const extents = Math.ceil(sizeMiB / vg.extentMiB)
  const existing = vg.lvs.get(lv)
  if (existing !== undefined && existing !== extents) {
    throw new UserError(
      `logical volume ${vg.name}/${lv} exists with ${existing * vg.extentMiB}M, not ${extents * vg.extentMiB}M`,
      `xensetup does not resize disks: give --disk ${existing * vg.extentMiB}M to keep it, or resize it yourself (lvextend) first`,
      EXIT.refused,
    )
  }
  if (existing === undefined && extents > vg.freeExtents) {
    throw new UserError(`--disk ${flags.disk} is more than the ${vg.freeExtents * vg.extentMiB}M free in ${vg.name}`, `give at most ${vg.freeExtents * vg.extentMiB}M, or add a disk to ${vg.name} (vgextend)`)
  }
  return {kind: 'lv', vg: vg.name, lv, sizeMiB: extents * vg.extentMiB, device: `/dev/${vg.name}/${lv}`}
}

/** A block device is handed over as phy:, an image file by the format its first bytes show. */
function existingDisk(path: string, host: Host): GuestDiskSpec {
  const kind = fileKind(host, path, '--disk-path')
  if (kind === 'block') return {kind: 'path', path, format: 'raw', block: true}
  if (kind !== 'file') throw new UserError(`--disk-path ${path} is not a block device or an image file`, 'give a logical volume, a partition or a disk image file')
  return {kind: 'path', path, format: imageFormat(host.head(path, IMAGE_MAGIC_BYTES)), block: false}
}

function bootFor(type: GuestType, source: BootSource, flags: GuestCreateFlags, env: GuestEnvironment): GuestBoot {
  if (source === 'iso') {
    requireFile(env.host, flags.iso as string, '--iso')
    return {kind: 'iso', iso: flags.iso as string}
  }
  if (source === 'kernel') {
    requireFile(env.host, flags.kernel as string, '--kernel')
    if (flags.ramdisk) requireFile(env.host, flags.ramdisk, '--ramdisk')
    return {kind: 'kernel', kernel: flags.kernel as string, ramdisk: flags.ramdisk ?? null, extra: flags.extra ?? null}
  }
  if (type === 'hvm') return {kind: 'disk'}
  if (type === 'pvh') throw new UserError('a PVH guest needs --kernel', 'give --kernel (and --ramdisk), or use --type pv to boot from the guest\'s own /boot')
  const tools = env.facts.xen.guestTools
  const wanted = flags.bootloader ?? (tools.pygrub ? 'pygrub' : tools.pvgrub2 ? 'pvgrub2' : 'pygrub')
  if (wanted === 'pygrub') {
    if (!tools.pygrub) {
      throw new UserError('pygrub is not installed with this Xen', tools.pvgrub2 ? 'use --bootloader pvgrub2' : 'install pvgrub2 (Debian: grub-xen-host) and use --bootloader pvgrub2, or give --kernel')
    }
    return {kind: 'pygrub', extra: flags.extra ?? null}
  }
  if (!tools.pvgrub2) throw new UserError('pvgrub2 is not installed', 'install it (Debian: grub-xen-host), use --bootloader pygrub, or give --kernel')
  return {kind: 'pvgrub2', image: tools.pvgrub2}
}

function vncFor(type: GuestType, flags: GuestCreateFlags): GuestSpec['vnc'] {
  const listen = flags['vnc-listen']
  const password = flags['vnc-password'] ?? null
  if (!flags.vnc && listen === undefined) {
    if (password !== null) throw new UserError('--vnc-password without --vnc', 'add --vnc (local) or --vnc-listen ADDR')
    return null
  }
  if (type === 'pvh') throw new UserError('a PVH guest has no graphical console', 'use `xensetup guest console` (its text console), or --type hvm')
  if (password !== null && (password.length === 0 || password.length > MAX_VNC_PASSWORD)) {
    throw new UserError(`--vnc-password must be 1 to ${MAX_VNC_PASSWORD} characters`, `VNC authentication uses the first ${MAX_VNC_PASSWORD} characters only`)
  }
  const address = listen ?? '127.0.0.1'
  if (!isLoopback(address) && password === null) {
    throw new UserError(
      `--vnc-listen ${address} without --vnc-password would let anyone who reaches it take over the guest's console`,
      'add --vnc-password, or keep VNC on 127.0.0.1 and reach it through `ssh -L 5900:127.0.0.1:5900 dom0`',
      EXIT.refused,
    )
  }
  return {listen: address, password}
}

function isLoopback(address: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1' || address === 'localhost'
}

/**
 * Nested HVM needs VT-x/AMD-V and HAP (EPT/NPT) in Xen; without them `xl create` fails with only
 * "cannot make domain: -3". Refused when known missing; unknown (a --root image) is left to doctor.
 */
function checkNested(type: GuestType, flags: GuestCreateFlags, virt: VirtCaps): void {
  if (!flags.nested) return
  if (type !== 'hvm') throw new UserError(`--nested is for HVM guests, not ${type}`, 'a nested hypervisor runs as HVM: use --type hvm (or drop --type)')
  const missing = [virt.hvm === false && 'VT-x/AMD-V', virt.hap === false && 'HAP (Intel EPT / AMD NPT)'].filter(Boolean)
  if (missing.length > 0) {
    throw new UserError(
      `--nested needs ${missing.join(' and ')}, which ${virt.source} does not offer: xl create would fail with "cannot make domain: -3"`,
      'run on a CPU with EPT/NPT (under another hypervisor: expose VT-x/AMD-V and EPT/NPT to this VM), or drop --nested',
      EXIT.unsupported,
    )
  }
}

function bridge(name: string, env: GuestEnvironment): string {
  if (env.facts.network.bridges.includes(name)) return name
  if (filesDeclaringBridge(new HostFiles(env.host), name).length > 0) return name
  throw new UserError(`bridge ${name} does not exist and no network configuration declares it`, name === 'xenbr0' ? 'run `xensetup init` (its bridge step makes xenbr0), or name another bridge with --bridge' : 'create it, or name an existing bridge with --bridge')
}

/** The given MAC, or one made from the name; either must be unicast and not another guest's. */
function mac(name: string, given: string | undefined, facts: Facts): string {
  const others = facts.xen.guestConfigs.filter((config) => config.path !== configPath(name))
  // xl also reads 00-16-3e-.. (any separator): compared as parseMac writes them.
  const taken = new Map(others.flatMap((config) => config.vifs.flatMap((vif) => (vif.mac ? [[parseMac(vif.mac) ?? vif.mac, config.name ?? config.path] as const] : []))))
  if (given === undefined) return macForName(name, new Set(taken.keys()))
  const parsed = parseMac(given)
  if (parsed === null || !isUnicast(parsed)) {
    throw new UserError(`--mac ${given} is not a unicast MAC address`, `write six hex octets with an even first octet, e.g. ${XEN_OUI}:12:34:56 (the Xen OUI), or leave it out`)
  }
  const owner = taken.get(parsed)
  if (owner !== undefined) throw new UserError(`--mac ${parsed} is already guest ${owner}'s`, 'two NICs with one MAC on a bridge steal each other\'s traffic: leave --mac out for a unique one')
  return parsed
}

function requireFile(host: Host, path: string, flag: string): void {
  if (fileKind(host, path, flag) !== 'file') throw new UserError(`${flag} ${path} is not a file`, `give the path of the ${flag.slice(2)} file in dom0`)
}

function fileKind(host: Host, path: string, flag: string): 'file' | 'block' | 'other' {
  if (!path.startsWith('/')) throw new UserError(`${flag} ${path} is not an absolute path`, 'xl resolves paths in dom0: give the full path')
  const kind = host.kind(path)
  if (kind === undefined) throw new UserError(`${flag} ${host.display(path)} does not exist`, 'check the path (it is read in dom0, inside --root when given)')
  return kind === 'file' || kind === 'block' ? kind : 'other'
}
