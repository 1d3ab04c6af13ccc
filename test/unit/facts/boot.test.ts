import {describe, expect, it} from '@jest/globals'
import {readFileSync} from 'node:fs'

import {mergeGrubDefaults, parseSecureBootVariable} from '../../../src/facts/boot.js'
import {parseExtlinuxConf} from '../../../src/facts/extlinux.js'
import {fixture, rootsDir} from './fixtures.js'

const secureBootPath = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c'

describe('parseSecureBootVariable', () => {
  it('reads the value byte after the 4 attribute bytes', () => {
    const read = (root: string) => readFileSync(`${rootsDir}${root}${secureBootPath}`, 'utf8')
    expect(parseSecureBootVariable(read('fedora-41'))).toBe(true)
    expect(parseSecureBootVariable(read('debian-13'))).toBe(false)
    expect(parseSecureBootVariable('\x06\x00\x00')).toBeNull()
  })
})

describe('mergeGrubDefaults', () => {
  it('sources /etc/default/grub then grub.d in order; Debian xen.cfg logic inside if-blocks is not evaluated', () => {
    const texts = ['/etc/default/grub', '/etc/default/grub.d/00-xensetup.cfg', '/etc/default/grub.d/xen.cfg', '/etc/default/grub.d/zz-xensetup.cfg']
    expect(mergeGrubDefaults(texts.map((path) => fixture('debian-12', path)))).toEqual({
      GRUB_DEFAULT: 'saved',
      GRUB_TIMEOUT: '5',
      GRUB_DISTRIBUTOR: '`lsb_release -i -s 2> /dev/null || echo Debian`',
      GRUB_CMDLINE_LINUX_DEFAULT: 'quiet',
      GRUB_CMDLINE_LINUX: '',
      XEN_OVERRIDE_GRUB_DEFAULT: '0',
      GRUB_CMDLINE_XEN_DEFAULT: 'dom0_mem=2816M,max:2816M dom0_max_vcpus=1-4',
    })
  })

  it('lets later files override earlier ones', () => {
    expect(mergeGrubDefaults(['GRUB_TIMEOUT=5\nGRUB_DEFAULT=0', 'GRUB_TIMEOUT=0', 'GRUB_DEFAULT="$GRUB_DEFAULT"x'])).toEqual({
      GRUB_TIMEOUT: '0',
      GRUB_DEFAULT: '0x',
    })
  })
})

describe('parseExtlinuxConf', () => {
  it("reads Alpine's generated menu (DEFAULT menu.c32 + MENU DEFAULT): update-extlinux's Xen label first, through COM32 mboot.c32", () => {
    expect(parseExtlinuxConf(fixture('alpine-3.20', '/boot/extlinux.conf'))).toEqual({
      defaultLabel: 'lts',
      entries: [
        {
          title: 'Xen + Linux lts',
          id: 'xen-lts',
          indexPath: '0',
          submenus: [],
          isXen: true,
          xenArgs: 'dom0_mem=384M',
          dom0Mem: '384M',
          kernelArgs: 'root=UUID=8e2d4c6a-1b3f-4a5e-9c7d-0f1e2d3c4b5a modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4',
        },
        {
          title: 'Linux lts',
          id: 'lts',
          indexPath: '1',
          submenus: [],
          isXen: false,
          kernelArgs: 'root=UUID=8e2d4c6a-1b3f-4a5e-9c7d-0f1e2d3c4b5a modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4',
        },
      ],
    })
  })

  it('recognises a Xen entry booted through mboot.c32', () => {
    const config = parseExtlinuxConf(`DEFAULT xen-lts
LABEL lts
  LINUX vmlinuz-lts
  APPEND root=/dev/sda3 quiet
LABEL xen-lts
  MENU LABEL Linux lts with Xen
  KERNEL mboot.c32
  APPEND /boot/xen.gz dom0_mem=1024M,max:1024M --- /boot/vmlinuz-lts root=/dev/sda3 quiet --- /boot/initramfs-lts
`)
    expect(config.defaultLabel).toBe('xen-lts')
    expect(config.entries[1]).toEqual({
      title: 'Linux lts with Xen',
      id: 'xen-lts',
      indexPath: '1',
      submenus: [],
      isXen: true,
      xenArgs: 'dom0_mem=1024M,max:1024M',
      dom0Mem: '1024M,max:1024M',
      kernelArgs: 'root=/dev/sda3 quiet',
    })
  })
})
