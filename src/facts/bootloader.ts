import type {HostFiles} from './files.js'
import {parseShellAssignments} from '../formats/shell.js'
import type {BootloaderKind} from './types.js'

const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
/** systemd's boot loader interface: set by systemd-boot (and loaders implementing it) for the running boot. */
const LOADER_INFO = '/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'

const GRUB_CONFIGS = [
  {path: '/boot/grub/grub.cfg', kind: 'grub'},
  {path: '/boot/grub2/grub.cfg', kind: 'grub2'},
] as const
const SYSTEMD_BOOT_CONFIGS = ['/boot/loader/loader.conf', '/boot/efi/loader/loader.conf', '/efi/loader/loader.conf']
const EXTLINUX_CONFIGS = ['/boot/extlinux.conf', '/boot/extlinux/extlinux.conf', '/boot/syslinux/syslinux.cfg']

export interface BootloaderFinding {
  kind: BootloaderKind
  /** Why xensetup thinks so: the EFI variable, setting or file it went by. */
  evidence: string
  /** Every boot loader whose configuration is on the disk; more than one with no deciding evidence is "unknown". */
  candidates: BootloaderKind[]
  /** The GRUB and extlinux configurations found, for reading their menus. */
  grubCfg?: string
  extlinuxConf?: string
}

/** UTF-16LE text up to its NUL, from `at`; returns the text and the offset after the NUL. */
function utf16z(bytes: Buffer, at: number): {text: string; end: number} {
  let end = at
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2
  return {text: bytes.subarray(at, end).toString('utf16le'), end: end + 2}
}

/** An efivarfs file holding a UTF-16 string (after its 4 attribute bytes). */
export function parseEfiString(bytes: Buffer): string | null {
  return bytes.length < 6 ? null : utf16z(bytes, 4).text
}

/**
 * An efivarfs Boot#### file (4 attribute bytes, then an EFI_LOAD_OPTION): its description and the file
 * path of its media file-path node (type 4, subtype 4), e.g. \EFI\debian\shimx64.efi.
 */
export function parseLoadOption(bytes: Buffer): {description: string; path: string | null} | null {
  if (bytes.length < 10) return null
  const pathListLength = bytes.readUInt16LE(8)
  const {text: description, end} = utf16z(bytes, 10)
  let at = end
  const stop = Math.min(bytes.length, end + pathListLength)
  while (at + 4 <= stop) {
    const type = bytes[at]
    const subtype = bytes[at + 1]
    const length = bytes.readUInt16LE(at + 2)
    if (type === 0x7f || length < 4) break
    if (type === 0x04 && subtype === 0x04) return {description, path: utf16z(bytes.subarray(0, at + length), at + 4).text}
    at += length
  }
  return {description, path: null}
}

/** The loader a firmware boot entry's file is, by the names distributions install them under. */
function loaderOfEfiFile(path: string): BootloaderKind | undefined {
  const name = path.toLowerCase()
  if (name.includes('systemd-boot')) return 'systemd-boot'
  if (/\\(grub|shim)[a-z0-9]*\.efi$/.test(name)) return 'grub'
  return undefined
}

/**
 * Which boot loader the machine boots with, from the strongest evidence there is: the running boot's EFI
 * variables (live UEFI hosts), SUSE's LOADER_TYPE, then the loader configurations on the disk. A GRUB or
 * systemd-boot package being installed says nothing: Arch installs both and boots one.
 */
export function detectBootloader(files: HostFiles, firmware: 'bios' | 'uefi'): BootloaderFinding {
  const grub = GRUB_CONFIGS.find((candidate) => files.exists(candidate.path))
  const systemdBoot = SYSTEMD_BOOT_CONFIGS.find((candidate) => files.exists(candidate))
  const extlinux = EXTLINUX_CONFIGS.find((candidate) => files.exists(candidate))
  const candidates: BootloaderKind[] = [...(grub ? [grub.kind] : []), ...(systemdBoot ? ['systemd-boot' as const] : []), ...(extlinux ? ['extlinux' as const] : [])]
  const grubKind = grub?.kind ?? 'grub'
  const found = (kind: BootloaderKind, evidence: string): BootloaderFinding => ({kind, evidence, candidates, grubCfg: grub?.path, extlinuxConf: extlinux})

  if (firmware === 'uefi') {
    const info = files.bytes(LOADER_INFO, 512)
    const loaderInfo = info && parseEfiString(info)
    if (loaderInfo && /^systemd-boot/i.test(loaderInfo)) return found('systemd-boot', `the running boot's LoaderInfo EFI variable says "${loaderInfo}"`)
    const current = files.bytes(`/sys/firmware/efi/efivars/BootCurrent-${EFI_GLOBAL}`, 16)
    if (current && current.length >= 6) {
      const entry = `Boot${current.readUInt16LE(4).toString(16).toUpperCase().padStart(4, '0')}`
      const option = files.bytes(`/sys/firmware/efi/efivars/${entry}-${EFI_GLOBAL}`, 4096)
      const load = option && parseLoadOption(option)
      const kind = load?.path ? loaderOfEfiFile(load.path) : undefined
      if (load?.path && kind === 'systemd-boot') return found(kind, `the firmware booted ${entry} "${load.description}" (${load.path})`)
      // Behind shim, SUSE's GRUB2-BLS and systemd-boot are grub.efi too: LOADER_TYPE tells them apart.
      if (load?.path && kind === 'grub') {
        const suse = suseLoaderType(files)
        const shimmed: BootloaderKind = suse === 'grub2-bls' ? 'grub2-bls' : suse === 'systemd-boot' ? 'systemd-boot' : grubKind
        return found(shimmed, `the firmware booted ${entry} "${load.description}" (${load.path})${shimmed === grubKind ? '' : ` and LOADER_TYPE="${suse}"`}`)
      }
    }
  }

  const loaderType = suseLoaderType(files)
  if (loaderType) {
    const kind: BootloaderKind | undefined =
      loaderType === 'grub2-bls' ? 'grub2-bls' : loaderType === 'systemd-boot' ? 'systemd-boot' : loaderType.startsWith('grub2') ? 'grub2' : undefined
    if (kind) return found(kind, `LOADER_TYPE="${loaderType}" in /etc/sysconfig/bootloader`)
  }
  if (candidates.length > 1) {
    return found('unknown', `found configurations for ${candidates.join(' and ')} (${[grub?.path, systemdBoot, extlinux].filter(Boolean).join(', ')}) and nothing that says which one the firmware starts`)
  }
  if (grub) return found(grub.kind, `${grub.path} exists`)
  if (systemdBoot) return found('systemd-boot', `${systemdBoot} exists`)
  if (extlinux) return found('extlinux', `${extlinux} exists`)
  return found('unknown', `no ${[GRUB_CONFIGS[0].path, GRUB_CONFIGS[1].path, ...SYSTEMD_BOOT_CONFIGS, ...EXTLINUX_CONFIGS].join(', ')}`)
}

/** SUSE's YaST and sdbootutil record the installed boot loader: grub2, grub2-efi, grub2-bls, systemd-boot, none. */
function suseLoaderType(files: HostFiles): string | undefined {
  const text = files.read('/etc/sysconfig/bootloader')
  return text === undefined ? undefined : parseShellAssignments(text, {}).LOADER_TYPE || undefined
}
