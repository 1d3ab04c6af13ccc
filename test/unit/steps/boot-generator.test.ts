import {afterEach, describe, expect, test} from '@jest/globals'
import {execFileSync} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseGrubCfg, flattenMenu} from '../../../src/facts/index.js'
import {renderTemplate} from '../../../src/render/template.js'
import {bootStep} from '../../../src/steps/boot.js'
import {contextFor, machine} from '../../lib/init-context.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const ARCH = 'NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n'
const GRUB_LIB = '/usr/share/grub/grub-mkconfig_lib'

let root: string
afterEach(() => removeTree(root))

describe('a GRUB without 20_linux_xen gets xensetup\'s own Xen generator', () => {
  test('the plan renders /etc/grub.d/09_xen (executable) only when Xen is installed and 20_linux_xen is missing', async () => {
    const arch = {
      '/var/lib/pacman/local/xen-4.19.1-1/desc': '%NAME%\nxen\n',
      '/boot/xen-4.19.1.gz': '',
      '/etc/grub.d/10_linux': '#!/bin/sh\n',
      '/etc/default/grub': 'GRUB_DEFAULT=0\n',
    }
    root = makeTree(machine(ARCH, arch))
    const plan = await bootStep.plan(contextFor(root))
    const generator = 'changes' in plan ? plan.changes.find((c) => c.kind === 'file' && c.path === '/etc/grub.d/09_xen') : undefined
    expect(generator).toMatchObject({kind: 'file', mode: 0o755, before: null})
    removeTree(root)
    root = makeTree(machine(ARCH, {...arch, '/etc/grub.d/20_linux_xen': '#!/bin/sh\n'}))
    const withXenScript = await bootStep.plan(contextFor(root))
    expect('changes' in withXenScript && withXenScript.changes.map((c) => (c.kind === 'command' ? c.argv[0] : c.path))).toEqual(['/etc/default/grub', 'grub-mkconfig'])
  })

  // Runs the rendered script with sh and GRUB's own grub-mkconfig_lib, as grub-mkconfig does (grub-common
  // is installed by .ci/run); then our grub.cfg parser must see a Xen entry with the dom0 options.
  const withGrub = existsSync(GRUB_LIB) ? test : test.skip
  withGrub('the generator writes an entry GRUB and xensetup both read: multiboot2 Xen, module2 kernel and initrd, stable id', async () => {
    root = makeTree({'/boot/xen-4.18.3.gz': '', '/boot/xen-4.19.1.gz': '', '/boot/vmlinuz-linux': '', '/boot/initramfs-linux.img': ''})
    const script = path.join(root, '09_xen')
    writeFileSync(script, await renderTemplate('grub/09_xen', {bootDir: path.join(root, 'boot')}))
    const output = execFileSync('sh', [script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        pkgdatadir: path.dirname(GRUB_LIB),
        GRUB_DISTRIBUTOR: 'Arch',
        GRUB_DEVICE_UUID: '5b1e2f0a-77c4-4d0e-9c1b-2a3f4e5d6c7b',
        GRUB_CMDLINE_XEN_DEFAULT: 'dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4',
        GRUB_CMDLINE_LINUX_DEFAULT: 'quiet',
      },
    })
    const [entry] = flattenMenu(parseGrubCfg(output).menu)
    expect(entry).toMatchObject({
      title: 'Arch, with Xen hypervisor',
      id: 'xen-xensetup-5b1e2f0a-77c4-4d0e-9c1b-2a3f4e5d6c7b',
      isXen: true,
      dom0Mem: '2048M,max:2048M',
    })
    expect(output).toContain(`multiboot2 ${root}/boot/xen-4.19.1.gz placeholder`)
    expect(output).toContain('root=UUID=5b1e2f0a-77c4-4d0e-9c1b-2a3f4e5d6c7b ro  quiet')
    expect(output).toContain(`module2 --nounzip ${root}/boot/initramfs-linux.img`)
  })
})
