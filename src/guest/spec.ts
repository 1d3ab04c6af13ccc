import {XEN_CONFIG_DIR} from '../facts/guests.js'
import type {ImageFormat} from '../formats/image-format.js'

export type GuestType = 'pv' | 'pvh' | 'hvm'

/** The guest's disk: a logical volume xensetup creates, or a device or image the admin already has. */
export type GuestDiskSpec =
  | {kind: 'lv'; vg: string; lv: string; sizeMiB: number; device: string}
  | {kind: 'path'; path: string; format: ImageFormat; block: boolean}

/** How the guest finds its kernel. */
export type GuestBoot =
  | {kind: 'iso'; iso: string}
  | {kind: 'kernel'; kernel: string; ramdisk: string | null; extra: string | null}
  /** PV: pygrub reads the guest's own /boot from dom0; pvgrub2 is GRUB run as the guest's kernel. */
  | {kind: 'pygrub'; extra: string | null}
  | {kind: 'pvgrub2'; image: string}
  /** HVM from its disk's boot sector. */
  | {kind: 'disk'}

/** Everything `guest create` was asked for, validated against the target: what the config and steps are made of. */
export interface GuestSpec {
  name: string
  type: GuestType
  /** Why this type, for the plan ("--iso: an installer medium boots as HVM"). */
  typeReason: string
  memoryMiB: number
  vcpus: number
  disk: GuestDiskSpec | null
  boot: GuestBoot
  bridge: string
  mac: string
  vnc: {listen: string; password: string | null} | null
  nested: boolean
  hideHypervisor: boolean
  autostart: boolean
  start: boolean
}

export function configPath(name: string): string {
  return `${XEN_CONFIG_DIR}/${name}.cfg`
}
