import {describe, expect, it} from '@jest/globals'
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Host} from '../../../src/host/host.js'
import {HostFiles} from '../../../src/facts/files.js'
import {gatherBlockFacts, gatherFacts} from '../../../src/facts/index.js'
import type {Facts} from '../../../src/facts/types.js'
import {rootNames, rootsDir} from './fixtures.js'

/** The facts automation keys on, in one comparable shape. */
function summarize(facts: Facts) {
  const {distro, cpu, memory, boot, network, block, xen, packages} = facts
  return {
    distro: {id: distro.id, family: distro.family, supported: distro.supported},
    cpu: {
      vendor: cpu.vendor,
      virtualization: cpu.virtualization,
      slat: cpu.slat,
      longMode: cpu.longMode,
      iommu: cpu.iommu,
      underHypervisor: cpu.underHypervisor,
      hypervisorVendor: cpu.hypervisorVendor,
      vtDisabledByFirmware: cpu.vtDisabledByFirmware,
    },
    memory: {totalMiB: memory.totalMiB, isDom0View: memory.isDom0View, recommendedDom0Mem: memory.recommendedDom0Mem},
    boot: {
      firmware: boot.firmware,
      secureBoot: boot.secureBoot,
      bootloader: boot.bootloader,
      defaultTitle: boot.defaultEntry?.resolvedTitle ?? null,
      xenEntryIsDefault: boot.xenEntryIsDefault,
      nextTitle: boot.nextEntry?.resolvedTitle ?? null,
    },
    init: facts.init,
    kernelDom0Capable: facts.kernel.dom0Capable,
    network: {stack: network.stack, uplink: network.uplink, bridges: network.bridges},
    rootDisks: block.devices.filter((device) => device.isRootDisk && device.type !== 'part').map((device) => device.path),
    unusedDevices: block.devices.filter((device) => device.looksUnused).map((device) => device.path),
    xen: {
      installed: xen.installed,
      version: xen.version,
      running: xen.running,
      dom0: xen.dom0,
      xenfsMounted: xen.xenfsMounted,
      services: xen.services,
      xenbr0: xen.xenbr0,
      autoballoon: xen.autoballoon,
      commandLine: xen.commandLine,
      obsoleteXendRules: xen.obsoleteXendRules,
      guests: xen.guestConfigs.map((guest) => guest.name),
    },
    packages: {manager: packages.manager, count: Object.keys(packages.installed).length},
  }
}

type Summary = ReturnType<typeof summarize>

const noXen: Summary['xen'] = {
  installed: false,
  version: null,
  running: false,
  dom0: false,
  xenfsMounted: false,
  services: {},
  xenbr0: {present: false, ports: []},
  autoballoon: null,
  commandLine: null,
  obsoleteXendRules: false,
  guests: [],
}

const FEDORA_41: Summary = {
  distro: {id: 'fedora', family: 'fedora', supported: true},
  cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
  memory: {totalMiB: 64042, isDom0View: false, recommendedDom0Mem: '4352M,max:4352M'},
  boot: {firmware: 'uefi', secureBoot: true, bootloader: 'grub2', defaultTitle: 'Fedora Linux (6.11.4-301.fc41.x86_64) 41 (Server Edition)', xenEntryIsDefault: false, nextTitle: null},
  init: 'systemd',
  kernelDom0Capable: true,
  network: {stack: 'networkmanager', uplink: 'enp5s0', bridges: []},
  rootDisks: ['/dev/nvme0n1'],
  unusedDevices: [],
  xen: {installed: true, version: '4.19.0', running: false, dom0: false, xenfsMounted: false, services: {'proc-xen.mount': false, xenstored: false, xenconsoled: false, 'xen-qemu-dom0-disk-backend': false, xendomains: false, 'xen-watchdog': false}, xenbr0: {present: false, ports: []}, autoballoon: null, commandLine: null, obsoleteXendRules: false, guests: []},
  packages: {manager: 'rpm', count: 0},
}

