import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {EXIT, UserError} from '../../../src/errors.js'
import {gatherFacts} from '../../../src/facts/index.js'
import type {Facts, GuestTools} from '../../../src/facts/types.js'
import {parseLvmText} from '../../../src/formats/lvm-text.js'
import {type VgLayout, vgLayout} from '../../../src/formats/lvm-vg.js'
import {macForName} from '../../../src/guest/mac.js'
import {Host} from '../../../src/host/host.js'
import {type GuestCreateFlags, type GuestEnvironment, resolveGuestSpec} from '../../../src/guest/options.js'
import {hostMemoryMiB, runningDomains, toolstackRunning, xlInfo} from '../../../src/guest/toolstack.js'
import {type VirtCaps, virtCaps} from '../../../src/guest/virt-caps.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {fixture} from '../facts/fixtures.js'
import {makeTree, removeTree} from '../../lib/tree.js'

/** A running dom0 with xenbr0 and two guests (web: 00:16:3e:5a:10:01, win10: 00:16:3e:5a:10:02). */
const DOM0 = gatherFacts(new Host(fileURLToPath(new URL('../../fixtures/roots/debian-13', import.meta.url))))
/** Its vg0: 25599 extents of 4 MiB, web-disk holding 2560 of them. */
const VG0 = vgLayout(parseLvmText(fixture('debian-13', '/etc/lvm/backup/vg0')), 'vg0') as VgLayout
const FREE_MIB = (25599 - 2560) * 4

const XEN_HAP: VirtCaps = {hvm: true, hap: true, source: 'Xen (xl info virt_caps: pv hvm hap shadow)'}
const XEN_NO_HAP: VirtCaps = {hvm: true, hap: false, source: 'Xen (xl info virt_caps: pv hvm shadow)'}
const XEN_PV_ONLY: VirtCaps = {hvm: false, hap: false, source: 'Xen (xl info virt_caps: pv)'}
const UNKNOWN: VirtCaps = {hvm: null, hap: null, source: 'the --root target (the CPU it will run on is unknown here)'}

const PYGRUB = '/usr/lib/xen-4.20/bin/pygrub'
const PVGRUB2 = '/usr/lib/grub-xen/grub-x86_64-xen.bin'
/** qcow2's magic ("QFI\xfb") and version 3, as the file starts on disk. */
const QCOW2_HEAD = Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3, 0, 0, 0, 0])

/** Files the flags name, in a directory standing for dom0 (fileKind and the image's magic need real files). */
let root: string
let host: Host
beforeAll(() => {
  root = makeTree({
    '/srv/iso/debian-13.0.0-amd64-netinst.iso': 'CD001',
    '/srv/boot/vmlinuz': 'kernel',
    '/srv/boot/initrd.img': 'initrd',
    '/srv/img/guest.raw': '\0'.repeat(512),
  })
  writeFileSync(path.join(root, 'srv/img/guest.qcow2'), QCOW2_HEAD)
  mkdirSync(path.join(root, 'srv/img/dir'))
  host = new Host(root)
})
afterAll(() => removeTree(root))

function withTools(tools: GuestTools, facts: Facts = DOM0): Facts {
  return {...facts, xen: {...facts.xen, guestTools: tools}}
}

function flags(given: Partial<GuestCreateFlags> = {}): GuestCreateFlags {
  return {memory: '1G', vcpus: 1, vg: 'vg0', bridge: 'xenbr0', vnc: false, nested: false, 'hide-hypervisor': false, autostart: false, start: false, ...given}
}

function env(given: Partial<GuestEnvironment> = {}): GuestEnvironment {
  return {host, facts: withTools({pygrub: PYGRUB, pvgrub2: null}), vg: VG0, hostMemoryMiB: 16384, virt: XEN_HAP, ...given}
}

const resolve = (given: Partial<GuestCreateFlags>, environment: Partial<GuestEnvironment> = {}, name = 'g1') => resolveGuestSpec(name, flags(given), env(environment))

