import {describe, expect, test} from '@jest/globals'
import {describeGuestConfig} from '../../../src/facts/guests.js'
import type {GuestConfig} from '../../../src/facts/types.js'
import {parseXlConfig, type XlValue} from '../../../src/formats/xlcfg.js'
import {diskSpecs, renderGuestConfig} from '../../../src/guest/config.js'
import type {GuestSpec} from '../../../src/guest/spec.js'

const MAC = '00:16:3e:12:34:56'
const LV_DISK: GuestSpec['disk'] = {kind: 'lv', vg: 'vg0', lv: 'g1-disk', sizeMiB: 10240, device: '/dev/vg0/g1-disk'}

function spec(given: Partial<GuestSpec>): GuestSpec {
  return {
    name: 'g1',
    type: 'pv',
    typeReason: 'no --iso or --kernel: PV, booting the kernel in the guest\'s own /boot',
    memoryMiB: 1024,
    vcpus: 2,
    disk: LV_DISK,
    boot: {kind: 'pygrub', extra: null},
    bridge: 'xenbr0',
    mac: MAC,
    vnc: null,
    nested: false,
    hideHypervisor: false,
    autostart: false,
    start: false,
    ...given,
  }
}

/**
 * The rendered config read back as xl and doctor read it. The default bridge given is not xenbr0, so a
 * vif that lost its bridge= would show.
 */
async function roundTrip(guest: GuestSpec): Promise<{text: string; settings: Record<string, XlValue>; config: GuestConfig}> {
  const text = await renderGuestConfig(guest)
  const settings = parseXlConfig(text)
  return {text, settings, config: describeGuestConfig(`/etc/xen/${guest.name}.cfg`, settings, 'br-default')}
}

const LV_DISK_READ = {target: '/dev/vg0/g1-disk', vdev: 'xvda', format: 'raw', access: 'rw', cdrom: false, backend: null}