const expected: Record<string, Summary> = {
  'alpine-3.20': {
    distro: {id: 'alpine', family: 'alpine', supported: true},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: null, underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 7861, isDom0View: false, recommendedDom0Mem: '1536M,max:1536M'},
    boot: {firmware: 'bios', secureBoot: false, bootloader: 'extlinux', defaultTitle: 'Linux lts', xenEntryIsDefault: false, nextTitle: null},
    init: 'openrc',
    kernelDom0Capable: true,
    network: {stack: 'ifupdown-ng', uplink: 'eth0', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: [],
    xen: {installed: true, version: '4.18.3-r0', running: false, dom0: false, xenfsMounted: false, services: {xenstored: false, xenconsoled: false, xendomains: false}, xenbr0: {present: false, ports: []}, autoballoon: null, commandLine: null, obsoleteXendRules: false, guests: []},
    packages: {manager: 'apk', count: 9},
  },
  arch: {
    distro: {id: 'arch', family: 'arch', supported: true},
    cpu: {vendor: 'intel', virtualization: null, slat: null, longMode: true, iommu: null, underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: null},
    memory: {totalMiB: 3934, isDom0View: false, recommendedDom0Mem: '1280M,max:1280M'},
    boot: {firmware: 'uefi', secureBoot: null, bootloader: 'systemd-boot', defaultTitle: null, xenEntryIsDefault: null, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: null,
    network: {stack: 'networkd', uplink: 'enp1s0', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: ['/dev/sdb1'],
    xen: noXen,
    packages: {manager: 'pacman', count: 9},
  },
  'debian-12': {
    distro: {id: 'debian', family: 'debian', supported: true},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 31959, isDom0View: false, recommendedDom0Mem: '2816M,max:2816M'},
    boot: {
      firmware: 'bios',
      secureBoot: false,
      bootloader: 'grub',
      defaultTitle: 'Debian GNU/Linux',
      xenEntryIsDefault: false,
      nextTitle: 'Debian GNU/Linux, with Xen hypervisor',
    },
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'ifupdown', uplink: 'eno1', bridges: []},
    rootDisks: ['/dev/sda', '/dev/sdb'],
    unusedDevices: ['/dev/sdc'],
    xen: {...noXen, installed: true, version: '4.17.5+72-g01140da4e8-1', services: {xen: true, xendomains: true}},
    packages: {manager: 'dpkg', count: 15},
  },
  'debian-13': {
    distro: {id: 'debian', family: 'debian', supported: true},
    cpu: {vendor: 'intel', virtualization: null, slat: null, longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: 'xen', vtDisabledByFirmware: null},
    memory: {totalMiB: 3872, isDom0View: true, recommendedDom0Mem: null},
    boot: {
      firmware: 'uefi',
      secureBoot: false,
      bootloader: 'grub',
      defaultTitle: 'Debian GNU/Linux, with Xen hypervisor',
      xenEntryIsDefault: true,
      nextTitle: null,
    },
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'ifupdown', uplink: 'xenbr0', bridges: ['xenbr0']},
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: [],
    xen: {
      installed: true,
      version: '4.20.4+63-g7abfd2bce2-0+deb13u1',
      running: true,
      dom0: true,
      xenfsMounted: true,
      services: {xen: true, xendomains: true},
      xenbr0: {present: true, ports: ['eno1', 'vif1.0']},
      autoballoon: 'off',
      commandLine: null,
      obsoleteXendRules: false,
      guests: ['web', 'win10'],
    },
    packages: {manager: 'dpkg', count: 12},
  },
  'fedora-41': FEDORA_41,
  gentoo: {
    distro: {id: 'gentoo', family: 'gentoo', supported: true},
    cpu: {vendor: 'amd', virtualization: 'svm', slat: 'npt', longMode: true, iommu: 'amd-vi', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 32022, isDom0View: false, recommendedDom0Mem: '2816M,max:2816M'},
    boot: {firmware: 'uefi', secureBoot: false, bootloader: 'grub', defaultTitle: 'Gentoo GNU/Linux', xenEntryIsDefault: false, nextTitle: null},
    init: 'openrc',
    kernelDom0Capable: true,
    network: {stack: 'netifrc', uplink: 'enp6s0', bridges: []},
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: ['/dev/sda'],
    xen: {installed: true, version: '4.18.3', running: false, dom0: false, xenfsMounted: false, services: {xencommons: true, xenstored: false, xenconsoled: true, xenqemudev: false, xendomains: true, 'xen-watchdog': false}, xenbr0: {present: false, ports: []}, autoballoon: 'auto', commandLine: null, obsoleteXendRules: true, guests: []},
    packages: {manager: 'portage', count: 11},
  },
  'linuxmint-22': {
    distro: {id: 'linuxmint', family: 'debian', supported: false},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 15697, isDom0View: false, recommendedDom0Mem: '2048M,max:2048M'},
    boot: {firmware: 'uefi', secureBoot: true, bootloader: 'grub', defaultTitle: 'Linux Mint 22 Cinnamon', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'networkmanager', uplink: 'wlp0s20f3', bridges: ['docker0']},
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: [],
    xen: noXen,
    packages: {manager: 'dpkg', count: 3},
  },
  manjaro: {
    distro: {id: 'manjaro', family: 'arch', supported: true},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: null, underHypervisor: true, hypervisorVendor: 'QEMU', vtDisabledByFirmware: false},
    memory: {totalMiB: 7950, isDom0View: false, recommendedDom0Mem: '1536M,max:1536M'},
    // grubenv's saved_entry names a removed kernel: GRUB falls back to the first entry.
    boot: {firmware: 'bios', secureBoot: false, bootloader: 'grub', defaultTitle: 'Manjaro Linux', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: null,
    network: {stack: 'networkmanager', uplink: 'enp1s0', bridges: []},
    rootDisks: ['/dev/vda'],
    unusedDevices: [],
    xen: noXen,
    packages: {manager: 'pacman', count: 6},
  },
  'opensuse-leap-15.6': {
    distro: {id: 'opensuse-leap', family: 'suse', supported: true},
    cpu: {vendor: 'amd', virtualization: null, slat: null, longMode: true, iommu: 'amd-vi', underHypervisor: false, hypervisorVendor: 'xen', vtDisabledByFirmware: null},
    memory: {totalMiB: 3811, isDom0View: true, recommendedDom0Mem: null},
    boot: {
      firmware: 'uefi',
      secureBoot: false,
      bootloader: 'grub2',
      defaultTitle: 'openSUSE Leap 15.6, with Xen hypervisor',
      xenEntryIsDefault: true,
      nextTitle: null,
    },
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'wicked', uplink: 'br0', bridges: ['br0']},
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: [],
    xen: {
      installed: true,
      version: '4.18.3',
      running: true,
      dom0: true,
      xenfsMounted: true,
      services: {
        'proc-xen.mount': false,
        xencommons: true,
        'xen-dom0-modules': false,
        xenstored: false,
        xenconsoled: false,
        'xen-init-dom0': false,
        'xen-qemu-dom0-disk-backend': false,
        xendomains: true,
        'xen-watchdog': false,
      },
      xenbr0: {present: false, ports: []},
      autoballoon: 'off',
      commandLine: 'dom0_mem=4G,max:4G vga=gfx-1024x768x16 no-real-mode edd=off',
      obsoleteXendRules: false,
      guests: ['sles15'],
    },
    packages: {manager: 'rpm', count: 0},
  },
  'opensuse-tumbleweed': {
    distro: {id: 'opensuse-tumbleweed', family: 'suse', supported: true},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: null, longMode: true, iommu: null, underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 7946, isDom0View: false, recommendedDom0Mem: '1536M,max:1536M'},
    boot: {firmware: 'bios', secureBoot: false, bootloader: 'grub2', defaultTitle: 'openSUSE Tumbleweed', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'networkmanager', uplink: 'enp2s0', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: [],
    xen: {installed: true, version: '4.19.1', running: false, dom0: false, xenfsMounted: false, services: {'proc-xen.mount': false, xencommons: false, 'xen-dom0-modules': false, xenstored: false, xenconsoled: false, 'xen-init-dom0': false, 'xen-qemu-dom0-disk-backend': false, xendomains: false, 'xen-watchdog': false}, xenbr0: {present: false, ports: []}, autoballoon: 'off', commandLine: null, obsoleteXendRules: false, guests: []},
    packages: {manager: 'rpm', count: 0},
  },
  'rocky-9': {
    distro: {id: 'rocky', family: 'rhel', supported: false},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 191932, isDom0View: false, recommendedDom0Mem: '8192M,max:8192M'},
    boot: {
      firmware: 'bios',
      secureBoot: false,
      bootloader: 'grub2',
      defaultTitle: 'Rocky Linux (5.14.0-427.40.1.el9_4.x86_64) 9.4 (Blue Onyx)',
      xenEntryIsDefault: false,
      nextTitle: null,
    },
    init: 'systemd',
    kernelDom0Capable: false,
    network: {stack: 'networkmanager', uplink: 'eno1', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: [],
    xen: noXen,
    packages: {manager: 'rpm', count: 0},
  },
  'ubuntu-22.04': {
    distro: {id: 'ubuntu', family: 'debian', supported: true},
    cpu: {vendor: 'intel', virtualization: null, slat: null, longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: true},
    memory: {totalMiB: 15851, isDom0View: false, recommendedDom0Mem: '2048M,max:2048M'},
    boot: {firmware: 'uefi', secureBoot: false, bootloader: 'grub', defaultTitle: 'Ubuntu', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'netplan', uplink: 'enp0s31f6', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: ['/dev/sdd'],
    xen: noXen,
    packages: {manager: 'dpkg', count: 5},
  },
  'ubuntu-24.04': {
    distro: {id: 'ubuntu', family: 'debian', supported: true},
    cpu: {vendor: 'intel', virtualization: null, slat: null, longMode: true, iommu: null, underHypervisor: true, hypervisorVendor: 'Amazon EC2', vtDisabledByFirmware: null},
    memory: {totalMiB: 7803, isDom0View: false, recommendedDom0Mem: '1536M,max:1536M'},
    boot: {firmware: 'bios', secureBoot: false, bootloader: 'grub', defaultTitle: 'Ubuntu', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'netplan', uplink: 'ens5', bridges: []},
    // / is "/dev/root" in /proc/mounts: resolved through root=PARTUUID= and /dev/disk/by-partuuid.
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: ['/dev/nvme1n1'],
    xen: noXen,
    packages: {manager: 'dpkg', count: 5},
  },
  'unknown-distro': {
    distro: {id: 'void', family: 'unknown', supported: false},
    cpu: {vendor: 'amd', virtualization: 'svm', slat: null, longMode: true, iommu: null, underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 7959, isDom0View: false, recommendedDom0Mem: '1536M,max:1536M'},
    boot: {firmware: 'bios', secureBoot: false, bootloader: 'grub', defaultTitle: 'Void GNU/Linux', xenEntryIsDefault: false, nextTitle: null},
    init: 'unknown',
    kernelDom0Capable: null,
    network: {stack: 'unknown', uplink: 'eth0', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: [],
    xen: noXen,
    packages: {manager: 'unknown', count: 0},
  },
  'arch-grub': {
    distro: {id: 'arch', family: 'arch', supported: true},
    cpu: {vendor: 'intel', virtualization: null, slat: null, longMode: true, iommu: null, underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: null},
    memory: {totalMiB: 3934, isDom0View: false, recommendedDom0Mem: '1280M,max:1280M'},
    boot: {firmware: 'bios', secureBoot: false, bootloader: 'grub', defaultTitle: 'Arch Linux', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: null,
    network: {stack: 'networkd', uplink: 'enp1s0', bridges: []},
    rootDisks: ['/dev/sda'],
    unusedDevices: ['/dev/sdb1'],
    xen: {installed: true, version: '4.19.1-1', running: false, dom0: false, xenfsMounted: false, services: {'proc-xen.mount': false, xenstored: false, xenconsoled: false, 'xen-init-dom0': false, 'xen-qemu-dom0-disk-backend': false, xendomains: false, 'xen-watchdog': false}, xenbr0: {present: false, ports: []}, autoballoon: null, commandLine: null, obsoleteXendRules: false, guests: []},
    packages: {manager: 'pacman', count: 11},
  },
  // The same machine without the weak dependencies: the facts do not tell them apart, the packages step does.
  'fedora-41-noweak': FEDORA_41,
  'gentoo-systemd': {
    distro: {id: 'gentoo', family: 'gentoo', supported: true},
    cpu: {vendor: 'amd', virtualization: 'svm', slat: 'npt', longMode: true, iommu: 'amd-vi', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 32022, isDom0View: false, recommendedDom0Mem: '2816M,max:2816M'},
    boot: {firmware: 'uefi', secureBoot: false, bootloader: 'grub', defaultTitle: 'Gentoo GNU/Linux', xenEntryIsDefault: false, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'networkd', uplink: 'enp6s0', bridges: []},
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: ['/dev/sda'],
    xen: {installed: true, version: '4.19.1', running: false, dom0: false, xenfsMounted: false, services: {'proc-xen.mount': false, xencommons: false, xenstored: false, xenconsoled: false, 'xen-init-dom0': false, 'xen-qemu-dom0-disk-backend': false, xendomains: false, 'xen-watchdog': false}, xenbr0: {present: false, ports: []}, autoballoon: 'auto', commandLine: null, obsoleteXendRules: false, guests: []},
    packages: {manager: 'portage', count: 10},
  },
  'opensuse-tumbleweed-bls': {
    distro: {id: 'opensuse-tumbleweed', family: 'suse', supported: true},
    cpu: {vendor: 'intel', virtualization: 'vmx', slat: 'ept', longMode: true, iommu: 'vt-d', underHypervisor: false, hypervisorVendor: null, vtDisabledByFirmware: false},
    memory: {totalMiB: 64042, isDom0View: false, recommendedDom0Mem: '4352M,max:4352M'},
    boot: {firmware: 'uefi', secureBoot: true, bootloader: 'grub2-bls', defaultTitle: null, xenEntryIsDefault: null, nextTitle: null},
    init: 'systemd',
    kernelDom0Capable: true,
    network: {stack: 'networkmanager', uplink: 'enp2s0', bridges: []},
    rootDisks: ['/dev/nvme0n1'],
    unusedDevices: [],
    xen: noXen,
    packages: {manager: 'rpm', count: 0},
  },
}

describe('gatherFacts over the fixture corpus', () => {
  it('has an expectation for every fixture root', () => {
    expect(Object.keys(expected).sort()).toEqual(rootNames())
  })

  it.each(Object.keys(expected))('%s', (root) => {
    const facts = gatherFacts(new Host(path.join(rootsDir, root)))
    expect(summarize(facts)).toEqual(expected[root])
    expect(facts.unreadable).toEqual([])
  })
})

describe('gatherFacts details', () => {
  const facts = (root: string) => gatherFacts(new Host(path.join(rootsDir, root)))

  it('describes block devices for the LVM step', () => {
    const devices = facts('debian-13').block.devices
    expect(devices.find((device) => device.path === '/dev/sda')).toEqual({
      path: '/dev/sda',
      name: 'sda',
      sizeBytes: 3_907_036_119 * 512, // sys/block/sda/size is in 512-byte sectors
      type: 'disk',
      parent: null,
      mounted: false,
      mountpoints: [],
      swap: false,
      holders: ['/dev/dm-3'],
      isRootDisk: false,
      isBootDisk: false,
      partitions: [],
      removable: false,
      readOnly: false,
      udevProbed: true,
      fsType: 'LVM2_member',
      partitionTable: null,
      looksUnused: false,
    })
    expect(devices.find((device) => device.path === '/dev/nvme0n1p2')).toMatchObject({parent: '/dev/nvme0n1', mountpoints: ['/boot'], isBootDisk: true})
    expect(devices.map((device) => device.path)).not.toContain('/dev/dm-0')
  })

  it('leaves out RAM, optical and unattached loop devices, keeps attached loops', () => {
    const paths = facts('ubuntu-22.04').block.devices.map((device) => device.path)
    expect(paths).toEqual(['/dev/loop0', '/dev/sda', '/dev/sda1', '/dev/sda2', '/dev/sdb', '/dev/sdb1', '/dev/sdc', '/dev/sdc1', '/dev/sdd'])
    expect(facts('fedora-41').block.devices.map((device) => device.path)).not.toContain('/dev/zram0')
  })

  it('resolves the GRUB default through grubenv and records a pending one-time boot', () => {
    const boot = facts('debian-12').boot
    expect(boot.defaultEntry).toEqual({
      raw: '',
      source: 'grubenv',
      matched: false,
      resolvedTitle: 'Debian GNU/Linux',
      resolvedId: 'gnulinux-simple-3b1f7d2e-9a64-4c1b-8f0e-52d6c1a4e7b9',
      resolvedIndexPath: '0',
    })
    expect(boot.nextEntry).toMatchObject({raw: 'xen-gnulinux-simple-3b1f7d2e-9a64-4c1b-8f0e-52d6c1a4e7b9', matched: true, resolvedIndexPath: '2'})
    expect(boot.grubDefaults.XEN_OVERRIDE_GRUB_DEFAULT).toBe('0')
  })

  it('reads guest configs, Xen version and capabilities in a dom0', () => {
    const xen = facts('debian-13').xen
    expect(xen.runningVersion).toBe('4.20.4')
    expect(xen.guestType).toBe('PV')
    expect(xen.capabilities).toContain('hvm-3.0-x86_64')
    expect(xen.images).toEqual(['xen-4.20-amd64.efi', 'xen-4.20-amd64.gz'])
    expect(xen.guestConfigs).toMatchObject([
      {path: '/etc/xen/web.cfg', name: 'web', type: 'pvh', bridges: ['xenbr0'], vnc: {enabled: false, listen: null, hasPassword: false}, autostart: true, missing: []},
      {path: '/etc/xen/win10.cfg', name: 'win10', type: 'hvm', bridges: ['xenbr0'], vnc: {enabled: true, listen: '0.0.0.0', hasPassword: false}, autostart: false, missing: []},
    ])
    expect(xen.guestConfigs[1].disks.map((disk) => [disk.target, disk.vdev, disk.cdrom, disk.access])).toEqual([
      ['/dev/vg_xen/win10-disk', 'hda', false, 'rw'],
      ['/srv/iso/Win10_22H2_English_x64.iso', 'hdc', true, 'ro'],
    ])
  })

  it('describes interfaces from sysfs', () => {
    expect(facts('debian-13').network.interfaces).toEqual([
      {name: 'eno1', mac: 'a4:bf:01:4c:7e:21', isBridge: false, ports: [], master: 'xenbr0', wireless: false, virtual: false, operstate: 'up', devType: null},
      {name: 'vif1.0', mac: 'fe:ff:ff:ff:ff:ff', isBridge: false, ports: [], master: 'xenbr0', wireless: false, virtual: true, operstate: 'up', devType: null},
      {name: 'xenbr0', mac: 'a4:bf:01:4c:7e:21', isBridge: true, ports: ['eno1', 'vif1.0'], master: null, wireless: false, virtual: true, operstate: 'up', devType: 'bridge'},
    ])
    expect(facts('opensuse-tumbleweed').network.interfaces.find((iface) => iface.name === 'wlp3s0')?.wireless).toBe(true)
  })

  it('reports an empty tree as unknown rather than failing', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'xensetup-facts-'))
    try {
      const facts = gatherFacts(new Host(empty))
      expect(facts.distro).toMatchObject({id: 'linux', family: 'unknown', supported: false})
      expect(facts.init).toBe('unknown')
      expect(facts.boot).toMatchObject({bootloader: 'unknown', entries: [], xenEntryIsDefault: null})
      expect(facts.memory).toMatchObject({totalMiB: 0, hostTotalMiB: null, recommendedDom0Mem: null})
      expect(JSON.parse(JSON.stringify(facts.packages))).toEqual({manager: 'unknown', inventoryAvailable: false, installed: {}, unfinished: []})
      expect(facts.block.devices).toEqual([])
    } finally {
      rmSync(empty, {recursive: true})
    }
  })

  it('gatherBlockFacts reads only the disks', () => {
    expect(gatherBlockFacts(new Host(path.join(rootsDir, 'ubuntu-24.04')))).toEqual(facts('ubuntu-24.04').block)
  })
})

