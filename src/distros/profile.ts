import {readAsset} from '../assets.js'
import path from 'node:path'
import type {DistroFacts, DistroFamily, InitSystem} from '../facts/types.js'
import {type DefaultNetworkStack, validateProfileFile} from './validate.js'

/** How one distribution family installs, boots and starts Xen: data in distros/<family>.json. */
export interface DistroProfile {
  family: DistroFamily
  about: string
  /** argv prefix; package names are appended. */
  install: string[]
  /** Refreshes the package index before an install (apt's lists may be stale or absent). */
  refresh?: string[]
  packages: {xen: string[]; bridge: string[]; lvm: string[]}
  /**
   * Where the package database is no text file (rpm's sqlite): per package, files it installs whose
   * presence proves it installed (a `*` allowed in the last name). Every package named must have one.
   */
  installedWhen?: Record<string, string[]>
  /** Xen is not in the distro's repositories: it must be built and installed by the admin first. */
  prebuilt?: {package: string; hint: string}
  /**
   * How `uninstall --purge-packages` removes packages (names appended): `exact` removes just those named
   * (the journal lists every package xensetup's runs brought in), `withUnneeded` also what only they needed
   * (used with the profile's own list, when the journal has none).
   */
  purge: {exact: string[]; withUnneeded: string[]}
  boot: BootProfile
  services: {manager: 'systemd' | 'openrc'; enable: string[]}
  /** A file that, once installed, mounts /proc/xen on a Xen boot; null means xensetup adds an fstab line. */
  xenfs: {mountedBy: string | null}
  /**
   * What the distro's installer configures the network with, written by the bridge step under --root
   * when the target has no network tool at all (a minbase or container-made image), with its packages.
   */
  network?: {default: DefaultNetworkStack; packages: string[]}
}

export interface BootProfile {
  /** grub-dropin: Debian's /etc/default/grub.d beside xen.cfg; grub-default-file: a block in /etc/default/grub. */
  mechanism: 'grub-dropin' | 'grub-default-file'
  grubCfg: string
  mkconfig: string[]
  setDefault: string[]
  oneTime: string[]
  /** Clears grubenv's saved_entry: where GRUB_DEFAULT is not "saved", a saved Xen entry is only a leftover. */
  unsetDefault: string[]
  dropInDir?: string
  /**
   * Where the distro's 20_linux_xen looks for a kernel's config, when it differs from upstream's
   * (/boot/config-{version}, /etc/kernels/kernel-config-{version}); {version} is the image name after its
   * prefix (vmlinuz-lts: "lts"), a `*` allowed. Alpine's patched script finds config-<release>-<flavour>.
   */
  kernelConfigs?: string[]
  /** A sourced setting by which the distro's kernel updates reset the default entry, and the value that stops it. */
  kernelUpdateResets?: {file: string; variable: string; keep: string}
  /** Alpine's extlinux: Xen options and the default label live in update-extlinux's settings file. */
  extlinux?: {settings: string; config: string; update: string[]}
}

interface ProfileFile extends DistroProfile {
  variants?: Array<{match: {id?: string; versionId?: string; init?: InitSystem}} & Partial<Omit<DistroProfile, 'family'>>>
}

/** GRUB's environment block (saved_entry, next_entry), beside grub.cfg. */
export function grubenvPath(boot: Pick<BootProfile, 'grubCfg'>): string {
  return `${path.posix.dirname(boot.grubCfg)}/grubenv`
}

/** What a command that may run grub-mkconfig (a package's postinst, a purge) rewrites: grub.cfg and grubenv. */
export function grubFiles(boot: Pick<BootProfile, 'grubCfg'>): string[] {
  return [boot.grubCfg, grubenvPath(boot)]
}

/** Families `init` has a profile for; the rest are refused before anything is planned. */
export const PROFILED_FAMILIES: readonly DistroFamily[] = ['debian', 'fedora', 'suse', 'arch', 'alpine', 'gentoo']

/** Each family's file read and validated once per process: doctor's checks and init's steps ask often. */
const files = new Map<DistroFamily, ProfileFile>()

function profileFile(family: DistroFamily): ProfileFile {
  let data = files.get(family)
  if (data === undefined) {
    const parsed: unknown = JSON.parse(readAsset(`distros/${family}.json`))
    validateProfileFile(`distros/${family}.json`, parsed, family)
    data = parsed as ProfileFile
    files.set(family, data)
  }
  return data
}

/**
 * The profile for a distribution: its family's file with the first matching variant laid over it. The
 * init system matters where a family has both (Gentoo's OpenRC and systemd profiles).
 */
export function profileFor(distro: Pick<DistroFacts, 'family' | 'id' | 'versionId'>, init?: InitSystem): DistroProfile | undefined {
  if (!PROFILED_FAMILIES.includes(distro.family)) return undefined
  const {variants = [], ...base} = profileFile(distro.family)
  const variant = variants.find(
    ({match}) => (!match.id || match.id === distro.id) && (!match.versionId || match.versionId === distro.versionId) && (!match.init || match.init === init),
  )
  if (!variant) return base
  const {match: _match, ...overrides} = variant
  return {...base, ...overrides, packages: {...base.packages, ...overrides.packages}}
}
