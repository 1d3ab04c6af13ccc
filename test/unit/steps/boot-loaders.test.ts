import {afterEach, describe, expect, test} from '@jest/globals'
import type {CommandChange, FileChange} from '../../../src/engine/change.js'
import type {StepPlan} from '../../../src/engine/step.js'
import {bootStep} from '../../../src/steps/boot.js'
import {contextFor, machine} from '../../lib/init-context.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const ARCH = 'NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n'
const ALPINE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n'
const DEBIAN = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'

let root = ''
afterEach(() => {
  if (root) removeTree(root)
  root = ''
})

const commands = (plan: StepPlan) => ('changes' in plan ? plan.changes.filter((c): c is CommandChange => c.kind === 'command').map((c) => c.argv) : [])
const fileChanges = (plan: StepPlan) => ('changes' in plan ? plan.changes.filter((c): c is FileChange => c.kind === 'file') : [])

describe('boot loaders xensetup does not write for are refused in the plan, with the way by hand', () => {
  test('systemd-boot (Arch on UEFI): no /etc/default/grub, no grub-mkconfig; xen.efi with a xen.cfg carrying our options', async () => {
    root = makeTree(machine(ARCH, {'/boot/xen.gz': '', '/usr/bin/xl': '', '/boot/loader/loader.conf': 'default arch.conf\n', '/boot/loader/entries/arch.conf': 'title Arch Linux\nlinux /vmlinuz-linux\n'}))
    const failure = bootStep.plan(contextFor(root))
    await expect(failure).rejects.toThrow(/boots with systemd-boot \(\/boot\/loader\/loader\.conf exists\); xensetup writes Xen entries for GRUB and extlinux only/)
    await expect(failure).rejects.toMatchObject({detail: expect.stringContaining('options=dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4')})
  })

  test('GRUB2-BLS (new Tumbleweed installs): refused, naming LOADER_TYPE', async () => {
    const tumbleweed = 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20251201"\n'
    root = makeTree(machine(tumbleweed, {'/etc/sysconfig/bootloader': 'LOADER_TYPE="grub2-bls"\n', '/boot/efi/loader/entries/a.conf': 'title a\n'}))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(/GRUB2-BLS \(LOADER_TYPE="grub2-bls" in \/etc\/sysconfig\/bootloader\)/)
  })

  test('GRUB and systemd-boot both configured with nothing deciding: refused, naming both files', async () => {
    root = makeTree(machine(ARCH, {'/boot/grub/grub.cfg': '', '/boot/loader/loader.conf': ''}))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(/cannot tell which boot loader .*grub and systemd-boot/)
  })
})

