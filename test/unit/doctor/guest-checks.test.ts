import {afterEach, describe, expect, test} from '@jest/globals'
import {cpSync, rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {HostState, Outcome} from '../../../src/doctor/check.js'
import {guestChecks} from '../../../src/doctor/checks/guests.js'
import {gatherFacts} from '../../../src/facts/index.js'
import type {Facts, GuestConfig} from '../../../src/facts/types.js'
import {Host} from '../../../src/host/host.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const DEBIAN_13 = fileURLToPath(new URL('../../fixtures/roots/debian-13', import.meta.url))
/** A running dom0: web (PVH, autostarted, 2048 MiB, 00:16:3e:5a:10:01) and win10 (HVM, 8192 MiB, VNC on 0.0.0.0). */
const DOM0 = gatherFacts(new Host(DEBIAN_13))
const [WEB, WIN10] = DOM0.xen.guestConfigs

function check(id: string, facts: Facts, state: HostState = 'dom0'): Outcome {
  const found = guestChecks.find((c) => c.id === id)
  if (!found) throw new Error(`no check ${id}`)
  return found.run({facts, state, bridgeNextBoot: null})
}

function withGuests(guests: GuestConfig[], facts: Facts = DOM0): Facts {
  return {...facts, xen: {...facts.xen, guestConfigs: guests}}
}

/** The same machine seen from outside Xen (before the reboot into it): the host's CPU flags and RAM. */
function bareMetal(slat: 'ept' | null, hostTotalMiB = 16384): Facts {
  return {
    ...DOM0,
    cpu: {...DOM0.cpu, isDom0View: false, virtualization: 'vmx', slat},
    memory: {...DOM0.memory, isDom0View: false, hostTotalMiB, totalMiB: hostTotalMiB},
  }
}

const nestedGuest = (given: Partial<GuestConfig> = {}): GuestConfig => ({...WIN10, name: 'esxi', path: '/etc/xen/esxi.cfg', nested: true, hap: true, vifs: [{mac: '00:16:3e:00:00:10', bridge: 'xenbr0'}], ...given})

let tree: string | undefined
afterEach(() => {
  if (tree) removeTree(tree)
  tree = undefined
})

describe('the fixture dom0 as it is', () => {
  test('its guests are read in full', () => {
    expect(WEB).toMatchObject({name: 'web', type: 'pvh', memoryMiB: 2048, autostart: true, missing: []})
    expect(WIN10).toMatchObject({name: 'win10', type: 'hvm', memoryMiB: 8192, autostart: false, missing: []})
  })

  test.each([
    ['guests.vnc_open', 'warn'],
    ['guests.files', 'pass'],
    ['guests.nested', 'skip'],
    ['guests.macs', 'pass'],
    ['guests.memory', 'skip'],
  ])('%s: %s', (id, status) => {
    expect(check(id, DOM0).status).toBe(status)
  })
})

describe('guests.files', () => {
  test('a path a config names that is missing fails, naming the guest and the path', () => {
    const outcome = check('guests.files', withGuests([{...WEB, missing: ['/dev/vg0/web-disk']}, {...WIN10, missing: ['/srv/iso/Win10_22H2_English_x64.iso', '/dev/vg_xen/win10-disk']}]))
    expect(outcome.status).toBe('fail')
    expect(outcome.detail).toBe('web: /dev/vg0/web-disk; win10: /srv/iso/Win10_22H2_English_x64.iso, /dev/vg_xen/win10-disk missing')
  })

  test('found missing on the machine: a removed ISO, and an LV its metadata backup no longer lists', () => {
    tree = makeTree()
    cpSync(DEBIAN_13, tree, {recursive: true, verbatimSymlinks: true})
    rmSync(`${tree}/srv/iso/Win10_22H2_English_x64.iso`)
    rmSync(`${tree}/etc/lvm/backup/vg0`)
    const facts = gatherFacts(new Host(tree))
    expect(facts.xen.guestConfigs.map((g) => [g.name, g.missing])).toEqual([
      ['web', ['/dev/vg0/web-disk']],
      ['win10', ['/srv/iso/Win10_22H2_English_x64.iso']],
    ])
    expect(check('guests.files', facts)).toMatchObject({status: 'fail', detail: expect.stringContaining('win10: /srv/iso/Win10_22H2_English_x64.iso')})
  })

  test('no guest configs: skipped', () => {
    expect(check('guests.files', withGuests([])).status).toBe('skip')
  })
})

describe('guests.nested', () => {
  test('nestedhvm=1 on a PV or PVH guest fails', () => {
    const outcome = check('guests.nested', withGuests([WEB, {...WEB, name: 'pvnest', nested: true}, nestedGuest({name: 'pvhnest', type: 'pvh'})]))
    expect(outcome).toMatchObject({status: 'fail', detail: 'nestedhvm=1 on a non-HVM guest: pvnest, pvhnest'})
  })

  test('nestedhvm=1 without hap=1 warns (in a dom0, whether Xen has HAP is unknown from files)', () => {
    expect(check('guests.nested', withGuests([nestedGuest({hap: null})]))).toMatchObject({status: 'warn', detail: 'nestedhvm=1 without hap=1: esxi'})
    expect(check('guests.nested', withGuests([nestedGuest({hap: false})])).status).toBe('warn')
  })

  test('with hap=1 it passes, saying where HAP is known', () => {
    expect(check('guests.nested', withGuests([nestedGuest()]))).toMatchObject({status: 'pass', detail: expect.stringContaining('xl info virt_caps')})
    expect(check('guests.nested', withGuests([nestedGuest()], bareMetal('ept')))).toMatchObject({status: 'pass', detail: 'esxi: hap=1 nestedhvm=1'})
  })

  test('a CPU without EPT/NPT (outside Xen) fails, naming "cannot make domain: -3"', () => {
    const outcome = check('guests.nested', withGuests([nestedGuest()], bareMetal(null)))
    expect(outcome.status).toBe('fail')
    expect(outcome.detail).toContain('cannot make domain: -3')
  })

  test('a dom0 whose Xen offers no HVM at all fails', () => {
    const pvOnly = {...DOM0, xen: {...DOM0.xen, capabilities: ['xen-3.0-x86_64']}}
    expect(check('guests.nested', withGuests([nestedGuest()], pvOnly)).status).toBe('fail')
  })

  test('no nested guest: skipped', () => {
    expect(check('guests.nested', DOM0)).toMatchObject({status: 'skip', detail: 'no guest config sets nestedhvm=1'})
  })
})

describe('guests.macs', () => {
  test('one MAC in two configs fails, naming both', () => {
    const twin = {...WEB, name: 'web2', path: '/etc/xen/web2.cfg'}
    expect(check('guests.macs', withGuests([WEB, WIN10, twin]))).toMatchObject({status: 'fail', detail: '00:16:3e:5a:10:01 in web and web2'})
  })

  test('the same address written differently is still a duplicate', () => {
    const twin = {...WIN10, vifs: [{mac: '00-16-3E-5A-10-01', bridge: 'xenbr0'}]}
    expect(check('guests.macs', withGuests([WEB, twin])).status).toBe('fail')
  })

  test('a multicast or malformed MAC fails', () => {
    const multicast = {...WIN10, vifs: [{mac: '01:00:5e:00:00:01', bridge: 'xenbr0'}]}
    expect(check('guests.macs', withGuests([WEB, multicast]))).toMatchObject({status: 'fail', detail: 'not a unicast MAC: win10 (01:00:5e:00:00:01)'})
    const broken = {...WIN10, vifs: [{mac: '00:16:3e:zz:00:01', bridge: 'xenbr0'}]}
    expect(check('guests.macs', withGuests([WEB, broken])).status).toBe('fail')
  })

  test('vifs without mac= (random at each start) are not compared', () => {
    const random = {...WIN10, vifs: [{mac: null, bridge: 'xenbr0'}]}
    expect(check('guests.macs', withGuests([WEB, random, {...random, name: 'other'}]))).toMatchObject({status: 'pass', detail: '1 fixed MAC(s), all unique'})
    expect(check('guests.macs', withGuests([])).status).toBe('skip')
  })
})

describe('guests.memory', () => {
  test('in a dom0 the host total is Xen\'s to know: skipped', () => {
    expect(check('guests.memory', DOM0)).toMatchObject({status: 'skip', detail: expect.stringContaining('xl info total_memory')})
  })

  test('guests started at boot that do not fit next to dom0 warn', () => {
    // dom0_mem=4096M on the Xen entry; web (2048) and win10 (8192) at boot need 14336 MiB of 12288.
    const outcome = check('guests.memory', withGuests([WEB, {...WIN10, autostart: true}], bareMetal('ept', 12288)), 'installed')
    expect(outcome).toMatchObject({status: 'warn', detail: 'guests started at boot want 10240 MiB + dom0 4096 MiB of 12288 MiB'})
  })

  test('guests that fit pass; guests not started at boot do not count', () => {
    expect(check('guests.memory', withGuests([WEB, WIN10], bareMetal('ept', 12288)), 'installed')).toMatchObject({
      status: 'pass',
      detail: '2048 MiB for 1 guest(s) + dom0 4096 MiB of 12288 MiB',
    })
    // A config without memory= gets libxl's 128 MiB.
    expect(check('guests.memory', withGuests([{...WEB, memoryMiB: null}], bareMetal('ept', 4224)), 'installed')).toMatchObject({status: 'pass', detail: expect.stringMatching(/^128 MiB/)})
    expect(check('guests.memory', withGuests([{...WEB, memoryMiB: null}], bareMetal('ept', 4223)), 'installed').status).toBe('warn')
  })

  test('no guest started at boot: skipped', () => {
    expect(check('guests.memory', withGuests([WIN10], bareMetal('ept')), 'installed')).toMatchObject({status: 'skip', detail: 'no guest is started at boot'})
  })
})

describe('guests.vnc_open', () => {
  test('VNC on all addresses without a password warns; with one, or on localhost, it passes', () => {
    expect(check('guests.vnc_open', DOM0)).toMatchObject({status: 'warn', detail: 'VNC on all addresses without a password: /etc/xen/win10.cfg'})
    expect(check('guests.vnc_open', withGuests([WEB, {...WIN10, vnc: {enabled: true, listen: '0.0.0.0', hasPassword: true}}])).status).toBe('pass')
    expect(check('guests.vnc_open', withGuests([WEB, {...WIN10, vnc: {enabled: true, listen: '127.0.0.1', hasPassword: false}}])).status).toBe('pass')
    expect(check('guests.vnc_open', withGuests([WEB, {...WIN10, vnc: {enabled: true, listen: '::', hasPassword: false}}])).status).toBe('warn')
  })
})