describe('HostFiles', () => {
  const denied = Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES'})
  const host = {
    read: () => {
      throw denied
    },
    list: () => {
      throw denied
    },
  } as unknown as Host

  it('turns permission errors into "unknown" and remembers the paths', () => {
    const files = new HostFiles(host)
    expect(files.read('/boot/grub2/grub.cfg')).toBeUndefined()
    expect(files.list('/etc/xen')).toEqual([])
    expect(files.read('/boot/grub2/grub.cfg')).toBeUndefined()
    expect(files.unreadable).toEqual(['/boot/grub2/grub.cfg', '/etc/xen'])
  })

  it('lets other errors through', () => {
    const broken = {read: () => {throw Object.assign(new Error('EIO'), {code: 'EIO'})}} as unknown as Host
    expect(() => new HostFiles(broken).read('/x')).toThrow('EIO')
  })
})

describe('the facts layer stays light', () => {
  const srcDir = fileURLToPath(new URL('../../../src/', import.meta.url))

  /** Specifiers of packages and node built-ins reached from `file` through relative imports, host.ts excluded. */
  function externalImports(file: string, seen = new Set<string>()): string[] {
    if (seen.has(file) || file.endsWith('/host/host.ts')) return []
    seen.add(file)
    const specifiers = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1])
    return specifiers.flatMap((specifier) =>
      specifier.startsWith('.') ? externalImports(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')), seen) : [specifier],
    )
  }

  it('imports nothing but node:fs, node:path and its own modules and formats (no processes, nothing heavy)', () => {
    const seen = new Set<string>()
    const external = readdirSync(path.join(srcDir, 'facts'))
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => externalImports(path.join(srcDir, 'facts', name), seen))
    expect([...new Set(external)].sort()).toEqual(['node:fs', 'node:path'])
  })
})
