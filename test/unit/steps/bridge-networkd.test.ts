import {afterEach, describe, expect, test} from '@jest/globals'
import {bridgeStep} from '../../../src/steps/bridge.js'
import {MAC, OS, applyThenReplan, liveContext, nic, systemdWith, treeFor, written} from '../../fixtures/bridge/host.js'
import {removeTree} from '../../lib/tree.js'

const DIR = '/etc/systemd/network'

const NETDEV = `# Written by xensetup (init step "bridge"): the Xen guests' bridge.
# The uplink's MAC, so DHCP leases and the hoster's MAC filter still recognise this host.
[NetDev]
Name=xenbr0
Kind=bridge
MACAddress=${MAC}

# No STP and no forwarding delay: ports forward as soon as they join.
[Bridge]
STP=no
ForwardDelaySec=0
`

const STATIC = `[Match]
Name=eno1

[Link]
MTUBytes=9000

[Network]
DNS=192.0.2.53
# the hoster's resolver
Domains=example.org

[Address]
Address=192.0.2.10/24

[Route]
Gateway=192.0.2.1
`

const arch = (files: Record<string, string>) => treeFor(OS.arch, {...systemdWith('systemd-networkd'), ...nic('eno1'), ...files})

let root: string
afterEach(() => removeTree(root))

describe('bridge step on systemd-networkd', () => {
  test("DHCP from a catch-all file: the netdev has the uplink's MAC and STP off, xenbr0.network takes DHCP=", async () => {
    root = arch({[`${DIR}/20-wired.network`]: '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n'})
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({
      [`${DIR}/10-xenbr0.netdev`]: NETDEV,
      [`${DIR}/10-xenbr0-uplink.network`]: `# Written by xensetup (init step "bridge"): eno1 carries no address of its own, only xenbr0's traffic.
[Match]
Name=eno1

[Network]
Bridge=xenbr0
`,
      [`${DIR}/10-xenbr0.network`]: `# Written by xensetup (init step "bridge"): eno1's address configuration, moved to xenbr0.
[Match]
Name=xenbr0

[Network]
DHCP=yes
`,
    })
    expect(plan).toMatchObject({state: expect.stringContaining('dhcp (yes)')})
  })

  test('a static uplink: [Network], [Address] and [Route] move to xenbr0, [Link] stays with the uplink', async () => {
    root = arch({[`${DIR}/20-eno1.network`]: STATIC})
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)[`${DIR}/10-xenbr0-uplink.network`]).toBe(
      '# Written by xensetup (init step "bridge"): eno1 carries no address of its own, only xenbr0\'s traffic.\n[Match]\nName=eno1\n\n[Link]\nMTUBytes=9000\n\n[Network]\nBridge=xenbr0\n',
    )
    expect(written(plan)[`${DIR}/10-xenbr0.network`]).toBe(
      '# Written by xensetup (init step "bridge"): eno1\'s address configuration, moved to xenbr0.\n[Match]\nName=xenbr0\n\n' +
        '[Network]\nDNS=192.0.2.53\n# the hoster\'s resolver\nDomains=example.org\n\n[Address]\nAddress=192.0.2.10/24\n\n[Route]\nGateway=192.0.2.1\n',
    )
    expect(plan).toMatchObject({state: expect.stringContaining('static 192.0.2.10/24')})
  })

  test.each([
    ['DHCP', '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n'],
    ['static', STATIC],
  ])('%s: applying writes the three files, and the re-plan is empty', async (_, network) => {
    root = arch({[`${DIR}/20-wired.network`]: network})
    const {applied, replan} = await applyThenReplan(root)
    expect(applied.changes.map((change) => change.kind === 'file' && change.path)).toEqual([
      `${DIR}/10-xenbr0.netdev`,
      `${DIR}/10-xenbr0-uplink.network`,
      `${DIR}/10-xenbr0.network`,
    ])
    expect(replan).toMatchObject({changes: []})
  })

  test('under --root the MAC comes from the old file matching the uplink by MACAddress=', async () => {
    root = treeFor(OS.arch, {...systemdWith('systemd-networkd'), [`${DIR}/20-wired.network`]: `[Match]\nMACAddress=${MAC.toUpperCase()}\n\n[Network]\nDHCP=yes\n`})
    const plan = await bridgeStep.plan(liveContext(root, {offline: true}))
    expect(written(plan)[`${DIR}/10-xenbr0.netdev`]).toContain(`MACAddress=${MAC}\n`)
  })

  test.each([
    ['a file that sorts before ours', {[`${DIR}/05-eno1.network`]: '[Match]\nName=eno1\n[Network]\nDHCP=yes\n'}, /sorts before 10-xenbr0-uplink.network/],
    ['a catch-all that would claim xenbr0 first', {[`${DIR}/00-all.network`]: '[Match]\nName=!eno1\n[Network]\nDHCP=yes\n', [`${DIR}/20-wired.network`]: '[Match]\nName=eno1\n[Network]\nDHCP=yes\n'}, /matches xenbr0 and sorts before/],
    ['a netdev of its own for xenbr0', {[`${DIR}/br.netdev`]: '[NetDev]\nName=xenbr0\nKind=bridge\n', [`${DIR}/20-wired.network`]: '[Match]\nName=eno1\n[Network]\nDHCP=yes\n'}, /already defines xenbr0/],
    ['an uplink configured as a port of another bridge', {[`${DIR}/20-wired.network`]: '[Match]\nName=eno1\n[Network]\nBridge=br0\n'}, /port of br0/],
    ['no file for the uplink', {[`${DIR}/20-wired.network`]: '[Match]\nName=eth9\n[Network]\nDHCP=yes\n'}, /no .network file matches eno1/],
  ])('fails on %s', async (_, files, message) => {
    root = arch(files)
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(message)
  })
})
