import {afterEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import type {CommandChange} from '../../../src/engine/change.js'
import {StepFailure, StepRefusal, type StepPlan} from '../../../src/engine/step.js'
import {bridgeStep} from '../../../src/steps/bridge.js'
import {MAC, OS, applyThenReplan, bridgeInSysfs, liveContext, nic, systemdWith, treeFor} from '../../fixtures/bridge/host.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {removeTree} from '../../lib/tree.js'

const DHCP_INTERFACES = 'auto lo\niface lo inet loopback\n\nallow-hotplug eno1\niface eno1 inet dhcp\n'
const debian = (extra: Record<string, string> = {}) => treeFor(OS.debian, {'/etc/network/interfaces': DHCP_INTERFACES, ...nic('eno1'), ...extra})
const commands = (plan: StepPlan) => ('changes' in plan ? plan.changes.filter((c): c is CommandChange => c.kind === 'command') : [])

let root: string
afterEach(() => removeTree(root))

describe('bridge step: which uplink', () => {
  test.each([
    ['a wireless NIC', nic('eno1', MAC, {'wireless/.keep': ''}), /wireless NIC and cannot be bridged: a Wi-Fi client may only send frames from its own MAC/],
    ['a bond', nic('eno1', MAC, {uevent: 'DEVTYPE=bond\nINTERFACE=eno1\n', 'bonding/mode': 'active-backup 1\n'}), /eno1 is a bond/],
    ['a VLAN', nic('eno1', MAC, {uevent: 'DEVTYPE=vlan\nINTERFACE=eno1\n'}), /eno1 is a VLAN/],
    ['a bridge itself', nic('eno1', MAC, {'bridge/stp_state': '0\n'}), /eno1 is itself a bridge/],
  ])('refuses %s (exit 4: it would cut the host off)', async (_, sysfs, message) => {
    root = debian(sysfs)
    const planned = bridgeStep.plan(liveContext(root))
    await expect(planned).rejects.toThrow(message)
    await expect(planned).rejects.toBeInstanceOf(StepRefusal)
  })

  test('refuses an uplink that is already a port of another bridge', async () => {
    root = debian()
    mkdirSync(path.join(root, 'sys/class/net/br0/bridge'), {recursive: true})
    symlinkSync('../br0', path.join(root, 'sys/class/net/eno1/master'))
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(new StepRefusal('eno1 is already a port of br0; a NIC can be in one bridge or bond only'))
  })

  test('fails without an uplink, or with one that does not exist on the running host', async () => {
    root = debian()
    await expect(bridgeStep.plan(liveContext(root, {uplink: null}))).rejects.toThrow('no uplink chosen: pass --uplink <interface>')
    await expect(bridgeStep.plan(liveContext(root, {uplink: 'eth7'}))).rejects.toThrow('eth7: no such interface')
  })
})

describe('bridge step: stacks xensetup does not write', () => {
  test.each([
    ['wicked', treeFor.bind(null, 'NAME="openSUSE Leap"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\n'), systemdWith('wicked'), /wicked is not handled yet: write \/etc\/sysconfig\/network\/ifcfg-xenbr0 .*LLADDR='52:54:00:12:34:56'/],
    ['ifupdown-ng', treeFor.bind(null, 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n'), {'/etc/network/interfaces': 'auto eno1\niface eno1 inet dhcp\n'}, /ifupdown-ng is not handled yet/],
    ['netifrc', treeFor.bind(null, 'NAME=Gentoo\nID=gentoo\n'), {'/etc/conf.d/net': 'config_eno1="dhcp"\n'}, /netifrc is not handled yet: in \/etc\/conf.d\/net set config_eno1="null"/],
    ['nothing recognisable', treeFor.bind(null, OS.debian), {}, /no network configuration xensetup writes for .* configures eno1 \(no network service is enabled at boot either\), so how it gets its address is unknown; create xenbr0 over eno1 by hand/],
    ['a service it does not write for', treeFor.bind(null, OS.debian), systemdWith('dhcpcd', 'connman'), /configures eno1 \(enabled at boot: connman, dhcpcd\)/],
  ])('%s: fails with what to do by hand', async (_, tree, files, message) => {
    root = tree({...files, ...nic('eno1')})
    const planned = bridgeStep.plan(liveContext(root))
    await expect(planned).rejects.toThrow(message)
    await expect(planned).rejects.toThrow(/--skip bridge/)
    await expect(planned).rejects.toBeInstanceOf(StepFailure)
  })
})

describe('bridge step: a --root target with no network tool', () => {
  const offline = (root: string, options = {}) => liveContext(root, {offline: true, ...options})

  test('a service that configures the network from elsewhere (networkd fed at first boot) gets no second tool: refused, naming it', async () => {
    root = treeFor(OS.debian, systemdWith('systemd-networkd'))
    await expect(bridgeStep.plan(offline(root))).rejects.toThrow(/configures eno1 \(enabled at boot: systemd-networkd\)/)
  })

  test('without the packages step the default stack would never be installed: refused', async () => {
    root = treeFor(OS.debian, {})
    await expect(bridgeStep.plan(offline(root, {steps: ['bridge']}))).rejects.toThrow(
      new StepFailure("the target has no network tool; Debian GNU/Linux's default, ifupdown, needs ifupdown, isc-dhcp-client, which only the packages step installs: run it too, or skip this step with --skip bridge"),
    )
    await expect(bridgeStep.plan(offline(root, {steps: ['packages', 'bridge']}))).resolves.toMatchObject({state: expect.stringMatching(/^no network tool in the target/)})
  })

  test('a family whose installer default xensetup does not write (Ubuntu: netplan) is refused, saying so', async () => {
    root = treeFor(OS.ubuntu, {})
    await expect(bridgeStep.plan(offline(root))).rejects.toThrow(/\(no network service is enabled at boot either\), and Ubuntu has no default stack xensetup writes/)
  })
})

describe('bridge step: the running network', () => {
  test('without --apply-network the step only writes configuration; with it, the live move is planned', async () => {
    root = debian()
    expect(commands(await bridgeStep.plan(liveContext(root)))).toEqual([])
    expect(commands(await bridgeStep.plan(liveContext(root, {applyNetwork: true})))).toHaveLength(1)
  })

  test('when asked on a running host, activation is one command after the files, on trial for --revert-after with those files', async () => {
    root = debian()
    const plan = await bridgeStep.plan(liveContext(root, {applyNetwork: true, revertAfter: 300}))
    expect('changes' in plan && plan.changes.map((c) => c.kind)).toEqual(['file', 'command'])
    expect(commands(plan)).toEqual([
      {
        kind: 'command',
        argv: [process.execPath, expect.stringMatching(/\/bin\/run\.js$/), '__activate-bridge', 'eno1', 'xenbr0', '300', '/etc/network/interfaces'],
        why: "move eno1's addresses and routes to xenbr0 on the running network now; if any command fails, eno1 is put back as it was, and unless the switch is confirmed within 300 s (on this terminal, or `xensetup confirm-network`) it and the configuration are put back then",
        timeoutMs: 60_000,
      },
    ])
    expect(plan).toMatchObject({state: expect.stringMatching(/: configured, activated now$/)})
  })

  test('under --root the running network is never touched, even when asked', async () => {
    root = debian()
    expect(commands(await bridgeStep.plan(liveContext(root, {offline: true, applyNetwork: true})))).toEqual([])
  })

  test('applying activates once; the re-plan sees xenbr0 with its port in sysfs and is empty', async () => {
    root = debian()
    const [activation] = commands(await bridgeStep.plan(liveContext(root, {applyNetwork: true})))
    const runner = new FakeRunner({[activation.argv.join(' ')]: {effect: () => bridgeInSysfs(root, 'xenbr0', 'eno1')}})
    const {applied, replan} = await applyThenReplan(root, {applyNetwork: true}, runner)
    expect(applied.status).toBe('changed')
    expect(runner.calls).toEqual([activation.argv])
    expect(replan).toEqual({changes: [], state: `xenbr0 over eno1 (${MAC}), inet dhcp: active`})
  })

  test('refuses to activate over a xenbr0 that exists without the uplink', async () => {
    root = debian()
    mkdirSync(path.join(root, 'sys/class/net/xenbr0/bridge'), {recursive: true})
    await expect(bridgeStep.plan(liveContext(root, {applyNetwork: true}))).rejects.toThrow(/xenbr0 already exists on the running system without eno1 as a port/)
    expect(commands(await bridgeStep.plan(liveContext(root)))).toEqual([])
  })
})
