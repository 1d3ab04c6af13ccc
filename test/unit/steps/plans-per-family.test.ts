import {afterEach, describe, expect, test} from '@jest/globals'
import type {Change, CommandChange} from '../../../src/engine/change.js'
import type {Step, StepPlan} from '../../../src/engine/step.js'
import {bootStep} from '../../../src/steps/boot.js'
import type {InitContext} from '../../../src/steps/context.js'
import {packagesStep} from '../../../src/steps/packages.js'
import {servicesStep} from '../../../src/steps/services.js'
import {xenfsStep} from '../../../src/steps/xenfs.js'
import {contextFor, machine} from '../../lib/init-context.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const OS = {
  debian12: 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
  debian13: 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n',
  ubuntu2204: 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n',
  fedora: 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=42\n',
  tumbleweed: 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20241201"\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n',
  gentoo: 'NAME=Gentoo\nID=gentoo\n',
  arch: 'NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n',
}

let root: string
afterEach(() => {
  if (root) removeTree(root)
})

async function plan(step: Step<InitContext>, context: InitContext): Promise<StepPlan> {
  return step.plan(context)
}
/** How a Debian-like install leaves the network; the Xen package lists are what these tests compare. */
const NETWORK_CONFIGURED = {'/etc/network/interfaces': 'allow-hotplug eno1\niface eno1 inet dhcp\n'}
const argvs = (p: StepPlan) => ('changes' in p ? p.changes.filter((c): c is CommandChange => c.kind === 'command').map((c) => c.argv) : [])
const files = (p: StepPlan) => ('changes' in p ? p.changes.filter((c: Change) => c.kind === 'file').map((c) => (c.kind === 'file' ? c.path : '')) : [])

describe('packages step per family', () => {
  test.each([
    ['debian12', ['apt-get', 'install'], ['xen-system-amd64', 'qemu-system-xen', 'bridge-utils', 'lvm2']],
    ['ubuntu2204', ['apt-get', 'install'], ['xen-system-amd64', 'qemu-system-x86-xen', 'bridge-utils', 'lvm2']],
    ['fedora', ['dnf', 'install', '-y'], ['xen', 'xen-hypervisor', 'qemu-system-x86-core', 'edk2-ovmf-xen', 'lvm2']],
    ['tumbleweed', ['zypper', '--non-interactive', 'install'], ['xen', 'xen-tools', 'xen-libs', 'lvm2']],
    ['alpine', ['apk', 'add'], ['xen', 'xen-hypervisor', 'xen-qemu', 'seabios', 'bridge', 'lvm2']],
    ['gentoo', ['emerge', '--noreplace', '--quiet'], ['app-emulation/xen', 'app-emulation/xen-tools', 'net-misc/bridge-utils', 'sys-fs/lvm2']],
  ] as const)('%s installs its Xen packages with its own package manager', async (os, head, packages) => {
    root = makeTree(machine(OS[os], NETWORK_CONFIGURED))
    const install = argvs(await plan(packagesStep, contextFor(root, {vgDevice: '/dev/vdb'}))).at(-1) ?? []
    expect(install.slice(0, head.length)).toEqual(head)
    expect(install.slice(-packages.length)).toEqual(packages)
  })

  test.each([
    ['debian12', ['ifupdown', 'isc-dhcp-client']],
    ['debian13', ['ifupdown', 'dhcpcd-base']],
  ] as const)('a %s target with no network tool at all also gets what its installer sets up: %j', async (os, network) => {
    root = makeTree(machine(OS[os]))
    const install = argvs(await plan(packagesStep, contextFor(root, {vgDevice: '/dev/vdb'}))).at(-1)
    expect(install?.slice(-6)).toEqual(['xen-system-amd64', 'qemu-system-xen', ...network, 'bridge-utils', 'lvm2'])
    // A running host keeps whatever gives it its address now (the bridge step refuses there instead).
    const live = argvs(await plan(packagesStep, contextFor(root, {vgDevice: '/dev/vdb', offline: false}))).at(-1)
    expect(live?.slice(-4)).toEqual(['xen-system-amd64', 'qemu-system-xen', 'bridge-utils', 'lvm2'])
  })

  test('Debian with everything in dpkg status plans nothing and reports the Xen version', async () => {
    const status = ['xen-system-amd64', 'qemu-system-xen', 'bridge-utils', 'lvm2', 'xen-hypervisor-4.17-amd64']
      .map((name) => `Package: ${name}\nStatus: install ok installed\nVersion: 4.17.5+72-g01140da4e8-1\n`)
      .join('\n')
    root = makeTree(machine(OS.debian12, {...NETWORK_CONFIGURED, '/var/lib/dpkg/status': status, '/boot/xen-4.17-amd64.gz': ''}))
    const result = await plan(packagesStep, contextFor(root, {vgDevice: '/dev/vdb'}))
    expect(result).toEqual({changes: [], state: expect.stringMatching(/^Xen 4\.17/)})
  })

  test('without --vg-device and the bridge step, lvm2 and bridge-utils are not installed', async () => {
    root = makeTree(machine(OS.debian12))
    const install = argvs(await plan(packagesStep, contextFor(root, {steps: ['packages', 'boot']}))).at(-1)
    expect(install?.slice(-2)).toEqual(['xen-system-amd64', 'qemu-system-xen'])
  })

  test('Fedora (rpm database unread): Xen\'s own files do not prove the device model and OVMF, which are weak dependencies', async () => {
    const xen = {'/usr/lib/sysimage/rpm/rpmdb.sqlite': '', '/usr/lib/systemd/system/xendomains.service': '', '/boot/xen-4.19.1.gz': '', '/usr/sbin/xl': '', '/usr/sbin/lvm': ''}
    root = makeTree(machine(OS.fedora, xen))
    expect(argvs(await plan(packagesStep, contextFor(root, {vgDevice: '/dev/vdb'})))).toEqual([['dnf', 'install', '-y', 'qemu-system-x86-core', 'edk2-ovmf-xen']])
    removeTree(root)
    root = makeTree(machine(OS.fedora, {...xen, '/usr/bin/qemu-system-x86_64': '', '/usr/share/edk2/xen/OVMF.fd': ''}))
    expect(argvs(await plan(packagesStep, contextFor(root, {vgDevice: '/dev/vdb'})))).toEqual([])
  })

  test('Arch has no Xen package: the step fails with how to build it from the AUR', async () => {
    root = makeTree(machine(OS.arch))
    await expect(plan(packagesStep, contextFor(root))).rejects.toThrow(/xen is not installed.*makepkg -si/)
  })
})

