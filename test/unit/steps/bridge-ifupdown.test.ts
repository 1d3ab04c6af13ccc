import {afterEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {bridgeStep} from '../../../src/steps/bridge.js'
import {MAC, OS, applyThenReplan, bridgeInSysfs, fileChanges, liveContext, nic, treeFor, written} from '../../fixtures/bridge/host.js'
import {removeTree, writeTreeFile} from '../../lib/tree.js'

const DEBIAN_DHCP = `# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eno1
iface eno1 inet dhcp

iface eno1 inet6 auto
`

const BRIDGED_DHCP = `# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
iface eno1 inet manual

auto xenbr0
iface xenbr0 inet dhcp
    bridge_ports eno1
    bridge_hw ${MAC}
    bridge_stp off
    bridge_fd 0
    bridge_maxwait 0

iface xenbr0 inet6 auto
`

const STATIC = `auto lo eno1
iface lo inet loopback

iface eno1 inet static
\taddress 192.0.2.10/24
\tgateway 192.0.2.1
\t# resolvconf reads these
\tdns-nameservers 192.0.2.53 192.0.2.54
\tmtu 9000
\tup ip route add 198.51.100.0/24 via 192.0.2.254

auto eth1
iface eth1 inet dhcp
`

const BRIDGED_STATIC = `auto lo
iface lo inet loopback

iface eno1 inet manual
    mtu 9000

auto xenbr0
iface xenbr0 inet static
    address 192.0.2.10/24
    gateway 192.0.2.1
    # resolvconf reads these
    dns-nameservers 192.0.2.53 192.0.2.54
    up ip route add 198.51.100.0/24 via 192.0.2.254
    bridge_ports eno1
    bridge_hw ${MAC}
    bridge_stp off
    bridge_fd 0
    bridge_maxwait 0

auto eth1
iface eth1 inet dhcp
`

const debian = (interfaces: string, extra: Record<string, string> = {}) => treeFor(OS.debian, {'/etc/network/interfaces': interfaces, ...nic('eno1'), ...extra})
const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8')

let root: string
afterEach(() => removeTree(root))

describe('bridge step on ifupdown', () => {
  test('a DHCP uplink: its stanza becomes manual and xenbr0 takes dhcp with its MAC, STP off, no delay', async () => {
    root = debian(DEBIAN_DHCP)
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({'/etc/network/interfaces': BRIDGED_DHCP})
    expect(plan).toMatchObject({state: `xenbr0 over eno1 (${MAC}), inet dhcp, inet6 auto: configured, active after the reboot into Xen`})
  })

  test('a static uplink: address, gateway, DNS and up-commands move to xenbr0, mtu stays, other stanzas untouched', async () => {
    root = debian(STATIC)
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({'/etc/network/interfaces': BRIDGED_STATIC})
    expect(plan).toMatchObject({state: expect.stringContaining('static 192.0.2.10/24')})
  })

  test.each([
    ['dhcp', DEBIAN_DHCP, BRIDGED_DHCP],
    ['static', STATIC, BRIDGED_STATIC],
  ])('%s: applying writes the file, and the re-plan is empty', async (_, before, after) => {
    root = debian(before)
    const {applied, replan} = await applyThenReplan(root)
    expect(applied.status).toBe('changed')
    expect(read(root, 'etc/network/interfaces')).toBe(after)
    expect(replan).toMatchObject({changes: []})
  })

  test('the stanza in interfaces.d is edited there; the main file only loses the uplink from its auto line', async () => {
    root = debian('source /etc/network/interfaces.d/*\n\nauto lo eno1\niface lo inet loopback\n', {
      '/etc/network/interfaces.d/eno1': 'iface eno1 inet dhcp\n',
    })
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({
      '/etc/network/interfaces': 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n',
      '/etc/network/interfaces.d/eno1': `iface eno1 inet manual\n\nauto xenbr0\niface xenbr0 inet dhcp\n    bridge_ports eno1\n    bridge_hw ${MAC}\n    bridge_stp off\n    bridge_fd 0\n    bridge_maxwait 0\n`,
    })
  })

  test('a stanza in a file sourced by a relative path is edited there; unsourced files are not ifupdown\'s', async () => {
    const main = 'auto lo eno1\niface lo inet loopback\n\nsource interfaces.local\n'
    const local = '# site network\niface eno1 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n'
    root = debian(main, {
      '/etc/network/interfaces.local': local,
      // Nothing sources interfaces.d here: ifupdown never reads this stanza, so it is no second definition.
      '/etc/network/interfaces.d/old': 'iface eno1 inet dhcp\n',
    })
    const {applied, replan} = await applyThenReplan(root)
    expect(applied.status).toBe('changed')
    expect(read(root, 'etc/network/interfaces')).toBe('auto lo\niface lo inet loopback\n\nsource interfaces.local\n')
    expect(read(root, 'etc/network/interfaces.local')).toBe(
      `# site network\niface eno1 inet manual\n\nauto xenbr0\niface xenbr0 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n    bridge_ports eno1\n    bridge_hw ${MAC}\n    bridge_stp off\n    bridge_fd 0\n    bridge_maxwait 0\n`,
    )
    expect(read(root, 'etc/network/interfaces.d/old')).toBe('iface eno1 inet dhcp\n')
    expect(replan).toMatchObject({changes: []})
  })

  test('source-directory and globs are followed: stanzas for the uplink in two reached files are refused', async () => {
    root = debian('source-directory sites\nsource /etc/network/extra/*.cfg\n', {
      '/etc/network/sites/eno1': 'iface eno1 inet dhcp\n',
      '/etc/network/extra/eno1.cfg': 'iface eno1 inet6 auto\n',
    })
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(
      'eno1 has iface stanzas in several files (/etc/network/sites/eno1, /etc/network/extra/eno1.cfg)',
    )
  })

  test('a host already bridged by this configuration plans nothing, also when --uplink names xenbr0', async () => {
    root = debian(BRIDGED_DHCP)
    bridgeInSysfs(root, 'xenbr0', 'eno1')
    for (const uplink of ['eno1', 'xenbr0']) {
      expect(await bridgeStep.plan(liveContext(root, {uplink, applyNetwork: true}))).toEqual({changes: [], state: `xenbr0 over eno1 (${MAC}), inet dhcp, inet6 auto: active`})
    }
  })

  test('under --root the MAC is unknown: bridge_hw names the uplink, which bridge-utils resolves at ifup', async () => {
    root = treeFor(OS.debian, {'/etc/network/interfaces': 'iface eno1 inet dhcp\n'})
    const plan = await bridgeStep.plan(liveContext(root, {offline: true, applyNetwork: true}))
    expect(written(plan)['/etc/network/interfaces']).toContain('    bridge_hw eno1\n')
    expect(plan).toMatchObject({state: "xenbr0 over eno1, inet dhcp: configured for the target's next boot"})
  })

  test('a fresh target under --root (lo only, no stack in the facts): xenbr0 with DHCP is appended, and stays converged', async () => {
    const fresh = 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n'
    root = treeFor(OS.debian, {'/etc/network/interfaces': fresh})
    const options = {uplink: 'enp0s3', offline: true}
    expect(written(await bridgeStep.plan(liveContext(root, options)))).toEqual({
      '/etc/network/interfaces': `${fresh}\niface enp0s3 inet manual\n\nauto xenbr0\niface xenbr0 inet dhcp\n    bridge_ports enp0s3\n    bridge_hw enp0s3\n    bridge_stp off\n    bridge_fd 0\n    bridge_maxwait 0\n`,
    })
    expect((await applyThenReplan(root, options)).replan).toMatchObject({changes: []})
  })

  test('a target with no network tool at all under --root: the distro\'s default, ifupdown on DHCP, in a new file that installing ifupdown first leads to as well', async () => {
    root = treeFor(OS.debian, {})
    const options = {uplink: 'enp0s3', offline: true, steps: ['packages', 'bridge']}
    const postinst = '# interfaces(5) file used by ifup(8) and ifdown(8)\n# Include files from /etc/network/interfaces.d:\nsource /etc/network/interfaces.d/*\n'
    const bridged = `${postinst}\niface enp0s3 inet manual\n\nauto xenbr0\niface xenbr0 inet dhcp\n    bridge_ports enp0s3\n    bridge_hw enp0s3\n    bridge_stp off\n    bridge_fd 0\n    bridge_maxwait 0\n`
    const plan = await bridgeStep.plan(liveContext(root, options))
    expect(fileChanges(plan)).toMatchObject([{path: '/etc/network/interfaces', before: null, after: bridged}])
    expect(plan).toMatchObject({state: "no network tool in the target, so Debian GNU/Linux's default, ifupdown (installing ifupdown, isc-dhcp-client): xenbr0 over enp0s3, inet dhcp: configured for the target's next boot"})
    // The packages step runs first: ifupdown's postinst creates the file, and the bridge is added to it.
    mkdirSync(path.join(root, 'etc/network'))
    writeFileSync(path.join(root, 'etc/network/interfaces'), postinst)
    const replanned = await bridgeStep.plan(liveContext(root, options))
    expect(fileChanges(replanned)).toMatchObject([{path: '/etc/network/interfaces', before: postinst, after: bridged}])
    expect((await applyThenReplan(root, options)).replan).toMatchObject({changes: []})
    expect(read(root, 'etc/network/interfaces')).toBe(bridged)
    // Booted, with the NIC's MAC known: bridge_hw naming the uplink is that MAC, nothing to rewrite
    // (doctor's network.next_boot plans the same).
    for (const [file, text] of Object.entries(nic('enp0s3'))) writeTreeFile(root, file, text)
    expect(fileChanges(await bridgeStep.plan(liveContext(root, {uplink: 'enp0s3'})))).toEqual([])
  })

  test('on a running host an uplink without a stanza is not guessed to use DHCP', async () => {
    root = debian('auto lo\niface lo inet loopback\n')
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(/no iface stanza for eno1 .* add one \(e.g. "iface eno1 inet dhcp"\)/)
  })

  test.each([
    ['no stanza for the uplink', 'auto lo\niface lo inet loopback\niface eth1 inet dhcp\n', /no iface stanza for eno1/],
    ['a manual uplink with nothing to move', 'iface eth1 inet dhcp\niface eno1 inet manual\n', /"inet manual", so there is no address to move/],
    ['addresses on both the uplink and xenbr0', 'iface eno1 inet dhcp\niface xenbr0 inet dhcp\n', /gives addresses to both eno1 and xenbr0/],
  ])('fails on %s', async (_, interfaces, message) => {
    root = debian(interfaces)
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(message)
  })
})
