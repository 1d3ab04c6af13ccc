import {afterEach, describe, expect, test} from '@jest/globals'
import {bridgeNextBoot} from '../../../src/doctor/bridge-next-boot.js'
import {networkChecks} from '../../../src/doctor/checks/memory-network.js'
import {gatherFacts} from '../../../src/facts/index.js'
import {Host} from '../../../src/host/host.js'
import {MAC, OS, bridgeInSysfs, nic, systemdWith, treeFor} from '../../fixtures/bridge/host.js'
import {removeTree, writeTreeFile} from '../../lib/tree.js'

const BRIDGED = `auto lo\niface lo inet loopback\n\niface eno1 inet manual\n\nauto xenbr0\niface xenbr0 inet dhcp\n    bridge_ports eno1\n    bridge_hw ${MAC}\n    bridge_stp off\n    bridge_fd 0\n    bridge_maxwait 0\n`

let root: string
afterEach(() => removeTree(root))

/** The running xenbr0 over eno1 (sysfs in the tree) and the network configuration in `files`. */
function bridgedHost(files: Record<string, string>): string {
  const tree = treeFor(OS.debian, {...files, ...nic('eno1')})
  bridgeInSysfs(tree, 'xenbr0', 'eno1')
  return tree
}

async function nextBoot(tree: string) {
  const host = new Host(tree)
  const found = await bridgeNextBoot(host, gatherFacts(host))
  const check = networkChecks.find((c) => c.id === 'network.next_boot')
  if (!check) throw new Error('no network.next_boot check')
  return {found, outcome: check.run({facts: gatherFacts(host), state: 'dom0', bridgeNextBoot: found})}
}

describe('doctor network.next_boot: the running bridge against what the configuration brings up', () => {
  test('ifupdown configured the way init writes it: the bridge, its port and MAC come back', async () => {
    root = bridgedHost({'/etc/network/interfaces': BRIDGED})
    const {found, outcome} = await nextBoot(root)
    expect(found).toMatchObject({bridge: 'xenbr0', uplink: 'eno1', stack: 'ifupdown', differs: []})
    expect(outcome).toEqual({status: 'pass', detail: 'the ifupdown configuration brings xenbr0 back over eno1 with its MAC'})
  })

  test('a bridge made by hand while the uplink is still configured for DHCP is a warning naming what init would rewrite', async () => {
    root = bridgedHost({'/etc/network/interfaces': 'auto lo\niface lo inet loopback\n\nallow-hotplug eno1\niface eno1 inet dhcp\n'})
    const {outcome} = await nextBoot(root)
    expect(outcome).toMatchObject({
      status: 'warn',
      detail: 'xenbr0 over eno1 runs now, but the ifupdown configuration is not what init writes for it (init would rewrite /etc/network/interfaces): it may not bring xenbr0 back at the next boot',
      fix: expect.stringMatching(/^xensetup init --only bridge --dry-run/),
    })
  })

  test('a bridge running with another MAC than its port\'s is a warning: DHCP may hand out another address after the reboot', async () => {
    root = bridgedHost({'/etc/network/interfaces': BRIDGED})
    writeTreeFile(root, '/sys/class/net/xenbr0/address', '02:00:00:aa:bb:cc\n')
    const {outcome} = await nextBoot(root)
    expect(outcome).toMatchObject({status: 'warn', detail: expect.stringMatching(/^xenbr0 runs with MAC 02:00:00:aa:bb:cc, not its port eno1's 52:54:00:12:34:56/), fix: `ip link set dev xenbr0 address ${MAC}`})
  })

  test('with no configuration tool xensetup reads, it cannot be told, and says so', async () => {
    root = bridgedHost(systemdWith('connman'))
    const {outcome} = await nextBoot(root)
    expect(outcome).toMatchObject({status: 'warn', detail: 'xenbr0 over eno1 runs now, but whether it comes back cannot be told: no network configuration tool recognised'})
  })

  test('no running bridge, or one with several NIC ports: nothing to compare, skipped', async () => {
    root = treeFor(OS.debian, {'/etc/network/interfaces': BRIDGED, ...nic('eno1')})
    expect(await nextBoot(root)).toMatchObject({found: null, outcome: {status: 'skip'}})
    removeTree(root)
    root = bridgedHost({'/etc/network/interfaces': BRIDGED, ...nic('eno2', '52:54:00:12:34:57')})
    bridgeInSysfs(root, 'xenbr0', 'eno2')
    expect(await nextBoot(root)).toMatchObject({found: null})
  })
})