describe('boot step per family', () => {
  test('Debian writes the two grub.d drop-ins around xen.cfg and regenerates grub.cfg', async () => {
    root = makeTree(machine(OS.debian12))
    const result = await plan(bootStep, contextFor(root))
    expect(files(result)).toEqual(['/etc/default/grub.d/00-xensetup.cfg', '/etc/default/grub.d/zz-xensetup.cfg'])
    expect(argvs(result)).toEqual([['grub-mkconfig', '-o', '/boot/grub/grub.cfg']])
  })

  test.each([
    ['fedora', ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg']],
    ['tumbleweed', ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg']],
    ['gentoo', ['grub-mkconfig', '-o', '/boot/grub/grub.cfg']],
  ] as const)('%s keeps its settings in a block of /etc/default/grub and runs %j', async (os, mkconfig) => {
    root = makeTree(machine(OS[os], {'/etc/default/grub': 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_XEN_DEFAULT=""\n'}))
    const result = await plan(bootStep, contextFor(root))
    expect(argvs(result)).toEqual([mkconfig])
    const change = 'changes' in result ? result.changes[0] : undefined
    expect(change).toMatchObject({kind: 'file', path: '/etc/default/grub'})
    expect(change?.kind === 'file' && change.after).toBe(
      'GRUB_TIMEOUT=5\nGRUB_CMDLINE_XEN_DEFAULT=""\n# BEGIN xensetup boot\nGRUB_DEFAULT=saved\nGRUB_SAVEDEFAULT=false\nGRUB_DISABLE_SUBMENU=false\n' +
        'GRUB_CMDLINE_XEN_DEFAULT="${GRUB_CMDLINE_XEN_DEFAULT:+$GRUB_CMDLINE_XEN_DEFAULT }dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4"\n# END xensetup boot\n',
    )
  })
})

describe('kernel updates keep the Xen default', () => {
  test('Fedora: UPDATEDEFAULT=no at the end of /etc/sysconfig/kernel, which 20-grub.install sources before resetting saved_entry', async () => {
    const sysconfig = '# UPDATEDEFAULT specifies if kernel-install should make\n# new kernels the default\nUPDATEDEFAULT=yes\n\n# DEFAULTKERNEL specifies the default kernel package type\nDEFAULTKERNEL=kernel-core\n'
    root = makeTree(machine(OS.fedora, {'/etc/default/grub': 'GRUB_DEFAULT=saved\n', '/etc/sysconfig/kernel': sysconfig}))
    const result = await plan(bootStep, contextFor(root))
    expect(files(result)).toEqual(['/etc/default/grub', '/etc/sysconfig/kernel'])
    const change = 'changes' in result ? result.changes[1] : undefined
    expect(change?.kind === 'file' && change.after).toBe(`${sysconfig}# BEGIN xensetup boot\nUPDATEDEFAULT=no\n# END xensetup boot\n`)
  })

  test.each(['debian12', 'tumbleweed', 'gentoo'] as const)('%s has no kernel-install default reset: no such file is written', async (os) => {
    root = makeTree(machine(OS[os], {'/etc/default/grub': 'GRUB_DEFAULT=0\n'}))
    expect(files(await plan(bootStep, contextFor(root)))).not.toContain('/etc/sysconfig/kernel')
  })
})

describe('services step per family', () => {
  test.each([
    ['debian12', [['systemctl', 'enable', 'xen', 'xendomains']]],
    ['fedora', [['systemctl', 'enable', 'xenstored', 'xenconsoled', 'xen-qemu-dom0-disk-backend', 'xendomains']]],
    ['tumbleweed', [['systemctl', 'enable', 'xencommons', 'xendomains']]],
    ['alpine', ['xenstored', 'xenconsoled', 'xendomains', 'xenqemu'].map((s) => ['rc-update', 'add', s, 'default'])],
    ['gentoo', ['xencommons', 'xenstored', 'xenconsoled', 'xendomains', 'xenqemudev'].map((s) => ['rc-update', 'add', s, 'default'])],
  ] as const)('%s enables %j before Xen is installed', async (os, expected) => {
    root = makeTree(machine(OS[os]))
    expect(argvs(await plan(servicesStep, contextFor(root)))).toEqual(expected)
  })

  test('Gentoo on a systemd profile gets systemctl and the upstream units, not rc-update', async () => {
    root = makeTree(machine(OS.gentoo, {'/run/systemd/system/.keep': ''}))
    expect(argvs(await plan(servicesStep, contextFor(root)))).toEqual([['systemctl', 'enable', 'xenstored', 'xenconsoled', 'xen-init-dom0', 'xen-qemu-dom0-disk-backend', 'xendomains']])
  })

  test('once Xen is installed only units that shipped are enabled, and enabled ones are left alone', async () => {
    root = makeTree(
      machine(OS.fedora, {
        '/sbin/init': '',
        '/run/systemd/system/.keep': '',
        '/boot/xen-4.19.1.gz': '',
        '/usr/sbin/xl': '',
        '/usr/lib/systemd/system/xenstored.service': '[Unit]\n',
        '/usr/lib/systemd/system/xenconsoled.service': '[Unit]\n',
        '/usr/lib/systemd/system/xendomains.service': '[Unit]\n',
        '/etc/systemd/system/multi-user.target.wants/xenstored.service': '',
      }),
    )
    expect(argvs(await plan(servicesStep, contextFor(root)))).toEqual([['systemctl', 'enable', 'xenconsoled', 'xendomains']])
  })
})

describe('xenfs step', () => {
  test('sets autoballoon in the commented line of xl.conf, keeping everything else', async () => {
    const xlConf = '## Global XL config file ##\n\n# automatically balloon down dom0 when xen doesn\'t have enough free\n#autoballoon="auto"\n\n#run_hotplug_scripts=1\n'
    root = makeTree(machine(OS.debian12, {'/etc/xen/xl.conf': xlConf}))
    const result = await plan(xenfsStep, contextFor(root))
    expect('changes' in result && result.changes).toEqual([
      expect.objectContaining({path: '/etc/xen/xl.conf', after: xlConf.replace('#autoballoon="auto"', 'autoballoon="off"')}),
    ])
  })

  test('adds no fstab line where the distro script mounts xenfs (Debian\'s /etc/init.d/xen)', async () => {
    root = makeTree(
      machine(OS.debian12, {'/boot/xen-4.17-amd64.gz': '', '/etc/init.d/xen': 'mount -t xenfs xenfs /proc/xen\n', '/etc/xen/xl.conf': 'autoballoon="off"\n', '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n'}),
    )
    expect(await plan(xenfsStep, contextFor(root))).toEqual({changes: [], state: 'xenfs mounted by /etc/init.d/xen'})
  })

  test('adds a managed fstab line where nothing mounts xenfs, and refuses a malformed fstab', async () => {
    const base = {'/boot/xen-4.17-amd64.gz': '', '/etc/init.d/xen': '#!/bin/sh\n', '/etc/xen/xl.conf': 'autoballoon="off"\n'}
    root = makeTree(machine(OS.debian12, {...base, '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n'}))
    const result = await plan(xenfsStep, contextFor(root))
    expect('changes' in result && result.changes[0]).toMatchObject({
      path: '/etc/fstab',
      after: 'UUID=1 / ext4 defaults 0 1\n# BEGIN xensetup xenfs\nxenfs /proc/xen xenfs defaults 0 0\n# END xensetup xenfs\n',
    })
    removeTree(root)
    root = makeTree(machine(OS.debian12, {...base, '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n/dev/sdb1 /srv\n'}))
    await expect(plan(xenfsStep, contextFor(root))).rejects.toThrow(/\/etc\/fstab: line 2 has 2 fields/)
  })
})

describe('xenfs step: xl.conf sends guests to the bridge init builds', () => {
  // SUSE's Patch403 (xl-conf-default-bridge.patch) and Patch404 as packaged.
  const suse = '#autoballoon="auto"\nautoballoon="off"\n\n# default bridge device to use with vif-bridge hotplug scripts\nvif.default.bridge="br0"\n'

  test('openSUSE\'s packaged vif.default.bridge="br0" becomes xenbr0', async () => {
    root = makeTree(machine(OS.tumbleweed, {'/etc/xen/xl.conf': suse}))
    const result = await plan(xenfsStep, contextFor(root))
    expect('changes' in result && result.changes).toEqual([
      expect.objectContaining({path: '/etc/xen/xl.conf', after: suse.replace('vif.default.bridge="br0"', 'vif.default.bridge="xenbr0"'), why: expect.stringContaining('was "br0"')}),
    ])
  })

  test('a br0 the admin made is theirs (the bridge step refuses to build xenbr0 beside it): xl.conf keeps pointing guests at it', async () => {
    root = makeTree(machine(OS.tumbleweed, {'/etc/xen/xl.conf': suse, '/sys/class/net/br0/bridge/stp_state': '0\n', '/sys/class/net/br0/address': '52:54:00:12:34:56\n', '/sys/class/net/br0/type': '1\n'}))
    expect(await plan(xenfsStep, contextFor(root))).toMatchObject({changes: []})
  })

  test('without the bridge step the admin\'s bridge is theirs: xl.conf is left as it is', async () => {
    root = makeTree(machine(OS.tumbleweed, {'/etc/xen/xl.conf': suse}))
    expect(await plan(xenfsStep, contextFor(root, {steps: ['packages', 'boot', 'services', 'xenfs']}))).toMatchObject({changes: []})
  })
})

describe('xenfs step and an admin\'s own autoballoon lines', () => {
  test('an active autoballoon="on" after the commented default is the line that changes', async () => {
    const xlConf = '#autoballoon="auto"\nlockfile="/var/lock/xl"\nautoballoon="on"\n'
    root = makeTree(machine(OS.debian12, {'/etc/xen/xl.conf': xlConf}))
    const result = await plan(xenfsStep, contextFor(root))
    expect('changes' in result && result.changes).toEqual([
      expect.objectContaining({path: '/etc/xen/xl.conf', after: '#autoballoon="auto"\nlockfile="/var/lock/xl"\nautoballoon="off"\n'}),
    ])
  })

  test('autoballoon=0 is already off for xl: nothing to change', async () => {
    root = makeTree(machine(OS.debian12, {'/etc/xen/xl.conf': 'autoballoon=0\n', '/boot/xen-4.17-amd64.gz': '', '/etc/init.d/xen': 'mount -t xenfs xenfs /proc/xen\n'}))
    expect(await plan(xenfsStep, contextFor(root))).toEqual({changes: [], state: 'xenfs mounted by /etc/init.d/xen'})
  })
})