describe('extlinux (Alpine BIOS installs): update-extlinux\'s settings, then update-extlinux', () => {
  // As aports' main/syslinux/update-extlinux.conf ships it (the keys that matter).
  const settings = 'overwrite=1\ndefault_kernel_opts=quiet\nmodules=sd-mod,usb-storage,ext4\nroot=UUID=5b1e2f0a\ndefault=lts\nxen_opts=dom0_mem=384M\n'
  const alpine = {'/etc/update-extlinux.conf': settings, '/sbin/update-extlinux': '', '/boot/xen.gz': '', '/usr/sbin/xl': ''}
  const nativeMenu = 'DEFAULT menu.c32\nPROMPT 0\nLABEL lts\n  MENU DEFAULT\n  MENU LABEL Linux lts\n  LINUX vmlinuz-lts\n  INITRD initramfs-lts\n  APPEND root=UUID=5b1e2f0a modules=sd-mod,usb-storage,ext4 quiet\n'
  const xenLabel = (xenOpts: string, menuDefault: boolean) =>
    `LABEL xen-lts\n${menuDefault ? '  MENU DEFAULT\n' : ''}  MENU LABEL Xen + Linux lts\n  COM32 mboot.c32\n  APPEND xen.gz ${xenOpts} --- vmlinuz-lts root=UUID=5b1e2f0a modules=sd-mod,usb-storage,ext4 quiet --- initramfs-lts\n\n`

  test('a block at the end of the sourced settings adds our options after the packaged ones and makes xen-lts the default', async () => {
    root = makeTree(machine(ALPINE, {...alpine, '/boot/extlinux.conf': nativeMenu}))
    const plan = await bootStep.plan(contextFor(root))
    expect(fileChanges(plan).map((c) => [c.path, c.after])).toEqual([
      ['/etc/update-extlinux.conf', `${settings}# BEGIN xensetup boot\nxen_opts="\${xen_opts:+$xen_opts }dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4"\ndefault=xen-lts\n# END xensetup boot\n`],
    ])
    expect(commands(plan)).toEqual([['update-extlinux']])
  })

  test('converged: the generated Xen label carries the options (the last dom0_mem wins) and is MENU DEFAULT', async () => {
    const block = '# BEGIN xensetup boot\nxen_opts="${xen_opts:+$xen_opts }dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4"\ndefault=xen-lts\n# END xensetup boot\n'
    const menu = `DEFAULT menu.c32\nPROMPT 0\n${xenLabel('dom0_mem=384M dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4', true)}${nativeMenu.replace('DEFAULT menu.c32\nPROMPT 0\n', '').replace('  MENU DEFAULT\n', '')}`
    root = makeTree(machine(ALPINE, {...alpine, '/etc/update-extlinux.conf': settings + block, '/boot/extlinux.conf': menu}))
    const plan = await bootStep.plan(contextFor(root))
    expect(plan).toEqual({changes: [], state: 'Xen + Linux lts (xen-lts): dom0_mem=384M dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4'})
  })

  test('with two kernel flavours the Xen label of the configured one is made the default', async () => {
    const virt = 'LABEL xen-virt\n  COM32 mboot.c32\n  APPEND xen.gz dom0_mem=384M --- vmlinuz-virt root=UUID=5b1e2f0a --- initramfs-virt\n'
    root = makeTree(machine(ALPINE, {...alpine, '/boot/extlinux.conf': `DEFAULT menu.c32\n${virt}${xenLabel('dom0_mem=384M', false)}${nativeMenu.replace('DEFAULT menu.c32\nPROMPT 0\n', '')}`}))
    expect(fileChanges(await bootStep.plan(contextFor(root)))[0]?.after).toContain('\ndefault=xen-lts\n')
  })

  test('--trial-boot (grub-reboot) is refused on extlinux, with extlinux --once as the way by hand', async () => {
    root = makeTree(machine(ALPINE, {...alpine, '/boot/extlinux.conf': nativeMenu}))
    await expect(bootStep.plan(contextFor(root, {trialBoot: true}))).rejects.toMatchObject({message: expect.stringContaining('--trial-boot uses grub-reboot'), detail: expect.stringContaining('extlinux --once=xen-lts /boot')})
  })

  test('settings without overwrite=1 (update-extlinux would only write extlinux.conf.new) are refused up front', async () => {
    root = makeTree(machine(ALPINE, {...alpine, '/etc/update-extlinux.conf': settings.replace('overwrite=1\n', ''), '/boot/extlinux.conf': nativeMenu}))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(/does not say overwrite=1, so update-extlinux does not rewrite \/boot\/extlinux\.conf/)
  })

  test('without update-extlinux installed the step says so instead of writing settings nothing reads', async () => {
    const {'/sbin/update-extlinux': _tool, ...withoutTool} = alpine
    root = makeTree(machine(ALPINE, {...withoutTool, '/boot/extlinux.conf': nativeMenu}))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(/update-extlinux is not installed/)
  })
})

