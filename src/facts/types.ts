import type {Autoballoon} from '../formats/xlcfg.js'
import type {DiskSpec} from '../formats/xl-disk.js'

/**
 * What xensetup knows about a machine, gathered from files only (no processes), so `doctor` starts fast
 * and a directory tree can stand in for a machine in tests. Field names are relied on by checks and
 * automation; add fields, don't rename them.
 */
export interface Facts {
  distro: DistroFacts
  cpu: CpuFacts
  memory: MemoryFacts
  boot: BootFacts
  kernel: KernelFacts
  init: InitSystem
  network: NetworkFacts
  block: BlockFacts
  xen: XenFacts
  packages: PackageFacts
  /** A xensetup run holding the target, or what a killed one left. */
  run: RunStateFacts
  /** Paths that exist but could not be read (permissions): facts derived from them are incomplete. */
  unreadable: string[]
}

export type DistroFamily = 'debian' | 'fedora' | 'suse' | 'arch' | 'alpine' | 'gentoo' | 'rhel' | 'unknown'

export interface DistroFacts {
  id: string
  versionId: string | null
  name: string
  prettyName: string
  codename: string | null
  /** Space-separated ID_LIKE, split. */
  idLike: string[]
  family: DistroFamily
  /** Whether `xensetup init` can set Xen up here, per distros/support.json. */
  supported: boolean
  supportNote: string
}

export type CpuVendor = 'intel' | 'amd' | 'other'

export interface CpuFacts {
  vendor: CpuVendor
  model: string | null
  virtualization: 'vmx' | 'svm' | null
  slat: 'ept' | 'npt' | null
  /** The `lm` flag: x86-64 capable. Xen on x86 is 64-bit only. */
  longMode: boolean
  iommu: 'vt-d' | 'amd-vi' | null
  /** This OS is a guest of another hypervisor. False in a Xen dom0 even though cpuinfo has `hypervisor`. */
  underHypervisor: boolean
  /** Who runs the hypervisor under this kernel ("xen" in a dom0 too), when one is visible. */
  hypervisorVendor: string | null
  /** Distinct (physical id, core id) pairs; falls back to threads when cpuinfo has no topology. */
  cores: number
  /** `processor` entries in /proc/cpuinfo. */
  threads: number
  /** True in a dom0: cpuinfo then lists dom0's vCPUs and filtered flags, not the host's. */
  isDom0View: boolean
  /** True/false only when the kernel log says so or the flag is present; null when unknown. */
  vtDisabledByFirmware: boolean | null
}

export interface MemoryFacts {
  /** MemTotal from /proc/meminfo, MiB. In a dom0 this is dom0's allocation. */
  totalMiB: number
  /** In a dom0 /proc/meminfo shows dom0's memory; the host's total then needs `xl info`. */
  isDom0View: boolean
  /** Host RAM installed in MiB (sysfs memory blocks, else MemTotal), or null when only the dom0 view is visible. */
  hostTotalMiB: number | null
  recommendedDom0MiB: number | null
  /** Value for Xen's dom0_mem=, e.g. "2048M,max:2048M". */
  recommendedDom0Mem: string | null
  /** Value for Xen's dom0_max_vcpus=, e.g. "1-4". */
  recommendedDom0MaxVcpus: string | null
}

export interface BootEntry {
  title: string
  id: string | null
  /** GRUB's index path to the entry ("1>0"), usable as a GRUB_DEFAULT / grub-reboot selector. */
  indexPath: string
  /** Titles of the enclosing submenus, outermost first. */
  submenus: string[]
  isXen: boolean
  /** Hypervisor arguments from the multiboot line, GRUB's `placeholder` and `${xen_rm_opts}` removed. */
  xenArgs?: string
  /** The value of dom0_mem= on the multiboot line, when set. */
  dom0Mem?: string
  kernelArgs?: string
}

export interface BootSelection {
  /** The selector GRUB evaluates (saved_entry already substituted when the default is `${saved_entry}`). */
  raw: string
  source: 'grub.cfg' | 'grubenv' | 'extlinux.conf'
  /** Whether the selector names an existing entry. GRUB falls back to the first entry when it does not. */
  matched: boolean
  /** The entry that boots (after any fallback). */
  resolvedTitle?: string
  resolvedId?: string
  resolvedIndexPath?: string
}

export type BootloaderKind = 'grub' | 'grub2' | 'grub2-bls' | 'systemd-boot' | 'extlinux' | 'unknown'

