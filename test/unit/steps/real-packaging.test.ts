import {describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {CommandChange, FileChange} from '../../../src/engine/change.js'
import type {Step, StepPlan} from '../../../src/engine/step.js'
import {bootStep} from '../../../src/steps/boot.js'
import type {InitContext, InitOptions} from '../../../src/steps/context.js'
import {packagesStep} from '../../../src/steps/packages.js'
import {servicesStep} from '../../../src/steps/services.js'
import {xenfsStep} from '../../../src/steps/xenfs.js'
import {contextFor} from '../../lib/init-context.js'

// The init steps planned on fixture roots whose files hold the distributions' packaged content (sources in
// test/fixtures/roots/README.md): one test per way a real host differed from what xensetup assumed.
const root = (name: string) => fileURLToPath(new URL(`../../fixtures/roots/${name}`, import.meta.url))
const plan = (step: Step<InitContext>, name: string, options: Partial<InitOptions> = {}): Promise<StepPlan> => Promise.resolve(step.plan(contextFor(root(name), options)))
const files = (p: StepPlan) => ('changes' in p ? p.changes.filter((c): c is FileChange => c.kind === 'file') : [])
const commands = (p: StepPlan) => ('changes' in p ? p.changes.filter((c): c is CommandChange => c.kind === 'command').map((c) => c.argv) : [])
const after = (p: StepPlan, path: string) => files(p).find((c) => c.path === path)?.after ?? null

describe('Fedora 41: the Xen default survives kernel updates', () => {
  test('UPDATEDEFAULT=no ends /etc/sysconfig/kernel (20-grub.install sources it), submenus are back on for a stable id, and no kernel-versioned id is made the default', async () => {
    const result = await plan(bootStep, 'fedora-41')
    expect(after(result, '/etc/sysconfig/kernel')).toMatch(/^UPDATEDEFAULT=yes\n[\s\S]*# BEGIN xensetup boot\nUPDATEDEFAULT=no\n# END xensetup boot\n$/m)
    expect(after(result, '/etc/default/grub')).toContain('GRUB_DISABLE_SUBMENU=true\n')
    expect(after(result, '/etc/default/grub')).toMatch(/# BEGIN xensetup boot\nGRUB_DEFAULT=saved\nGRUB_SAVEDEFAULT=false\nGRUB_DISABLE_SUBMENU=false\n/)
    // The packaged grub.cfg has only xen-gnulinux-<kernel version>-advanced-<uuid> entries: none is pinned.
    expect(commands(result)).toEqual([['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg']])
  })

  test('the device model and OVMF are weak dependencies: missing files are installed, present ones are not', async () => {
    expect(commands(await plan(packagesStep, 'fedora-41-noweak'))).toEqual([['dnf', 'install', '-y', 'qemu-system-x86-core', 'edk2-ovmf-xen']])
    expect(commands(await plan(packagesStep, 'fedora-41'))).toEqual([])
  })
})

describe('openSUSE', () => {
  test('Tumbleweed\'s packaged xl.conf sends guests to br0: set to the xenbr0 the bridge step builds', async () => {
    const result = await plan(xenfsStep, 'opensuse-tumbleweed')
    const packaged = readFileSync(`${root('opensuse-tumbleweed')}/etc/xen/xl.conf`, 'utf8')
    expect(packaged).toContain('\nvif.default.bridge="br0"\n')
    // That one line changes; everything else, autoballoon="off" from SUSE's Patch404 included, stays.
    expect(after(result, '/etc/xen/xl.conf')).toBe(packaged.replace('\nvif.default.bridge="br0"\n', '\nvif.default.bridge="xenbr0"\n'))
  })

  test('Leap\'s proc-xen.mount mounts xenfs: no fstab line', async () => {
    expect(files(await plan(xenfsStep, 'opensuse-leap-15.6')).map((c) => c.path)).not.toContain('/etc/fstab')
  })

  test('a Tumbleweed UEFI install with GRUB2-BLS is refused, nothing written for a GRUB that is not booted', async () => {
    await expect(plan(bootStep, 'opensuse-tumbleweed-bls')).rejects.toThrow(/GRUB2-BLS \(LOADER_TYPE="grub2-bls"/)
  })
})

describe('Arch and Manjaro', () => {
  test('stock 20_linux_xen finds no /boot/config-linux: xensetup\'s generator writes the entry', async () => {
    const result = await plan(bootStep, 'arch-grub')
    expect(files(result).map((c) => c.path)).toEqual(['/etc/default/grub', '/etc/grub.d/09_xen'])
    expect(commands(result)).toEqual([['grub-mkconfig', '-o', '/boot/grub/grub.cfg']])
  })

  test('archinstall\'s systemd-boot (its LoaderInfo) is refused with the xen.efi way', async () => {
    await expect(plan(bootStep, 'arch')).rejects.toThrow(/systemd-boot \(the running boot's LoaderInfo EFI variable says "systemd-boot/)
  })

  test('Manjaro\'s GRUB_SAVEDEFAULT=true is overridden after it', async () => {
    const text = after(await plan(bootStep, 'manjaro'), '/etc/default/grub') ?? ''
    expect(text.indexOf('GRUB_SAVEDEFAULT=false')).toBeGreaterThan(text.indexOf('GRUB_SAVEDEFAULT=true'))
  })
})

describe('Alpine on extlinux', () => {
  test('update-extlinux.conf gets our xen_opts and default=xen-lts, then update-extlinux; no /etc/default/grub', async () => {
    const result = await plan(bootStep, 'alpine-3.20')
    expect(files(result).map((c) => c.path)).toEqual(['/etc/update-extlinux.conf'])
    expect(after(result, '/etc/update-extlinux.conf')).toMatch(/# BEGIN xensetup boot\nxen_opts="\$\{xen_opts:\+\$xen_opts \}dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4"\ndefault=xen-lts\n# END xensetup boot\n$/)
    expect(commands(result)).toEqual([['update-extlinux']])
  })
})

describe('Gentoo', () => {
  test('a systemd profile gets systemctl and the units xen-tools installs there', async () => {
    expect(commands(await plan(servicesStep, 'gentoo-systemd'))).toEqual([['systemctl', 'enable', 'xenstored', 'xenconsoled', 'xen-init-dom0', 'xen-qemu-dom0-disk-backend', 'xendomains']])
  })

  test('OpenRC\'s xencommons mounts xenfs: no fstab line; bridge-utils came with xen-tools: not installed again', async () => {
    expect(files(await plan(xenfsStep, 'gentoo')).map((c) => c.path)).not.toContain('/etc/fstab')
    expect(commands(await plan(packagesStep, 'gentoo')).flat()).not.toContain('net-misc/bridge-utils')
  })

  test('on systemd, the upstream proc-xen.mount mounts xenfs: no fstab line', async () => {
    expect(files(await plan(xenfsStep, 'gentoo-systemd')).map((c) => c.path)).not.toContain('/etc/fstab')
  })
})
