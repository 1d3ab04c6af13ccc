import {afterEach, describe, expect, test} from '@jest/globals'
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {bridgeStep} from '../../../src/steps/bridge.js'
import {uuidFor} from '../../../src/steps/bridge/networkmanager.js'
import {MAC, OS, applyThenReplan, liveContext, nic, systemdWith, treeFor, written} from '../../fixtures/bridge/host.js'
import {removeTree} from '../../lib/tree.js'

const DIR = '/etc/NetworkManager/system-connections'
const BRIDGE = `${DIR}/xenbr0.nmconnection`
const PORT = `${DIR}/xenbr0-port-eno1.nmconnection`

/** What Anaconda writes for a DHCP NIC. */
const INSTALLER_DHCP = `[connection]
id=eno1
uuid=8d8a2a4e-3e6f-4a8a-9c5e-0a8f1b2c3d4e
type=ethernet
autoconnect-priority=-999
interface-name=eno1

[ethernet]
mtu=9000

[ipv4]
method=auto

[ipv6]
addr-gen-mode=eui64
method=auto

[proxy]
`

const STATIC_BY_MAC = `[connection]
id=uplink
uuid=0f7c4d1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5
type=802-3-ethernet
autoconnect=true

[802-3-ethernet]
mac-address=${MAC.toUpperCase()}

[ipv4]
method=manual
address1=192.0.2.10/24,192.0.2.1
dns=192.0.2.53;
`

const fedora = (files: Record<string, string>) =>
  treeFor(OS.fedora, {...systemdWith('NetworkManager'), '/etc/NetworkManager/NetworkManager.conf': '[main]\n', ...nic('eno1'), ...files})

const bridgeProfile = (addressing: string) => `# Written by xensetup (init step "bridge"): the Xen guests' bridge. It keeps eno1's MAC, so DHCP
# leases and the hoster's MAC filter still recognise this host, and takes over eno1's addresses.
[connection]
id=xenbr0
uuid=${uuidFor('xenbr0')}
type=bridge
interface-name=xenbr0

[ethernet]
cloned-mac-address=${MAC}

[bridge]
stp=false
forward-delay=0

${addressing}
`

const portProfile = (link: string) => `# Written by xensetup (init step "bridge"): eno1 as a port of xenbr0, with no address of its own.
[connection]
id=xenbr0-port-eno1
uuid=${uuidFor('xenbr0-port-eno1')}
type=ethernet
interface-name=eno1
master=xenbr0
slave-type=bridge
autoconnect-priority=100
${link}`

let root: string
afterEach(() => removeTree(root))

describe('bridge step on NetworkManager', () => {
  test("the installer's DHCP profile: bridge and port keyfiles, and the old profile stops autoconnecting", async () => {
    root = fedora({[`${DIR}/eno1.nmconnection`]: INSTALLER_DHCP})
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({
      [BRIDGE]: bridgeProfile('[ipv4]\nmethod=auto\n\n[ipv6]\naddr-gen-mode=eui64\nmethod=auto'),
      [PORT]: portProfile('\n[ethernet]\nmtu=9000\n'),
      [`${DIR}/eno1.nmconnection`]: INSTALLER_DHCP.replace('interface-name=eno1\n', 'interface-name=eno1\nautoconnect=false\n'),
    })
    expect(plan).toMatchObject({state: `xenbr0 over eno1 (${MAC}), ipv4 auto, ipv6 auto: configured, active after the reboot into Xen`})
  })

  test('a static profile bound by MAC: its [ipv4] moves verbatim and its autoconnect=true becomes false', async () => {
    root = fedora({[`${DIR}/uplink.nmconnection`]: STATIC_BY_MAC})
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({
      [BRIDGE]: bridgeProfile('[ipv4]\nmethod=manual\naddress1=192.0.2.10/24,192.0.2.1\ndns=192.0.2.53;\n\n[ipv6]\nmethod=auto'),
      [PORT]: portProfile(`\n[802-3-ethernet]\nmac-address=${MAC.toUpperCase()}\n`),
      [`${DIR}/uplink.nmconnection`]: STATIC_BY_MAC.replace('autoconnect=true', 'autoconnect=false'),
    })
    expect(plan).toMatchObject({state: expect.stringContaining('ipv4 static 192.0.2.10/24')})
  })

  test("no profile on disk (NetworkManager's in-memory default): the bridge uses DHCP", async () => {
    root = fedora({})
    expect(written(await bridgeStep.plan(liveContext(root)))).toEqual({
      [BRIDGE]: bridgeProfile('[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto'),
      [PORT]: portProfile(''),
    })
  })

  test.each([
    ['DHCP', 'eno1.nmconnection', INSTALLER_DHCP],
    ['static', 'uplink.nmconnection', STATIC_BY_MAC],
  ])('%s: applying writes 0600 keyfiles, and the re-plan is empty', async (_, name, profile) => {
    root = fedora({[`${DIR}/${name}`]: profile})
    const {replan} = await applyThenReplan(root)
    for (const file of [BRIDGE, PORT]) expect(statSync(path.join(root, file)).mode & 0o777).toBe(0o600)
    expect(readFileSync(path.join(root, DIR, name), 'utf8')).toMatch(/^autoconnect=false$/m)
    expect(replan).toMatchObject({changes: []})
  })

  test.each([
    ['a profile of its own for xenbr0', {'br.nmconnection': '[connection]\nid=br\ntype=bridge\ninterface-name=xenbr0\n'}, /already configures xenbr0/],
    ['a profile making the uplink a port of br0', {'p.nmconnection': '[connection]\nid=p\ntype=ethernet\ninterface-name=eno1\nmaster=br0\nslave-type=bridge\n'}, /port of br0/],
    ['two profiles bound to no NIC', {'a.nmconnection': '[connection]\nid=a\ntype=ethernet\n', 'b.nmconnection': '[connection]\nid=b\ntype=ethernet\n'}, /could all configure eno1/],
  ])('fails on %s', async (_, profiles, message) => {
    root = fedora(Object.fromEntries(Object.entries(profiles).map(([name, text]) => [`${DIR}/${name}`, text])))
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(message)
  })
})