/** The refusal as plain data: exit code, message and hint. */
function refusal(run: () => unknown): {exitCode: number; message: string; hint: string} {
  try {
    run()
  } catch (error) {
    if (error instanceof UserError) return {exitCode: error.exitCode, message: error.message, hint: error.hint}
    throw error
  }
  throw new Error('was not refused')
}

const ISO = '/srv/iso/debian-13.0.0-amd64-netinst.iso'

describe('the guest type and why', () => {
  test('--iso: HVM booting the installer', () => {
    const spec = resolve({iso: ISO, disk: '20G'})
    expect(spec).toMatchObject({type: 'hvm', boot: {kind: 'iso', iso: ISO}, disk: {kind: 'lv', vg: 'vg0', lv: 'g1-disk', sizeMiB: 20480, device: '/dev/vg0/g1-disk'}})
    expect(spec.typeReason).toMatch(/^--iso: an installer medium boots as HVM/)
  })

  test('--kernel: PVH where Xen offers HVM, PV where it does not or that is unknown', () => {
    const pvh = resolve({kernel: '/srv/boot/vmlinuz', ramdisk: '/srv/boot/initrd.img', extra: 'console=hvc0 root=/dev/xvda1'})
    expect(pvh).toMatchObject({type: 'pvh', boot: {kind: 'kernel', kernel: '/srv/boot/vmlinuz', ramdisk: '/srv/boot/initrd.img', extra: 'console=hvc0 root=/dev/xvda1'}})
    expect(pvh.typeReason).toMatch(/^--kernel on a CPU with VT-x\/AMD-V \(Xen \(xl info virt_caps/)

    const noHvm = resolve({kernel: '/srv/boot/vmlinuz'}, {virt: XEN_PV_ONLY})
    expect(noHvm).toMatchObject({type: 'pv', boot: {kind: 'kernel', ramdisk: null, extra: null}})
    expect(noHvm.typeReason).toBe('--kernel: PV direct boot (no VT-x/AMD-V for PVH)')

    const unknown = resolve({kernel: '/srv/boot/vmlinuz'}, {virt: UNKNOWN})
    expect(unknown.type).toBe('pv')
    expect(unknown.typeReason).toBe('--kernel: PV direct boot (VT-x/AMD-V unknown here, so not PVH)')
  })

  test('nothing to boot from given: PV through pygrub, else pvgrub2, as the dom0 has them', () => {
    const pygrub = resolve({disk: '10G'})
    expect(pygrub).toMatchObject({type: 'pv', boot: {kind: 'pygrub', extra: null}})
    expect(pygrub.typeReason).toMatch(/^no --iso or --kernel: PV/)
    expect(resolve({}, {facts: withTools({pygrub: PYGRUB, pvgrub2: PVGRUB2})}).boot).toEqual({kind: 'pygrub', extra: null})
    expect(resolve({}, {facts: withTools({pygrub: null, pvgrub2: PVGRUB2})}).boot).toEqual({kind: 'pvgrub2', image: PVGRUB2})
    expect(resolve({bootloader: 'pvgrub2'}, {facts: withTools({pygrub: PYGRUB, pvgrub2: PVGRUB2})}).boot).toEqual({kind: 'pvgrub2', image: PVGRUB2})
    expect(resolve({bootloader: 'pygrub', extra: 'console=hvc0'}).boot).toEqual({kind: 'pygrub', extra: 'console=hvc0'})
  })

  test('neither boot loader installed: refused, naming the package', () => {
    // The fixture dom0 has neither.
    expect(DOM0.xen.guestTools).toEqual({pygrub: null, pvgrub2: null})
    expect(refusal(() => resolve({}, {facts: DOM0}))).toEqual({exitCode: EXIT.usage, message: 'pygrub is not installed with this Xen', hint: expect.stringContaining('grub-xen-host')})
    expect(refusal(() => resolve({bootloader: 'pvgrub2'}))).toMatchObject({exitCode: EXIT.usage, message: 'pvgrub2 is not installed'})
    expect(refusal(() => resolve({bootloader: 'pygrub'}, {facts: withTools({pygrub: null, pvgrub2: PVGRUB2})}))).toMatchObject({hint: 'use --bootloader pvgrub2'})
  })

  test('--nested alone makes it HVM; --type is taken as given', () => {
    expect(resolve({nested: true, iso: ISO})).toMatchObject({type: 'hvm', nested: true, typeReason: '--nested: a nested hypervisor runs as an HVM guest'})
    expect(resolve({type: 'pv', kernel: '/srv/boot/vmlinuz'})).toMatchObject({type: 'pv', typeReason: '--type pv'})
    expect(resolve({type: 'hvm', disk: '10G'})).toMatchObject({type: 'hvm', boot: {kind: 'disk'}})
  })

  test('--type hvm or pvh where Xen has no HVM: unsupported (exit 3)', () => {
    expect(refusal(() => resolve({type: 'hvm', disk: '10G'}, {virt: XEN_PV_ONLY}))).toMatchObject({exitCode: EXIT.unsupported, message: expect.stringContaining('needs VT-x/AMD-V')})
    expect(refusal(() => resolve({type: 'pvh', kernel: '/srv/boot/vmlinuz'}, {virt: XEN_PV_ONLY})).exitCode).toBe(EXIT.unsupported)
    // Unknown (a --root image) is not refused.
    expect(resolve({type: 'hvm', disk: '10G'}, {virt: UNKNOWN}).type).toBe('hvm')
  })

  test('an HVM guest with nothing to boot, and a PVH guest without a kernel, are refused', () => {
    expect(refusal(() => resolve({type: 'hvm'}))).toMatchObject({exitCode: EXIT.usage, message: 'an HVM guest needs something to boot from'})
    expect(refusal(() => resolve({type: 'pvh'}))).toMatchObject({exitCode: EXIT.usage, message: 'a PVH guest needs --kernel'})
  })
})

describe('names', () => {
  test.each(['9', '42', 'Domain-0', 'domain-1', 'a/b', '../x', 'a b', '-web', '.web', '', 'x'.repeat(64), 'web"'])('%j is refused (exit 2)', (name) => {
    const refused = refusal(() => resolve({}, {}, name))
    expect(refused.exitCode).toBe(EXIT.usage)
    expect(refused.message).toBe(`guest name "${name}" is not usable`)
  })

  test.each(['web', 'db-1', 'www.example.org', 'Win_10', '9lives', 'x'.repeat(63)])('%j is accepted', (name) => {
    expect(resolve({}, {}, name).name).toBe(name)
  })
})

describe('memory and vCPUs', () => {
  test('sizes in M or G; the host total counts where known', () => {
    expect(resolve({memory: '512M'}).memoryMiB).toBe(512)
    expect(resolve({memory: '2G'}).memoryMiB).toBe(2048)
    expect(resolve({memory: '32M'}).memoryMiB).toBe(32)
    expect(resolve({memory: '16383M'}).memoryMiB).toBe(16383)
    expect(resolve({memory: '64G'}, {hostMemoryMiB: null}).memoryMiB).toBe(65536)
  })

  test.each([
    ['lots', '--memory lots is not a size'],
    ['1.5G', '--memory 1.5G is not a size'],
    ['31M', '--memory 31M is below 32M'],
    ['0', '--memory 0 is below 32M'],
    ['16G', "--memory 16G is not less than the host's 16384 MiB of RAM"],
    ['20G', "--memory 20G is not less than the host's 16384 MiB of RAM"],
  ])('--memory %s is refused (exit 2)', (memory, message) => {
    expect(refusal(() => resolve({memory}))).toMatchObject({exitCode: EXIT.usage, message})
  })

  test.each([0, -1, 129, 1.5, Number.NaN])('--vcpus %s is refused (exit 2)', (vcpus) => {
    expect(refusal(() => resolve({vcpus}))).toMatchObject({exitCode: EXIT.usage, message: `--vcpus ${vcpus} is out of range`, hint: 'give 1 to 128'})
  })

  test('1 to 128 vCPUs are accepted', () => {
    expect(resolve({vcpus: 128}).vcpus).toBe(128)
    expect(resolve({vcpus: 4}).vcpus).toBe(4)
  })
})

describe('disks', () => {
  test('--disk SIZE: a new LV NAME-disk, rounded up to whole extents', () => {
    expect(resolve({disk: '10M'}).disk).toEqual({kind: 'lv', vg: 'vg0', lv: 'g1-disk', sizeMiB: 12, device: '/dev/vg0/g1-disk'})
    expect(resolve({disk: `${FREE_MIB}M`}).disk).toMatchObject({sizeMiB: FREE_MIB})
  })

  test('an LV of that name with the same size is kept; another size is refused (exit 4)', () => {
    expect(resolve({disk: '10G'}, {}, 'web').disk).toEqual({kind: 'lv', vg: 'vg0', lv: 'web-disk', sizeMiB: 10240, device: '/dev/vg0/web-disk'})
    // Larger than what is free: it exists, so it is not allocated again, and the size it has is what counts.
    expect(refusal(() => resolve({disk: '200G'}, {}, 'web'))).toEqual({
      exitCode: EXIT.refused,
      message: 'logical volume vg0/web-disk exists with 10240M, not 204800M',
      hint: expect.stringContaining('give --disk 10240M to keep it'),
    })
    expect(refusal(() => resolve({disk: '20G'}, {}, 'web')).exitCode).toBe(EXIT.refused)
  })

  test('more than the free extents is refused (exit 2), naming what is free', () => {
    expect(refusal(() => resolve({disk: `${FREE_MIB + 1}M`}))).toMatchObject({exitCode: EXIT.usage, message: `--disk ${FREE_MIB + 1}M is more than the ${FREE_MIB}M free in vg0`})
    expect(refusal(() => resolve({disk: '100G'})).exitCode).toBe(EXIT.usage)
  })

  test('no volume group: refused, pointing at init --vg-device', () => {
    const refused = refusal(() => resolve({disk: '10G', vg: 'guests'}, {vg: null}))
    expect(refused).toMatchObject({exitCode: EXIT.usage, message: 'volume group guests does not exist'})
    expect(refused.hint).toContain('`xensetup init --vg-device DEVICE --vg-name guests`')
  })

  test('--disk that is not a size, and --disk with --disk-path, are refused', () => {
    expect(refusal(() => resolve({disk: 'big'}))).toMatchObject({exitCode: EXIT.usage, message: '--disk big is not a size'})
    expect(refusal(() => resolve({disk: '0'}))).toMatchObject({exitCode: EXIT.usage, message: '--disk 0 is not a size'})
    expect(refusal(() => resolve({disk: '10G', 'disk-path': '/srv/img/guest.raw'}))).toMatchObject({exitCode: EXIT.usage, message: '--disk and --disk-path exclude each other'})
  })

  test('--disk-path: an image file with the format its first bytes show', () => {
    expect(resolve({'disk-path': '/srv/img/guest.qcow2'}).disk).toEqual({kind: 'path', path: '/srv/img/guest.qcow2', format: 'qcow2', block: false})
    expect(resolve({'disk-path': '/srv/img/guest.raw'}).disk).toEqual({kind: 'path', path: '/srv/img/guest.raw', format: 'raw', block: false})
    // No volume group needed for it.
    expect(resolve({'disk-path': '/srv/img/guest.raw'}, {vg: null}).disk?.kind).toBe('path')
  })

  test('--disk-path that is missing, relative or a directory is refused', () => {
    expect(refusal(() => resolve({'disk-path': '/srv/img/gone.raw'}))).toMatchObject({exitCode: EXIT.usage, message: `--disk-path ${root}/srv/img/gone.raw does not exist`})
    expect(refusal(() => resolve({'disk-path': 'img/guest.raw'}))).toMatchObject({exitCode: EXIT.usage, message: '--disk-path img/guest.raw is not an absolute path'})
    expect(refusal(() => resolve({'disk-path': '/srv/img/dir'}))).toMatchObject({exitCode: EXIT.usage, message: '--disk-path /srv/img/dir is not a block device or an image file'})
  })
})

describe('boot files', () => {
  test.each([
    [{iso: '/srv/iso/gone.iso'}, `--iso ${'ROOT'}/srv/iso/gone.iso does not exist`],
    [{kernel: '/srv/boot/gone'}, `--kernel ${'ROOT'}/srv/boot/gone does not exist`],
    [{kernel: '/srv/boot/vmlinuz', ramdisk: '/srv/boot/gone.img'}, `--ramdisk ${'ROOT'}/srv/boot/gone.img does not exist`],
    [{iso: '/srv/img/dir'}, '--iso /srv/img/dir is not a file'],
    [{kernel: 'vmlinuz'}, '--kernel vmlinuz is not an absolute path'],
  ] as Array<[Partial<GuestCreateFlags>, string]>)('%j is refused (exit 2)', (given, message) => {
    expect(refusal(() => resolve(given))).toMatchObject({exitCode: EXIT.usage, message: message.replace('ROOT', root)})
  })

  test('--ramdisk or --extra without --kernel, and two boot sources, are refused', () => {
    expect(refusal(() => resolve({ramdisk: '/srv/boot/initrd.img'}))).toMatchObject({exitCode: EXIT.usage, message: '--ramdisk needs --kernel'})
    expect(refusal(() => resolve({extra: 'console=hvc0'}))).toMatchObject({exitCode: EXIT.usage, message: '--extra needs --kernel or --bootloader pygrub'})
    expect(refusal(() => resolve({iso: ISO, kernel: '/srv/boot/vmlinuz'}))).toMatchObject({exitCode: EXIT.usage, message: '--iso and --kernel exclude each other'})
  })

  test('--iso with --type pv or pvh, and --bootloader with --type pvh, are refused', () => {
    expect(refusal(() => resolve({iso: ISO, type: 'pv'}))).toMatchObject({exitCode: EXIT.usage, message: '--iso boots an installer as HVM, not pv'})
    expect(refusal(() => resolve({iso: ISO, type: 'pvh'}))).toMatchObject({exitCode: EXIT.usage, message: '--iso boots an installer as HVM, not pvh'})
    expect(refusal(() => resolve({bootloader: 'pygrub', type: 'pvh'}))).toMatchObject({exitCode: EXIT.usage, message: '--bootloader is for PV guests, not pvh'})
  })

  test.each([
    [{extra: 'console=hvc0 init="/bin/sh"', kernel: '/srv/boot/vmlinuz'}, '--extra'],
    [{extra: "root='/dev/xvda1'", kernel: '/srv/boot/vmlinuz'}, '--extra'],
    [{extra: 'a\\b', kernel: '/srv/boot/vmlinuz'}, '--extra'],
    [{extra: 'a\nb', kernel: '/srv/boot/vmlinuz'}, '--extra'],
    [{iso: '/srv/iso/it\'s.iso'}, '--iso'],
    [{'disk-path': '/srv/img/a"b.raw'}, '--disk-path'],
    [{vnc: true, 'vnc-password': 'a\\b'}, '--vnc-password'],
  ] as Array<[Partial<GuestCreateFlags>, string]>)('quotes, backslashes and control characters: %j is refused (exit 2)', (given, flag) => {
    expect(refusal(() => resolve(given))).toMatchObject({exitCode: EXIT.usage, message: `${flag} holds a quote, backslash or control character`})
  })
})

describe('nested HVM and the hypervisor bit', () => {
  test('--nested on PV or PVH is refused (exit 2)', () => {
    expect(refusal(() => resolve({nested: true, type: 'pv'}))).toMatchObject({exitCode: EXIT.usage, message: '--nested is for HVM guests, not pv'})
    expect(refusal(() => resolve({nested: true, type: 'pvh', kernel: '/srv/boot/vmlinuz'}))).toMatchObject({exitCode: EXIT.usage, message: '--nested is for HVM guests, not pvh'})
  })

  test('--nested where Xen has no HAP: unsupported (exit 3), naming the error xl would give', () => {
    const refused = refusal(() => resolve({nested: true, iso: ISO}, {virt: XEN_NO_HAP}))
    expect(refused.exitCode).toBe(EXIT.unsupported)
    expect(refused.message).toContain('--nested needs HAP (Intel EPT / AMD NPT)')
    expect(refused.message).toContain('"cannot make domain: -3"')
    expect(refusal(() => resolve({nested: true, iso: ISO}, {virt: XEN_PV_ONLY})).message).toContain('--nested needs VT-x/AMD-V and HAP')
  })

  test('--nested with HAP, or where it is unknown (--root), is accepted', () => {
    expect(resolve({nested: true, iso: ISO}).nested).toBe(true)
    expect(resolve({nested: true, iso: ISO}, {virt: UNKNOWN}).nested).toBe(true)
  })

  test('--hide-hypervisor is for HVM only', () => {
    expect(refusal(() => resolve({'hide-hypervisor': true}))).toMatchObject({exitCode: EXIT.usage, message: '--hide-hypervisor is for HVM guests, not pv'})
    expect(resolve({'hide-hypervisor': true, nested: true, iso: ISO}).hideHypervisor).toBe(true)
  })
})

describe('VNC', () => {
  test('--vnc listens on 127.0.0.1; none without it', () => {
    expect(resolve({iso: ISO, vnc: true}).vnc).toEqual({listen: '127.0.0.1', password: null})
    expect(resolve({iso: ISO}).vnc).toBeNull()
    // PV guests get a framebuffer.
    expect(resolve({vnc: true}).vnc).toEqual({listen: '127.0.0.1', password: null})
  })

  test('on all addresses without a password: refused (exit 4); with one: accepted', () => {
    const refused = refusal(() => resolve({iso: ISO, 'vnc-listen': '0.0.0.0'}))
    expect(refused.exitCode).toBe(EXIT.refused)
    expect(refused.message).toContain('--vnc-listen 0.0.0.0 without --vnc-password')
    expect(refusal(() => resolve({iso: ISO, vnc: true, 'vnc-listen': '192.0.2.10'})).exitCode).toBe(EXIT.refused)
    expect(refusal(() => resolve({iso: ISO, 'vnc-listen': '::'})).exitCode).toBe(EXIT.refused)
    expect(resolve({iso: ISO, 'vnc-listen': '0.0.0.0', 'vnc-password': 'secret'}).vnc).toEqual({listen: '0.0.0.0', password: 'secret'})
    expect(resolve({iso: ISO, 'vnc-listen': '::1'}).vnc).toEqual({listen: '::1', password: null})
  })

  test.each([
    [{iso: ISO, vnc: true, 'vnc-password': 'ninechars'}, '--vnc-password must be 1 to 8 characters'],
    [{iso: ISO, vnc: true, 'vnc-password': ''}, '--vnc-password must be 1 to 8 characters'],
    [{iso: ISO, 'vnc-password': 'secret'}, '--vnc-password without --vnc'],
    [{iso: ISO, vnc: true, 'vnc-password': 'a,b'}, '--vnc-password holds a comma'],
    [{iso: ISO, 'vnc-listen': 'dom0.example.org'}, '--vnc-listen dom0.example.org is not an IP address'],
    [{iso: ISO, 'vnc-listen': '256.0.0.1'}, '--vnc-listen 256.0.0.1 is not an IP address'],
    [{kernel: '/srv/boot/vmlinuz', vnc: true}, 'a PVH guest has no graphical console'],
  ] as Array<[Partial<GuestCreateFlags>, string]>)('%j is refused (exit 2)', (given, message) => {
    expect(refusal(() => resolve(given))).toMatchObject({exitCode: EXIT.usage, message})
  })
})

describe('MAC address', () => {
  test('made from the name, avoiding the other guests\' MACs', () => {
    expect(resolve({}).mac).toBe(macForName('g1', new Set(['00:16:3e:5a:10:01', '00:16:3e:5a:10:02'])))
    expect(resolve({}).mac).toBe(resolve({}).mac)
  })

  test('a given MAC is normalised; the guest\'s own MAC is its own to keep', () => {
    expect(resolve({mac: '00-16-3E-AA-BB-0C'}).mac).toBe('00:16:3e:aa:bb:0c')
    expect(resolve({mac: '00:16:3e:5a:10:01'}, {}, 'web').mac).toBe('00:16:3e:5a:10:01')
  })

  test.each(['01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '00:16:3e:5a:10', 'not-a-mac'])('--mac %s is refused (exit 2)', (mac) => {
    expect(refusal(() => resolve({mac}))).toMatchObject({exitCode: EXIT.usage, message: `--mac ${mac} is not a unicast MAC address`})
  })

  test("another guest's MAC is refused (exit 2), naming the guest", () => {
    expect(refusal(() => resolve({mac: '00:16:3E:5A:10:01'}))).toMatchObject({exitCode: EXIT.usage, message: "--mac 00:16:3e:5a:10:01 is already guest web's"})
  })

  test("another guest's MAC written with dashes (xl reads it so) is taken too", () => {
    const dashed = {...DOM0.xen.guestConfigs[1], vifs: [{mac: '00-16-3e-5a-10-02', bridge: 'xenbr0'}]}
    const facts = withTools({pygrub: PYGRUB, pvgrub2: null}, {...DOM0, xen: {...DOM0.xen, guestConfigs: [DOM0.xen.guestConfigs[0], dashed]}})
    expect(refusal(() => resolve({mac: '00:16:3e:5a:10:02'}, {facts}))).toMatchObject({exitCode: EXIT.usage, message: "--mac 00:16:3e:5a:10:02 is already guest win10's"})
  })
})

describe('bridge', () => {
  const noBridges: Facts = {...DOM0, network: {...DOM0.network, bridges: []}}

  test('an existing bridge is taken', () => {
    expect(resolve({}).bridge).toBe('xenbr0')
  })

  test('a bridge that exists nowhere is refused (exit 2), with the way to make xenbr0', () => {
    const refused = refusal(() => resolve({}, {facts: withTools({pygrub: PYGRUB, pvgrub2: null}, noBridges)}))
    expect(refused).toMatchObject({exitCode: EXIT.usage, message: 'bridge xenbr0 does not exist and no network configuration declares it'})
    expect(refused.hint).toContain('xensetup init')
    expect(refusal(() => resolve({bridge: 'br1'})).message).toBe('bridge br1 does not exist and no network configuration declares it')
    expect(refusal(() => resolve({bridge: 'br0; reboot'})).message).toBe('--bridge br0; reboot is not an interface name')
  })

  test('a bridge only declared in the network configuration (up at the reboot into Xen) is accepted', () => {
    const declared = makeTree({
      '/etc/network/interfaces': 'auto lo\niface lo inet loopback\n\nauto xenbr0\niface xenbr0 inet dhcp\n\tbridge_ports eno1\n',
      '/etc/systemd/network/br1.netdev': '[NetDev]\nName=br1\nKind=bridge\n',
    })
    try {
      const facts = withTools({pygrub: PYGRUB, pvgrub2: null}, noBridges)
      expect(resolve({}, {host: new Host(declared), facts}).bridge).toBe('xenbr0')
      expect(resolve({bridge: 'br1'}, {host: new Host(declared), facts}).bridge).toBe('br1')
      // A longer name that only starts with it does not count.
      expect(refusal(() => resolve({bridge: 'br'}, {host: new Host(declared), facts})).exitCode).toBe(EXIT.usage)
    } finally {
      removeTree(declared)
    }
  })
})

describe('--start', () => {
  test('refused for a --root target (exit 2)', () => {
    const refused = refusal(() => resolve({start: true}))
    expect(refused.exitCode).toBe(EXIT.usage)
    expect(refused.message).toBe(`--start runs the guest on this machine, but the target is --root ${root}`)
  })

  test('refused on a live machine that is not a running dom0', () => {
    // Nothing of this machine is read: no file flags, and the bridge is in the facts.
    const notDom0: Facts = withTools({pygrub: PYGRUB, pvgrub2: null}, {...DOM0, xen: {...DOM0.xen, dom0: false}})
    expect(refusal(() => resolve({start: true}, {host: new Host('/'), facts: notDom0}))).toMatchObject({exitCode: EXIT.usage, message: '--start needs a running Xen dom0, and this machine is not one now'})
  })

  test('autostart and start are carried into the spec', () => {
    expect(resolve({autostart: true})).toMatchObject({autostart: true, start: false})
  })
})

describe('what the flags are checked against', () => {
  const XL_INFO = 'host : dom0\nvirt_caps : pv hvm hap shadow\ntotal_memory : 32613\n'
  const notDom0: Facts = {...DOM0, xen: {...DOM0.xen, dom0: false, daemons: []}, cpu: {...DOM0.cpu, isDom0View: false, virtualization: 'vmx', slat: null}}

  test('virt caps: xl info in a dom0, else /sys/hypervisor; the CPU flags outside Xen; unknown for --root', () => {
    expect(virtCaps(DOM0, true, {virt_caps: 'pv hvm hap shadow'})).toEqual({hvm: true, hap: true, source: 'Xen (xl info virt_caps: pv hvm hap shadow)'})
    expect(virtCaps(DOM0, true, {virt_caps: 'pv hvm shadow'})).toMatchObject({hvm: true, hap: false})
    expect(virtCaps(DOM0, true, {virt_caps: ''})).toEqual({hvm: false, hap: false, source: 'Xen (xl info virt_caps: none)'})
    expect(virtCaps(DOM0, true, null)).toEqual({hvm: true, hap: null, source: 'Xen (/sys/hypervisor/properties/capabilities)'})
    expect(virtCaps(notDom0, true, null)).toEqual({hvm: true, hap: false, source: 'this CPU (/proc/cpuinfo)'})
    expect(virtCaps(DOM0, false, {virt_caps: 'pv hvm hap'})).toMatchObject({hvm: null, hap: null})
  })

  test("host memory: Xen's total in a dom0, none for --root", () => {
    expect(hostMemoryMiB(DOM0, true, {total_memory: '32613'})).toBe(32613)
    expect(hostMemoryMiB(DOM0, true, null)).toBeNull()
    expect(hostMemoryMiB(DOM0, false, {total_memory: '32613'})).toBeNull()
    expect(hostMemoryMiB({...notDom0, memory: {...DOM0.memory, isDom0View: false, totalMiB: 15933, hostTotalMiB: 16000}}, true, null)).toBe(16000)
  })

  test('xl is asked only where a toolstack runs; a failing xl is no answer', async () => {
    const probe = new FakeRunner({'xl list': {stdout: 'Name  ID   Mem VCPUs\tState\tTime(s)\nDomain-0  0  4096  4  r-----  10.0\nweb  3  2048  2  -b----  1.0\n'}, 'xl info': {stdout: XL_INFO}})
    expect(toolstackRunning(DOM0.xen, true)).toBe(true)
    expect(toolstackRunning(DOM0.xen, false)).toBe(false)
    expect(toolstackRunning(notDom0.xen, true)).toBe(false)
    expect(toolstackRunning({...DOM0.xen, daemons: ['xenconsoled']}, true)).toBe(false)
    expect((await runningDomains(probe, true))?.map((d) => d.name)).toEqual(['Domain-0', 'web'])
    expect(await xlInfo(probe, true)).toMatchObject({virt_caps: 'pv hvm hap shadow', total_memory: '32613'})
    expect(await runningDomains(probe, false)).toBeNull()
    expect(await xlInfo(probe, false)).toBeNull()
    expect(probe.calls).toEqual([['xl', 'list'], ['xl', 'info']])
    const failing = new FakeRunner({'xl list': {exitCode: 1, stderr: 'cannot init xl context'}})
    expect(await runningDomains(failing, true)).toBeNull()
  })
})
