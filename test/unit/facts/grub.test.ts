import {describe, expect, it} from '@jest/globals'

import {flattenMenu, parseBlsEntry, parseGrubCfg, parseGrubEnv, resolveSelector} from '../../../src/facts/grub.js'
import {fixture} from './fixtures.js'

const debianUuid = '3b1f7d2e-9a64-4c1b-8f0e-52d6c1a4e7b9'

describe('parseGrubCfg (Debian 12 with Xen installed)', () => {
  const config = parseGrubCfg(fixture('debian-12', '/boot/grub/grub.cfg'))
  const entries = flattenMenu(config.menu)

  it('keeps the header default selector verbatim', () => {
    expect(config.defaultSelector).toBe('${saved_entry}')
  })

  it('lists entries with ids, index paths and submenus', () => {
    expect(entries.map((entry) => [entry.indexPath, entry.title, entry.isXen])).toEqual([
      ['0', 'Debian GNU/Linux', false],
      ['1>0', 'Debian GNU/Linux, with Linux 6.1.0-28-amd64', false],
      ['1>1', 'Debian GNU/Linux, with Linux 6.1.0-28-amd64 (recovery mode)', false],
      ['2', 'Debian GNU/Linux, with Xen hypervisor', true],
      ['3>0>0', 'Debian GNU/Linux, with Xen 4.17-amd64 and Linux 6.1.0-28-amd64', true],
    ])
    expect(entries[3].id).toBe(`xen-gnulinux-simple-${debianUuid}`)
    expect(entries[4].submenus).toEqual(['Advanced options for Debian GNU/Linux (with Xen hypervisor)', 'Xen hypervisor, version 4.17-amd64'])
  })

  it('separates Xen arguments from the dom0 kernel arguments', () => {
    expect(entries[3]).toMatchObject({
      xenArgs: 'dom0_mem=2816M,max:2816M dom0_max_vcpus=1-4',
      dom0Mem: '2816M,max:2816M',
      kernelArgs: `root=UUID=${debianUuid} ro quiet`,
    })
    expect(entries[0]).toEqual({
      title: 'Debian GNU/Linux',
      id: `gnulinux-simple-${debianUuid}`,
      indexPath: '0',
      submenus: [],
      isXen: false,
      kernelArgs: `root=UUID=${debianUuid} ro quiet`,
    })
  })

  it('resolves selectors by index, title, id and submenu path', () => {
    const path = (selector: string) => resolveSelector(config.menu, selector)?.indexPath
    expect(path('0')).toBe('0')
    expect(path('2')).toBe('2')
    expect(path('Debian GNU/Linux, with Xen hypervisor')).toBe('2')
    expect(path(`xen-gnulinux-simple-${debianUuid}`)).toBe('2')
    expect(path('1>1')).toBe('1>1')
    expect(path(`gnulinux-advanced-${debianUuid}>gnulinux-6.1.0-28-amd64-advanced-${debianUuid}`)).toBe('1>0')
    expect(path('Advanced options for Debian GNU/Linux (with Xen hypervisor)>Xen hypervisor, version 4.17-amd64>0')).toBe('3>0>0')
  })

  it('does not resolve selectors that name nothing or stop at a submenu', () => {
    expect(resolveSelector(config.menu, '')).toBeUndefined()
    expect(resolveSelector(config.menu, '9')).toBeUndefined()
    expect(resolveSelector(config.menu, 'Windows')).toBeUndefined()
    expect(resolveSelector(config.menu, '1')).toBeUndefined()
    expect(resolveSelector(config.menu, '0>0')).toBeUndefined()
  })
})

describe('parseGrubCfg (Fedora BLS)', () => {
  const bls = (id: string) => parseBlsEntry(id, fixture('fedora-41', `/boot/loader/entries/${id}.conf`))
  const machine = '2c6a1f0e9d8b47c3a5e4f3b2d1c0b9a8'
  const config = parseGrubCfg(fixture('fedora-41', '/boot/grub2/grub.cfg'), [
    bls(`${machine}-6.11.4-301.fc41.x86_64`),
    bls(`${machine}-6.11.3-300.fc41.x86_64`),
  ])

  it('places BLS entries where blscfg runs, before the later menuentries (20_linux_xen\'s, flat as GRUB_DISABLE_SUBMENU=true makes them)', () => {
    expect(flattenMenu(config.menu).map((entry) => [entry.indexPath, entry.title, entry.isXen])).toEqual([
      ['0', 'Fedora Linux (6.11.4-301.fc41.x86_64) 41 (Server Edition)', false],
      ['1', 'Fedora Linux (6.11.3-300.fc41.x86_64) 41 (Server Edition)', false],
      ['2', 'Fedora, with Xen 4.19.0 and Linux 6.11.4-301.fc41.x86_64', true],
      ['3', 'Fedora, with Xen 4.19.0 and Linux 6.11.3-300.fc41.x86_64', true],
      ['4', 'UEFI Firmware Settings', false],
    ])
  })

  it('ignores the runtime-conditional boot-counting `set default=1`', () => {
    expect(config.defaultSelector).toBe('${saved_entry}')
  })

  it('reads a BLS entry', () => {
    expect(flattenMenu([bls(`${machine}-6.11.4-301.fc41.x86_64`)])[0]).toEqual({
      title: 'Fedora Linux (6.11.4-301.fc41.x86_64) 41 (Server Edition)',
      id: `${machine}-6.11.4-301.fc41.x86_64`,
      indexPath: '0',
      submenus: [],
      isXen: false,
      kernelArgs: 'root=/dev/mapper/fedora-root ro rd.lvm.lv=fedora/root rhgb quiet',
    })
  })
})

describe('parseGrubEnv', () => {
  it('reads key=value lines and skips the # padding', () => {
    expect(parseGrubEnv(fixture('debian-12', '/boot/grub/grubenv'))).toEqual({next_entry: `xen-gnulinux-simple-${debianUuid}`})
    expect(parseGrubEnv(fixture('opensuse-leap-15.6', '/boot/grub2/grubenv'))).toEqual({saved_entry: 'openSUSE Leap 15.6, with Xen hypervisor'})
  })
})