describe('GRUB\'s 20_linux_xen offers no kernel without a /boot/config-<version> saying CONFIG_XEN_DOM0=y', () => {
  const arch = {
    '/var/lib/pacman/local/xen-4.19.1-1/desc': '%NAME%\nxen\n',
    '/boot/xen.gz': '',
    '/boot/vmlinuz-linux': '',
    '/boot/initramfs-linux.img': '',
    '/etc/grub.d/10_linux': '#!/bin/sh\n',
    '/etc/grub.d/20_linux_xen': '#!/bin/sh\n',
    '/etc/default/grub': 'GRUB_DEFAULT=0\n',
    '/boot/grub/grub.cfg': '',
  }

  test('Arch installs none: xensetup\'s own generator is planned, saying why', async () => {
    root = makeTree(machine(ARCH, arch))
    const generator = fileChanges(await bootStep.plan(contextFor(root))).find((c) => c.path === '/etc/grub.d/09_xen')
    expect(generator).toMatchObject({mode: 0o755, why: expect.stringContaining('/boot/vmlinuz-linux has none')})
  })

  test('Alpine\'s patched 20_linux_xen finds config-<release>-<flavour>: no generator on an Alpine GRUB install', async () => {
    const alpineGrub = {
      '/lib/apk/db/installed': 'P:xen-hypervisor\nV:4.18.3-r0\n\nP:grub\nV:2.12-r5\n',
      '/boot/xen.gz': '',
      '/boot/vmlinuz-lts': '',
      '/boot/config-6.6.58-0-lts': 'CONFIG_XEN=y\nCONFIG_XEN_DOM0=y\n',
      '/etc/grub.d/20_linux_xen': '#!/bin/sh\n',
      '/etc/default/grub': 'GRUB_DISABLE_SUBMENU=y\n',
      '/boot/grub/grub.cfg': '',
    }
    root = makeTree(machine(ALPINE, alpineGrub))
    expect(fileChanges(await bootStep.plan(contextFor(root))).map((c) => c.path)).toEqual(['/etc/default/grub'])
  })

  test('with a dom0 kernel config (Debian) 20_linux_xen does the work and no generator is added', async () => {
    root = makeTree(machine(DEBIAN, {...arch, '/boot/vmlinuz-6.1.0-18-amd64': '', '/boot/config-6.1.0-18-amd64': 'CONFIG_XEN=y\nCONFIG_XEN_DOM0=y\n', '/var/lib/dpkg/status': 'Package: xen-hypervisor-4.17-amd64\nStatus: install ok installed\nVersion: 4.17\n'}))
    expect(fileChanges(await bootStep.plan(contextFor(root))).map((c) => c.path)).not.toContain('/etc/grub.d/09_xen')
  })
})

describe('the GRUB default is a Xen entry that exists and names no kernel version', () => {
  const xenEntry = (id: string) => `menuentry 'Debian GNU/Linux, with Xen hypervisor' --class xen $menuentry_id_option '${id}' {\n\tmultiboot2 /boot/xen.gz placeholder dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4\n\tmodule2 /boot/vmlinuz-6.1.0-18-amd64 root=UUID=1 ro\n}\n`
  const linux = "menuentry 'Debian GNU/Linux' $menuentry_id_option 'gnulinux-simple-1' {\n\tlinux /boot/vmlinuz-6.1.0-18-amd64 root=UUID=1 ro\n}\n"
  const debian = (grubCfg: string) =>
    machine(DEBIAN, {
      '/var/lib/dpkg/status': 'Package: xen-hypervisor-4.17-amd64\nStatus: install ok installed\nVersion: 4.17\n',
      '/boot/xen-4.17-amd64.gz': '',
      '/boot/grub/grub.cfg': `set default="\${saved_entry}"\n${grubCfg}`,
      '/boot/grub/grubenv': '# GRUB Environment Block\n',
      '/etc/default/grub.d/00-xensetup.cfg': '',
    })

  test('before any Xen entry exists, 20_linux_xen\'s id is predicted from 10_linux\'s', async () => {
    root = makeTree(debian(linux))
    expect(commands(await bootStep.plan(contextFor(root))).at(-1)).toEqual(['grub-set-default', 'xen-gnulinux-simple-1'])
  })

  test('only kernel-versioned Xen entries: no default is set to one (nor to a predicted id that is not there)', async () => {
    root = makeTree(debian(linux + xenEntry('xen-gnulinux-6.1.0-18-amd64-advanced-1')))
    expect(commands(await bootStep.plan(contextFor(root))).flat()).not.toContain('grub-set-default')
  })
})
