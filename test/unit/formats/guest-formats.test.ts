import {describe, expect, it} from '@jest/globals'

import {imageFormat, IMAGE_MAGIC_BYTES} from '../../../src/formats/image-format.js'
import {parseLvmText} from '../../../src/formats/lvm-text.js'
import {vgLayout} from '../../../src/formats/lvm-vg.js'
import {isUnicast, parseMac, XEN_OUI} from '../../../src/formats/mac.js'
import {macForName} from '../../../src/guest/mac.js'
import {parseDiskSpec} from '../../../src/formats/xl-disk.js'
import {parseXlInfo} from '../../../src/formats/xl-info.js'
import {describeDomainState, parseXlList} from '../../../src/formats/xl-list.js'
import {lvmFixture} from '../../fixtures/lvm/load.js'
import {fixture} from '../facts/fixtures.js'

describe('parseMac', () => {
  it.each([
    ['00:16:3e:5a:10:01', '00:16:3e:5a:10:01'],
    ['00:16:3E:5A:10:0F', '00:16:3e:5a:10:0f'],
    ['00-16-3e-5a-10-01', '00:16:3e:5a:10:01'],
    [' 0:16:3e:5a:10:1 ', '00:16:3e:5a:10:01'],
    ['00:16:3e:5a:10', null],
    ['00:16:3e:5a:10:01:02', null],
    ['00:16:3e:5a:10:0g', null],
    ['00:16:3e:5a:10:001', null],
    ['0016.3e5a.1001', null],
    ['', null],
  ])('%s', (text, mac) => {
    expect(parseMac(text)).toBe(mac)
  })
})

describe('isUnicast', () => {
  it.each([
    ['00:16:3e:5a:10:01', true],
    // Locally administered (bit 1) is still unicast.
    ['02:00:00:00:00:01', true],
    ['01:00:5e:00:00:01', false],
    ['33:33:00:00:00:01', false],
    ['ff:ff:ff:ff:ff:ff', false],
    ['00:00:00:00:00:00', false],
  ])('%s', (mac, unicast) => {
    expect(isUnicast(mac)).toBe(unicast)
  })
})

describe('macForName', () => {
  it('is stable per name, in the Xen OUI, unicast, with the fourth octet below 0x80', () => {
    const names = ['web', 'win10', 'db-1', 'a', 'guest.example', 'x'.repeat(63), ...Array.from({length: 200}, (_, i) => `g${i}`)]
    for (const name of names) {
      const mac = macForName(name, new Set())
      expect(mac).toBe(macForName(name, new Set()))
      expect(mac.startsWith(`${XEN_OUI}:`)).toBe(true)
      expect(parseMac(mac)).toBe(mac)
      expect(isUnicast(mac)).toBe(true)
      expect(Number.parseInt(mac.split(':')[3], 16)).toBeLessThan(0x80)
    }
  })

  it('gives different names different addresses', () => {
    const macs = new Set(Array.from({length: 200}, (_, i) => macForName(`g${i}`, new Set())))
    expect(macs.size).toBe(200)
  })

  it('skips addresses that are taken, and the next one is stable too', () => {
    const first = macForName('web', new Set())
    const second = macForName('web', new Set([first]))
    expect(second).not.toBe(first)
    expect(second.startsWith(`${XEN_OUI}:`)).toBe(true)
    expect(macForName('web', new Set([first]))).toBe(second)
    const third = macForName('web', new Set([first, second]))
    expect([first, second]).not.toContain(third)
    // Other taken addresses do not move it.
    expect(macForName('web', new Set(['00:16:3e:5a:10:01']))).toBe(first)
  })
})

