import {describe, expect, it} from '@jest/globals'

import {describeGuestConfig} from '../../../src/facts/guests.js'
import {featuresSayDom0, xenCommandLineFromLog} from '../../../src/facts/xen.js'
import {parseAutoballoon, parseDeviceSpec, parseXlConfig} from '../../../src/formats/xlcfg.js'
import {fixture} from './fixtures.js'

describe('parseXlConfig', () => {
  it('reads strings, numbers and multi-line lists, skipping comments', () => {
    expect(parseXlConfig(fixture('debian-13', '/etc/xen/win10.cfg'))).toEqual({
      type: 'hvm',
      name: 'win10',
      memory: 8192,
      vcpus: 4,
      disk: ['phy:/dev/vg_xen/win10-disk,hda,w', 'file:/srv/iso/Win10_22H2_English_x64.iso,hdc:cdrom,r'],
      vif: ['mac=00:16:3e:5a:10:02,model=e1000'],
      boot: 'dc',
      vnc: 1,
      vnclisten: '0.0.0.0',
      usbdevice: ['tablet'],
    })
  })

  it('handles ; separators, += and dotted keys; skips malformed settings', () => {
    expect(parseXlConfig('a = 1; b = "x # not a comment"\nvif.default.bridge="br0"\nl = [ "x" ]\nl += [ "y" ]\n= 3\nbroken\nc = 0x10')).toEqual({
      a: 1,
      b: 'x # not a comment',
      'vif.default.bridge': 'br0',
      l: ['x', 'y'],
      c: 16,
    })
  })

  it('sees only uncommented settings in the distro xl.conf', () => {
    expect(parseXlConfig(fixture('debian-12', '/etc/xen/xl.conf'))).toEqual({})
    expect(parseXlConfig(fixture('opensuse-leap-15.6', '/etc/xen/xl.conf'))).toEqual({autoballoon: 'off', 'vif.default.bridge': 'br0'})
  })
})

describe('parseDeviceSpec', () => {
  it('splits key=value pairs', () => {
    expect(parseDeviceSpec('mac=00:16:3e:5a:10:01, bridge=xenbr0,script=vif-bridge')).toEqual({
      mac: '00:16:3e:5a:10:01',
      bridge: 'xenbr0',
      script: 'vif-bridge',
    })
  })
})

describe('parseAutoballoon', () => {
  it.each([
    ['on', 'on'],
    [1, 'on'],
    ['off', 'off'],
    ['0', 'off'],
    ['auto', 'auto'],
    [undefined, null],
    ['maybe', null],
  ] as const)('%s', (value, expected) => {
    expect(parseAutoballoon(value)).toBe(expected)
  })
})

describe('describeGuestConfig', () => {
  it('applies libxl defaults: HVM VNC on at 127.0.0.1, vifs on the default bridge', () => {
    expect(describeGuestConfig('/etc/xen/g.cfg', {name: 'g', type: 'hvm', vif: ['mac=00:16:3E:00:00:01']}, 'xenbr0')).toEqual({
      path: '/etc/xen/g.cfg',
      name: 'g',
      type: 'hvm',
      memoryMiB: null,
      maxMemoryMiB: null,
      vcpus: null,
      disks: [],
      vifs: [{mac: '00:16:3e:00:00:01', bridge: 'xenbr0'}],
      bridges: ['xenbr0'],
      vnc: {enabled: true, listen: '127.0.0.1', hasPassword: false},
      kernel: null,
      ramdisk: null,
      bootloader: null,
      nested: false,
      hap: null,
      autostart: false,
      missing: [],
    })
  })

  it('reads nested HVM settings: nestedhvm=1 with or without hap', () => {
    expect(describeGuestConfig('/x', {type: 'hvm', nestedhvm: 1, hap: 1}, 'xenbr0')).toMatchObject({nested: true, hap: true})
    expect(describeGuestConfig('/x', {type: 'hvm', nestedhvm: 1}, 'xenbr0')).toMatchObject({nested: true, hap: null})
    expect(describeGuestConfig('/x', {type: 'hvm', hap: 0}, 'xenbr0')).toMatchObject({nested: false, hap: false})
  })

  it('turns VNC off with vnc=0 or nographic=1, and reads builder="hvm"', () => {
    expect(describeGuestConfig('/x', {builder: 'hvm', vnc: 0}, 'xenbr0')).toMatchObject({type: 'hvm', vnc: {enabled: false, listen: null}})
    expect(describeGuestConfig('/x', {type: 'hvm', nographic: 1}, 'xenbr0').vnc.enabled).toBe(false)
  })

  it('reads PV framebuffers from vfb and defaults to PV', () => {
    const settings = parseXlConfig(fixture('opensuse-leap-15.6', '/etc/xen/sles15.cfg'))
    expect(describeGuestConfig('/etc/xen/sles15.cfg', settings, 'br0')).toMatchObject({
      path: '/etc/xen/sles15.cfg',
      name: 'sles15',
      type: 'pv',
      memoryMiB: 4096,
      maxMemoryMiB: 4096,
      disks: [{target: '/dev/vg_xen/sles15', vdev: 'xvda', format: 'raw', access: 'rw', cdrom: false, backend: null}],
      vifs: [{mac: '00:16:3e:21:4a:7b', bridge: 'br0'}],
      bridges: ['br0'],
      vnc: {enabled: true, listen: '0.0.0.0', hasPassword: true},
      bootloader: 'pygrub',
    })
    expect(describeGuestConfig('/x', {name: 'p'}, 'xenbr0')).toMatchObject({type: 'pv', bridges: [], vnc: {enabled: false}})
  })
})

describe('xenCommandLineFromLog', () => {
  it("takes the hypervisor's command line from a saved xl dmesg without GRUB's placeholder", () => {
    expect(xenCommandLineFromLog(fixture('opensuse-leap-15.6', '/var/log/xen/xen-boot.log'))).toBe(
      'dom0_mem=4G,max:4G vga=gfx-1024x768x16 no-real-mode edd=off',
    )
    expect(xenCommandLineFromLog('(XEN) [    0.000000] Command line: dom0_mem=1G\n')).toBe('dom0_mem=1G')
    expect(xenCommandLineFromLog('(XEN) Xen version 4.17\n')).toBeNull()
  })
})

describe('featuresSayDom0', () => {
  it('checks XENFEAT_dom0 (bit 11)', () => {
    expect(featuresSayDom0('00002b1d')).toBe(true)
    expect(featuresSayDom0('000023fd')).toBe(false)
    expect(featuresSayDom0('')).toBe(false)
  })
})