export interface BootFacts {
  firmware: 'bios' | 'uefi'
  secureBoot: boolean | null
  /** The boot loader the machine boots with (see bootloaderEvidence); grub2 is GRUB installed as grub2-* (Fedora, SUSE). */
  bootloader: BootloaderKind
  /** Why xensetup thinks so: an EFI variable of the running boot, a setting, or the one configuration found. */
  bootloaderEvidence: string
  /** Every boot loader whose configuration is on the disk. */
  bootloaderCandidates: BootloaderKind[]
  grubCfgPath: string | null
  grubEnvPath: string | null
  entries: BootEntry[]
  defaultEntry: BootSelection | null
  /** A one-time selection (grub-reboot) that overrides the default on the next boot only. */
  nextEntry: BootSelection | null
  xenEntryIsDefault: boolean | null
  /** /etc/default/grub then /etc/default/grub.d/*.cfg, later files overriding earlier ones. */
  grubDefaults: Record<string, string>
  /** Set only when one of those files cannot be sourced, e.g. "/etc/default/grub line 7: unterminated quote". */
  grubDefaultsError?: string
  /** UPDATEDEFAULT in /etc/sysconfig/kernel (Fedora): "yes" makes each kernel install the new default entry. */
  updateDefault: string | null
}

export interface KernelFacts {
  /** Running kernel release (/proc/sys/kernel/osrelease). */
  release: string | null
  /** Command line of the running (dom0) kernel; Xen's own command line is separate. */
  cmdline: string | null
  /** /boot/config-<release>, when present. */
  configPath: string | null
  /** CONFIG_XEN_DOM0=y: GRUB's 20_linux_xen only offers kernels that have it. Null without a config file. */
  dom0Capable: boolean | null
}

export type InitSystem = 'systemd' | 'openrc' | 'sysv' | 'unknown'

export type NetworkStack =
  | 'ifupdown'
  | 'netplan'
  | 'networkd'
  | 'networkmanager'
  | 'wicked'
  | 'netifrc'
  | 'ifupdown-ng'
  | 'unknown'

export interface NetworkInterface {
  name: string
  mac: string | null
  isBridge: boolean
  /** Bridge ports (brif/), empty for non-bridges. */
  ports: string[]
  /** The bridge this interface is a port of. */
  master: string | null
  wireless: boolean
  /** Not backed by hardware: bridges, tunnels, Xen vifs (sysfs devices/virtual, devices/vif-*). */
  virtual: boolean
  operstate: string | null
  /** The kernel's DEVTYPE from uevent ("bond", "vlan", "wlan", "bridge"); null for a plain NIC. */
  devType: string | null
}

export interface NetworkFacts {
  stack: NetworkStack
  /** Interface of the default route (IPv4, else IPv6). */
  uplink: string | null
  /** Network services enabled at boot (NetworkManager, dhcpcd, connman...), whichever stack was recognised. */
  services: string[]
  /** All interfaces except loopback. */
  interfaces: NetworkInterface[]
  bridges: string[]
}

export interface BlockDevice {
  path: string
  name: string
  sizeBytes: number
  type: 'disk' | 'part' | 'loop'
  /** Parent disk of a partition. */
  parent: string | null
  mounted: boolean
  mountpoints: string[]
  swap: boolean
  /** Devices stacked on this one (device-mapper, md), as /dev paths. */
  holders: string[]
  /** This is, or is a partition of, a disk that holds / (through LVM/dm/md too). */
  isRootDisk: boolean
  /** Same for /boot and the ESP (the root disk when /boot is not separate). */
  isBootDisk: boolean
  partitions: string[]
  removable: boolean
  readOnly: boolean
  /** Whether udev's probe record (/run/udev/data) exists, i.e. fsType/partitionTable null means "none seen". */
  udevProbed: boolean
  /** ID_FS_TYPE from udev's blkid probe: ext4, swap, LVM2_member, linux_raid_member, crypto_LUKS, ... */
  fsType: string | null
  /** ID_PART_TABLE_TYPE from udev: gpt, dos. */
  partitionTable: string | null
  /**
   * Nothing visible from files uses it: at least 1 GiB, no partitions, mounts, swap, holders or udev-seen
   * signature, not on the root/boot disk (whole disks), writable, not removable. udev's record can be stale
   * or missing (mdev), so the LVM step must still probe with wipefs/blkid (a process) before pvcreate.
   */
  looksUnused: boolean
}

export interface BlockFacts {
  devices: BlockDevice[]
}