describe('parseDiskSpec', () => {
  const disk = (fields: Partial<ReturnType<typeof parseDiskSpec>>) => ({target: null, vdev: null, format: null, access: 'rw', cdrom: false, backend: null, ...fields})

  it('reads the keyed form; target= is last and keeps commas, colons and spaces', () => {
    expect(parseDiskSpec('format=raw, vdev=xvda, access=rw, target=/dev/vg0/web-disk')).toEqual(disk({target: '/dev/vg0/web-disk', vdev: 'xvda', format: 'raw'}))
    expect(parseDiskSpec('vdev=hdc, access=ro, devtype=cdrom, target=/srv/iso/a,b: c.iso')).toEqual(disk({target: '/srv/iso/a,b: c.iso', vdev: 'hdc', access: 'ro', cdrom: true}))
    expect(parseDiskSpec('vdev=xvdb,format=qcow2,access=w,backendtype=qdisk,target=/srv/img/x.qcow2')).toEqual(
      disk({target: '/srv/img/x.qcow2', vdev: 'xvdb', format: 'qcow2', backend: 'qdisk'}),
    )
  })

  it('reads the deprecated form: a prefix picks the backend, vdev:cdrom, w/r access', () => {
    expect(parseDiskSpec('phy:/dev/vg/x,xvda,w')).toEqual(disk({target: '/dev/vg/x', vdev: 'xvda', backend: 'phy'}))
    expect(parseDiskSpec('file:/x.iso,hdc:cdrom,r')).toEqual(disk({target: '/x.iso', vdev: 'hdc', access: 'ro', cdrom: true, backend: 'file'}))
    expect(parseDiskSpec('tap:aio:/img,xvdb,w')).toEqual(disk({target: '/img', vdev: 'xvdb', backend: 'tap'}))
    expect(parseDiskSpec('tap:qcow2:/srv/img/x.qcow2,xvdb,w')).toEqual(disk({target: '/srv/img/x.qcow2', vdev: 'xvdb', format: 'qcow2', backend: 'tap'}))
    expect(parseDiskSpec('raw:/dev/vg/guest-volume,hda,w')).toEqual(disk({target: '/dev/vg/guest-volume', vdev: 'hda', format: 'raw'}))
  })

  it('reads the positional form target,format,vdev,access', () => {
    expect(parseDiskSpec('/dev/vg/guest-volume,raw,hda,rw')).toEqual(disk({target: '/dev/vg/guest-volume', vdev: 'hda', format: 'raw'}))
    expect(parseDiskSpec('/srv/img/x.qcow2, qcow2, xvdb, ro')).toEqual(disk({target: '/srv/img/x.qcow2', vdev: 'xvdb', format: 'qcow2', access: 'ro'}))
    expect(parseDiskSpec('/root/image.iso,raw,hdc,devtype=cdrom')).toEqual(disk({target: '/root/image.iso', vdev: 'hdc', format: 'raw', access: 'ro', cdrom: true}))
  })

  // The equivalent spellings xl-disk-configuration(5) lists: without a deprecated prefix the second
  // positional parameter is the format, even when it is left empty.
  it.each([
    '/dev/vg/guest-volume,,hda',
    '/dev/vg/guest-volume,raw,hda,rw',
    'format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume',
    'raw:/dev/vg/guest-volume,hda,w',
  ])('%s is the disk /dev/vg/guest-volume on hda, read-write', (spec) => {
    expect(parseDiskSpec(spec)).toMatchObject({target: '/dev/vg/guest-volume', vdev: 'hda', access: 'rw', cdrom: false})
  })

  it.each([
    '/root/image.iso,,hdc,cdrom',
    '/root/image.iso,,hdc,,cdrom',
    '/root/image.iso,raw,hdc,devtype=cdrom',
    'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso',
    'raw:/root/image.iso,hdc:cdrom,ro',
  ])('%s is the CD-ROM /root/image.iso on hdc, read-only', (spec) => {
    expect(parseDiskSpec(spec)).toMatchObject({target: '/root/image.iso', vdev: 'hdc', access: 'ro', cdrom: true})
  })

  it("reads xend's empty CD-ROM drive", () => {
    expect(parseDiskSpec(',hdc:cdrom,r')).toEqual(disk({vdev: 'hdc', format: 'empty', access: 'ro', cdrom: true}))
  })

  it('reads the disks of the fixture guests as their configs mean them', () => {
    expect(parseDiskSpec('vdev=xvda,format=raw,access=rw,target=/dev/vg_xen/sles15')).toEqual(disk({target: '/dev/vg_xen/sles15', vdev: 'xvda', format: 'raw'}))
    expect(parseDiskSpec('phy:/dev/vg_xen/win10-disk,hda,w')).toEqual(disk({target: '/dev/vg_xen/win10-disk', vdev: 'hda', backend: 'phy'}))
  })
})

/** `xl list` as Xen 4.17 prints it on a dom0 with two guests (tabs between the last columns). */
const XL_LIST = `Name                                        ID   Mem VCPUs\tState\tTime(s)
Domain-0                                     0  4096     4     r-----     812.3
web                                          3  2048     2     -b----      97.1
win10                                       12  8192     4     --p---       0.0
`

describe('parseXlList', () => {
  it('reads every domain, Domain-0 included, and skips the header', () => {
    expect(parseXlList(XL_LIST)).toEqual([
      {name: 'Domain-0', id: 0, memoryMiB: 4096, vcpus: 4, state: 'r-----'},
      {name: 'web', id: 3, memoryMiB: 2048, vcpus: 2, state: '-b----'},
      {name: 'win10', id: 12, memoryMiB: 8192, vcpus: 4, state: '--p---'},
    ])
  })

  it('reads nothing from an empty answer or an error message', () => {
    expect(parseXlList('')).toEqual([])
    expect(parseXlList('xencall: error: Could not obtain handle on privileged command interface: No such file or directory\nlibxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\ncannot init xl context\n')).toEqual([])
  })

  it('names the states', () => {
    expect(describeDomainState('r-----')).toBe('running')
    expect(describeDomainState('-b----')).toBe('idle')
    expect(describeDomainState('--p---')).toBe('paused')
    expect(describeDomainState('----c-')).toBe('crashed')
    expect(describeDomainState('------')).toBe('idle')
  })
})