describe('guest configs read back as the guest they were made for', () => {
  test('PV, direct kernel boot with ramdisk and command line, on a logical volume', async () => {
    const guest = spec({
      type: 'pv',
      typeReason: '--kernel: PV direct boot (no VT-x/AMD-V for PVH)',
      boot: {kind: 'kernel', kernel: '/srv/boot/vmlinuz', ramdisk: '/srv/boot/initrd.img', extra: 'console=hvc0 root=/dev/xvda1 ro quiet'},
    })
    const {text, settings, config} = await roundTrip(guest)
    expect(config).toEqual({
      path: '/etc/xen/g1.cfg',
      name: 'g1',
      type: 'pv',
      memoryMiB: 1024,
      maxMemoryMiB: null,
      vcpus: 2,
      disks: [LV_DISK_READ],
      vifs: [{mac: MAC, bridge: 'xenbr0'}],
      bridges: ['xenbr0'],
      vnc: {enabled: false, listen: null, hasPassword: false},
      kernel: '/srv/boot/vmlinuz',
      ramdisk: '/srv/boot/initrd.img',
      bootloader: null,
      nested: false,
      hap: null,
      autostart: false,
      missing: [],
    })
    expect(settings).toMatchObject({extra: 'console=hvc0 root=/dev/xvda1 ro quiet', on_poweroff: 'destroy', on_reboot: 'restart', on_crash: 'destroy'})
    expect(settings).not.toHaveProperty('vfb')
    expect(settings).not.toHaveProperty('bootloader')
    // The reason for the type is in the file, for whoever opens it.
    expect(text).toContain('# PV: --kernel: PV direct boot (no VT-x/AMD-V for PVH)\n')
  })

  test('HVM from an installer ISO with VNC on localhost: CD-ROM first, then the disk', async () => {
    const guest = spec({
      type: 'hvm',
      typeReason: '--iso: an installer medium boots as HVM (BIOS and CD-ROM emulated)',
      boot: {kind: 'iso', iso: '/srv/iso/debian-13.0.0-amd64-netinst.iso'},
      vnc: {listen: '127.0.0.1', password: null},
      memoryMiB: 4096,
      vcpus: 4,
    })
    const {settings, config} = await roundTrip(guest)
    expect(config).toMatchObject({
      type: 'hvm',
      memoryMiB: 4096,
      vcpus: 4,
      disks: [LV_DISK_READ, {target: '/srv/iso/debian-13.0.0-amd64-netinst.iso', vdev: 'hdc', format: 'raw', access: 'ro', cdrom: true, backend: null}],
      vifs: [{mac: MAC, bridge: 'xenbr0'}],
      vnc: {enabled: true, listen: '127.0.0.1', hasPassword: false},
      kernel: null,
      bootloader: null,
      nested: false,
    })
    expect(settings).toMatchObject({boot: 'dc', vnc: 1, vnclisten: '127.0.0.1', serial: 'pty'})
    expect(settings).not.toHaveProperty('vncpasswd')
  })

  test('HVM without --vnc turns libxl\'s default VNC off and boots from its disk', async () => {
    const {settings, config} = await roundTrip(spec({type: 'hvm', typeReason: '--type hvm', boot: {kind: 'disk'}}))
    expect(settings).toMatchObject({vnc: 0, boot: 'c', serial: 'pty'})
    expect(settings).not.toHaveProperty('vnclisten')
    expect(config).toMatchObject({type: 'hvm', vnc: {enabled: false, listen: null, hasPassword: false}, disks: [LV_DISK_READ]})
  })

  test('HVM with VNC on all addresses keeps its password', async () => {
    const {settings, config} = await roundTrip(spec({type: 'hvm', boot: {kind: 'iso', iso: '/srv/iso/x.iso'}, vnc: {listen: '0.0.0.0', password: 's3cret'}}))
    expect(settings).toMatchObject({vnc: 1, vnclisten: '0.0.0.0', vncpasswd: 's3cret'})
    expect(config.vnc).toEqual({enabled: true, listen: '0.0.0.0', hasPassword: true})
  })

  test('a nested hypervisor (L1): hap=1, nestedhvm=1 and the CPUID hypervisor bit cleared', async () => {
    const guest = spec({
      name: 'esxi',
      type: 'hvm',
      typeReason: '--nested: a nested hypervisor runs as an HVM guest',
      boot: {kind: 'iso', iso: '/srv/iso/VMware-VMvisor-Installer-8.0.iso'},
      disk: {kind: 'lv', vg: 'vg0', lv: 'esxi-disk', sizeMiB: 40960, device: '/dev/vg0/esxi-disk'},
      memoryMiB: 8192,
      vcpus: 4,
      nested: true,
      hideHypervisor: true,
      vnc: {listen: '127.0.0.1', password: null},
    })
    const {settings, config} = await roundTrip(guest)
    expect(config).toMatchObject({name: 'esxi', type: 'hvm', nested: true, hap: true, memoryMiB: 8192, vcpus: 4})
    expect(config.disks.map((disk) => [disk.target, disk.cdrom])).toEqual([
      ['/dev/vg0/esxi-disk', false],
      ['/srv/iso/VMware-VMvisor-Installer-8.0.iso', true],
    ])
    expect(settings).toMatchObject({hap: 1, nestedhvm: 1})
    // libxl's xend format: 32 characters for ECX from bit 31 down; only bit 31 (hypervisor present) is 0.
    expect(settings.cpuid).toEqual([`0x1:ecx=0${'x'.repeat(31)}`])
  })

  test('a nested guest that shows the hypervisor bit has no cpuid line', async () => {
    const {settings, config} = await roundTrip(spec({type: 'hvm', boot: {kind: 'iso', iso: '/srv/iso/x.iso'}, nested: true}))
    expect(config).toMatchObject({nested: true, hap: true})
    expect(settings).not.toHaveProperty('cpuid')
  })

  test('PV through pygrub, with a command line for the guest kernel', async () => {
    const {settings, config} = await roundTrip(spec({boot: {kind: 'pygrub', extra: 'console=hvc0'}}))
    expect(config).toMatchObject({type: 'pv', bootloader: 'pygrub', kernel: null, ramdisk: null, disks: [LV_DISK_READ], vnc: {enabled: false}})
    expect(settings).toMatchObject({bootloader: 'pygrub', extra: 'console=hvc0'})
    expect(settings).not.toHaveProperty('boot')
  })

  test('PV through pvgrub2: GRUB is the kernel', async () => {
    const image = '/usr/lib/grub-xen/grub-x86_64-xen.bin'
    const {settings, config} = await roundTrip(spec({boot: {kind: 'pvgrub2', image}}))
    expect(config).toMatchObject({type: 'pv', kernel: image, bootloader: null, ramdisk: null})
    expect(settings).not.toHaveProperty('extra')
  })

  test('PV with a VNC framebuffer, with and without a password', async () => {
    const local = await roundTrip(spec({vnc: {listen: '127.0.0.1', password: null}}))
    expect(local.settings.vfb).toEqual(['vnc=1,vnclisten=127.0.0.1'])
    expect(local.config.vnc).toEqual({enabled: true, listen: '127.0.0.1', hasPassword: false})
    const open = await roundTrip(spec({vnc: {listen: '0.0.0.0', password: 'pw'}}))
    expect(open.config.vnc).toEqual({enabled: true, listen: '0.0.0.0', hasPassword: true})
    // PV guests have no emulated VNC (that key is HVM's).
    expect(open.settings).not.toHaveProperty('vnc')
  })

  test('PVH direct boot, with no disk and another bridge', async () => {
    const {settings, config} = await roundTrip(
      spec({type: 'pvh', typeReason: '--kernel on a CPU with VT-x/AMD-V', disk: null, bridge: 'br1', boot: {kind: 'kernel', kernel: '/srv/boot/vmlinuz', ramdisk: null, extra: null}}),
    )
    expect(config).toMatchObject({type: 'pvh', disks: [], vifs: [{mac: MAC, bridge: 'br1'}], bridges: ['br1'], kernel: '/srv/boot/vmlinuz', ramdisk: null})
    expect(settings).not.toHaveProperty('disk')
    expect(settings).not.toHaveProperty('ramdisk')
  })

  test('image files keep their format; paths with commas and spaces survive in target=', async () => {
    const guest = spec({
      type: 'hvm',
      disk: {kind: 'path', path: '/srv/img/guest one.qcow2', format: 'qcow2', block: false},
      boot: {kind: 'iso', iso: '/srv/iso/debian,13 netinst.iso'},
    })
    const {config} = await roundTrip(guest)
    expect(config.disks).toEqual([
      {target: '/srv/img/guest one.qcow2', vdev: 'xvda', format: 'qcow2', access: 'rw', cdrom: false, backend: null},
      {target: '/srv/iso/debian,13 netinst.iso', vdev: 'hdc', format: 'raw', access: 'ro', cdrom: true, backend: null},
    ])
    expect(diskSpecs(guest)).toEqual(['format=qcow2, vdev=xvda, access=rw, target=/srv/img/guest one.qcow2', 'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/srv/iso/debian,13 netinst.iso'])
  })

  test('a block device given by path is a raw disk', async () => {
    const {config} = await roundTrip(spec({disk: {kind: 'path', path: '/dev/sdc', format: 'raw', block: true}}))
    expect(config.disks).toEqual([{target: '/dev/sdc', vdev: 'xvda', format: 'raw', access: 'rw', cdrom: false, backend: null}])
  })

  test('rendering is deterministic and every line is a comment or a setting xl reads', async () => {
    const guest = spec({type: 'hvm', boot: {kind: 'iso', iso: '/srv/iso/x.iso'}, vnc: {listen: '127.0.0.1', password: 'pw'}, nested: true, hideHypervisor: true})
    const text = await renderGuestConfig(guest)
    expect(await renderGuestConfig(guest)).toBe(text)
    expect(text).not.toMatch(/undefined|null|\[object/)
    expect(text.endsWith('\n')).toBe(true)
    // Multi-line lists continue with indented entries and a closing bracket.
    for (const line of text.split('\n').filter(Boolean)) expect(line).toMatch(/^(#.*|[a-z_]+ = .*|    '.*',|\])$/)
  })
})