export interface GuestConfig {
  path: string
  name: string | null
  type: 'pv' | 'pvh' | 'hvm'
  memoryMiB: number | null
  maxMemoryMiB: number | null
  vcpus: number | null
  disks: DiskSpec[]
  /** Each vif's MAC (null: libxl makes one up at each start) and bridge (`bridge=` or the xl.conf/libxl default). */
  vifs: {mac: string | null; bridge: string}[]
  /** The distinct bridges of the vifs. */
  bridges: string[]
  vnc: {enabled: boolean; listen: string | null; hasPassword: boolean}
  kernel: string | null
  ramdisk: string | null
  bootloader: string | null
  /** nestedhvm=1: the guest runs a hypervisor itself. */
  nested: boolean
  /** hap= as written; null when not set (libxl then uses HAP where the CPU has it). */
  hap: boolean | null
  /** Listed in /etc/xen/auto, so xendomains starts it at boot. */
  autostart: boolean
  /** Kernel, ramdisk, disk or ISO paths it names that do not exist on the host. */
  missing: string[]
}

/** PV boot loaders found in dom0 (paths), null where not installed. */
export interface GuestTools {
  pygrub: string | null
  pvgrub2: string | null
}

export interface XenFacts {
  /** Hypervisor image in /boot or a Xen package installed. */
  installed: boolean
  /** An `xl` binary exists. */
  toolsInstalled: boolean
  /** Installed package version, else the version in a /boot/xen-*.gz name. */
  version: string | null
  /** Hypervisor images in /boot (xen-*.gz, xen-*.efi), symlinks left out; several versions mean skew risk. */
  images: string[]
  /** Version of the running hypervisor (/sys/hypervisor/version). */
  runningVersion: string | null
  /** This kernel runs on Xen (/sys/hypervisor/type is "xen"), as dom0 or domU. */
  running: boolean
  dom0: boolean
  /** PV, PVH or HVM (/sys/hypervisor/guest_type). */
  guestType: string | null
  /** /sys/hypervisor/properties/capabilities, e.g. xen-3.0-x86_64 hvm-3.0-x86_64. */
  capabilities: string[]
  xenfsMounted: boolean
  /** Xen daemons running now (xenstored or oxenstored, xenconsoled), from /proc; empty when not on Xen. */
  daemons: string[]
  /**
   * Xen-related services found on this init system: a key means installed, the value whether it is
   * enabled (systemctl is-enabled / rc-update / rc?.d links). Units only pulled in through another
   * unit's Requires= (SUSE's xencommons) read false.
   */
  services: Record<string, boolean>
  xenbr0: {present: boolean; ports: string[]}
  /** vif.default.bridge from xl.conf; libxl's default is xenbr0. */
  defaultBridge: string
  /** xl.conf autoballoon; null when not set, which xl treats as "auto". */
  autoballoon: Autoballoon | null
  /**
   * The running Xen's command line when a file has it: SUSE saves `xl dmesg` to /var/log/xen/xen-boot.log.
   * /sys/hypervisor does not expose it; elsewhere it needs `xl info xen_commandline` (root, a process).
   */
  commandLine: string | null
  obsoleteXendRules: boolean
  guestConfigs: GuestConfig[]
  guestTools: GuestTools
}

export type PackageManager = 'dpkg' | 'rpm' | 'apk' | 'pacman' | 'portage' | 'unknown'

export interface PackageFacts {
  manager: PackageManager
  /** False when the database is not readable as text (rpm): `installed` is then empty, not "nothing". */
  inventoryAvailable: boolean
  /** Name to version, every installed package (dpkg's parsed on first use). */
  readonly installed: Record<string, string>
  /**
   * dpkg only: packages a killed package operation left half done (unpacked, half-configured, ...), and
   * "journal" when dpkg's update journal was not folded into its status. apt refuses to run until
   * `dpkg --configure -a` finishes them.
   */
  readonly unfinished: string[]
  /** The installed packages whose names start with one of `prefixes`, without reading the whole inventory. */
  startingWith(...prefixes: string[]): Record<string, string>
}

/** A xensetup run's lock on the target, as written by RunLock. */
export interface LockRecord {
  pid: number
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: number | null
  startedAt: string
  command: string
  /** Things made in the target for the run's length (policy-rc.d), recorded before they are made. */
  made: string[]
}

export interface RunStateFacts {
  lock: LockRecord | null
  /** Whether the lock's process still runs on the machine reading the facts; null without a lock. */
  holderAlive: boolean | null
  /** What a killed run made and left behind. */
  leftovers: string[]
}