/** `xl info` of a Xen 4.20 dom0 (trimmed): values hold colons and spaces. */
const XL_INFO = `host                   : dom0
release                : 6.12.48+deb13-amd64
version                : #1 SMP PREEMPT_DYNAMIC Debian 6.12.48-1 (2025-09-20)
machine                : x86_64
nr_cpus                : 12
virt_caps              : pv hvm hap shadow iommu_hap_pt_share vmtrace gnttab-v1 gnttab-v2
total_memory           : 32613
free_memory            : 27912
xen_version            : 4.20.4
xen_commandline        : placeholder dom0_mem=4096M,max:4096M dom0_max_vcpus=1-4 console=com1,vga
cc_compile_date        : Fri Sep 12 10:11:12 UTC 2025
build_id               :
`

describe('parseXlInfo', () => {
  it('reads key : value lines, keeping colons in values', () => {
    const info = parseXlInfo(XL_INFO)
    expect(info).toMatchObject({
      host: 'dom0',
      nr_cpus: '12',
      virt_caps: 'pv hvm hap shadow iommu_hap_pt_share vmtrace gnttab-v1 gnttab-v2',
      total_memory: '32613',
      xen_commandline: 'placeholder dom0_mem=4096M,max:4096M dom0_max_vcpus=1-4 console=com1,vga',
      cc_compile_date: 'Fri Sep 12 10:11:12 UTC 2025',
      build_id: '',
    })
    expect(Object.keys(info)).toHaveLength(12)
  })

  it('reads nothing from an error', () => {
    expect(parseXlInfo('cannot init xl context\n')).toEqual({})
  })
})

describe('imageFormat', () => {
  const head = (...bytes: Array<number | string>) =>
    Buffer.concat(bytes.map((b) => (typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from([b])))).subarray(0, IMAGE_MAGIC_BYTES)

  it.each([
    ['qcow2', head(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3)],
    ['qed', head('QED', 0, 1, 0, 0, 0)],
    ['vhd', head('conectix')],
    ['raw', head(0xeb, 0x63, 0x90, 0x10, 0x8e, 0xd0, 0xbc, 0)],
    ['raw', head('QFI', 0xfa, 0, 0, 0, 3)],
    ['raw', head('connecti')],
    ['raw', Buffer.alloc(0)],
    ['raw', head('QF')],
  ] as const)('%s', (format, bytes) => {
    expect(imageFormat(bytes)).toBe(format)
  })
})

describe('vgLayout', () => {
  it('reads a group without volumes: extents of all its PVs, all free', () => {
    expect(vgLayout(parseLvmText(lvmFixture('backup-vg0-one-pv')), 'vg0')).toEqual({name: 'vg0', extentMiB: 4, extents: 15, freeExtents: 15, lvs: new Map()})
    expect(vgLayout(parseLvmText(lvmFixture('backup-vg0-two-pvs')), 'vg0')).toMatchObject({extentMiB: 4, extents: 30, freeExtents: 30})
  })

  it("reads the fixture dom0's groups: their volumes' sizes and what is left free", () => {
    const vg0 = vgLayout(parseLvmText(fixture('debian-13', '/etc/lvm/backup/vg0')), 'vg0')
    expect(vg0).toEqual({name: 'vg0', extentMiB: 4, extents: 25599, freeExtents: 25599 - 2560, lvs: new Map([['web-disk', 2560]])})
    const vgXen = vgLayout(parseLvmText(fixture('debian-13', '/etc/lvm/backup/vg_xen')), 'vg_xen')
    expect(vgXen).toMatchObject({extents: 25599, freeExtents: 25599 - 10240, lvs: new Map([['win10-disk', 10240]])})
  })

  it('counts every segment of a volume', () => {
    const text = fixture('debian-13', '/etc/lvm/backup/vg0').replace(
      /(\t\t\tsegment1 \{[\s\S]*?\n\t\t\t\})/,
      '$1\n\t\t\tsegment2 {\n\t\t\t\tstart_extent = 2560\n\t\t\t\textent_count = 512\n\t\t\t\ttype = "striped"\n\t\t\t\tstripe_count = 1\n\t\t\t\tstripes = ["pv0", 2560]\n\t\t\t}',
    )
    expect(vgLayout(parseLvmText(text), 'vg0')).toMatchObject({freeExtents: 25599 - 3072, lvs: new Map([['web-disk', 3072]])})
  })

  it('is undefined for a group the metadata does not hold', () => {
    expect(vgLayout(parseLvmText(lvmFixture('backup-vg0-one-pv')), 'vg1')).toBeUndefined()
    expect(vgLayout(parseLvmText('vg0 { seqno = 1 }'), 'vg0')).toBeUndefined()
  })
})
