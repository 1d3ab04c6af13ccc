import {afterEach, describe, expect, test} from '@jest/globals'
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {bridgeStep} from '../../../src/steps/bridge.js'
import {MAC, OS, applyThenReplan, fileChanges, liveContext, nic, systemdWith, treeFor, written} from '../../fixtures/bridge/host.js'
import {removeTree} from '../../lib/tree.js'

const OURS = '/etc/netplan/60-xensetup-xenbr0.yaml'

const CLOUD_INIT = `# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
network:
    ethernets:
        eno1:
            dhcp4: true
            dhcp6: false
            match:
                macaddress: ${MAC.toUpperCase()}
            mtu: 9000
            set-name: eno1
    version: 2
`

const SUBIQUITY_STATIC = `# This is the network config written by 'subiquity'
network:
  ethernets:
    eno1:
      addresses:
      - 192.0.2.10/24
      nameservers:
        addresses: [192.0.2.53]
        search: [example.org]
      routes:
      - to: default
        via: 192.0.2.1
    enp2s0:
      dhcp4: true
  version: 2
`

const ubuntu = (files: Record<string, string>) => treeFor(OS.ubuntu, {...systemdWith('systemd-networkd'), ...nic('eno1'), ...files})

let root: string
afterEach(() => removeTree(root))

describe('bridge step on netplan', () => {
  test("cloud-init's DHCP uplink moves into our file, its entry leaves 50-cloud-init.yaml, and cloud-init is told to stop", async () => {
    root = ubuntu({'/etc/netplan/50-cloud-init.yaml': CLOUD_INIT, '/etc/cloud/cloud.cfg': ''})
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({
      [OURS]: `# Written by xensetup (init step "bridge"). xenbr0 is the Xen guests' bridge; it takes over
# eno1's addresses and keeps its MAC (${MAC}), so DHCP and MAC filters still know this host.
network:
  version: 2
  ethernets:
    eno1:
      match:
        macaddress: ${MAC.toUpperCase()}
      mtu: 9000
      set-name: eno1
      dhcp4: false
      dhcp6: false
  bridges:
    xenbr0:
      interfaces: [eno1]
      macaddress: ${MAC}
      dhcp4: true
      dhcp6: false
      parameters:
        stp: false
        forward-delay: 0
`,
      '/etc/netplan/50-cloud-init.yaml': `${CLOUD_INIT.split('network:\n')[0]}network:\n    version: 2\n`,
      '/etc/cloud/cloud.cfg.d/99-xensetup-network-config.cfg': `# Written by xensetup (init step "bridge"): the uplink's netplan definition now lives in
# ${OURS}; cloud-init must not write it back into 50-cloud-init.yaml.
network: {config: disabled}
`,
    })
    expect(fileChanges(plan).find((change) => change.path === OURS)?.mode).toBe(0o600)
  })

  test("a static uplink: addresses, routes and DNS move to xenbr0; the other NIC's entry stays where it was", async () => {
    root = ubuntu({'/etc/netplan/00-installer-config.yaml': SUBIQUITY_STATIC})
    const plan = await bridgeStep.plan(liveContext(root))
    expect(written(plan)).toEqual({
      [OURS]: `# Written by xensetup (init step "bridge"). xenbr0 is the Xen guests' bridge; it takes over
# eno1's addresses and keeps its MAC (${MAC}), so DHCP and MAC filters still know this host.
network:
  version: 2
  ethernets:
    eno1:
      dhcp4: false
      dhcp6: false
  bridges:
    xenbr0:
      interfaces: [eno1]
      macaddress: ${MAC}
      addresses:
        - 192.0.2.10/24
      nameservers:
        addresses:
          - 192.0.2.53
        search:
          - example.org
      routes:
        - to: default
          via: 192.0.2.1
      parameters:
        stp: false
        forward-delay: 0
`,
      '/etc/netplan/00-installer-config.yaml': `# This is the network config written by 'subiquity'
network:
  ethernets:
    enp2s0:
      dhcp4: true
  version: 2
`,
    })
    expect(plan).toMatchObject({state: expect.stringContaining('static 192.0.2.10/24')})
  })

  test.each([
    ['cloud-init DHCP', {'/etc/netplan/50-cloud-init.yaml': CLOUD_INIT, '/etc/cloud/cloud.cfg': ''}],
    ['installer static', {'/etc/netplan/00-installer-config.yaml': SUBIQUITY_STATIC}],
  ])('%s: applying writes the files (ours 0600), and the re-plan is empty', async (_, files) => {
    root = ubuntu(files)
    const {replan} = await applyThenReplan(root)
    expect(statSync(path.join(root, OURS)).mode & 0o777).toBe(0o600)
    expect(readFileSync(path.join(root, OURS), 'utf8')).toContain('stp: false')
    expect(replan).toMatchObject({changes: []})
  })

  test('an uplink configured through a merge key moves with what it resolves to; the anchor stays with its owner', async () => {
    const shared = `network:
  version: 2
  ethernets:
    enp2s0: &common
      dhcp4: true
      mtu: 9000
    eno1:
      <<: *common
      match:
        macaddress: "${MAC}"
`
    root = ubuntu({'/etc/netplan/01-shared.yaml': shared})
    const {applied, replan} = await applyThenReplan(root)
    expect(applied.status).toBe('changed')
    const ours = readFileSync(path.join(root, OURS), 'utf8')
    expect(ours).toContain(`    eno1:\n      mtu: 9000\n      match:\n        macaddress: ${MAC}\n      dhcp4: false\n`)
    expect(ours).toMatch(/xenbr0:[^]*dhcp4: true/)
    expect(readFileSync(path.join(root, '/etc/netplan/01-shared.yaml'), 'utf8')).toBe('network:\n  version: 2\n  ethernets:\n    enp2s0: &common\n      dhcp4: true\n      mtu: 9000\n')
    expect(replan).toMatchObject({changes: []})
  })

  test("an uplink whose anchor another NIC's entry uses is refused, naming the file", async () => {
    root = ubuntu({'/etc/netplan/01-shared.yaml': 'network:\n  version: 2\n  ethernets:\n    eno1: &common\n      dhcp4: true\n    enp2s0:\n      <<: *common\n'})
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow('/etc/netplan/01-shared.yaml shares ethernets.eno1 through YAML anchors')
  })

  test('under --root the MAC comes from the match of the uplink it moves', async () => {
    root = treeFor(OS.ubuntu, {'/etc/netplan/50-cloud-init.yaml': CLOUD_INIT})
    const plan = await bridgeStep.plan(liveContext(root, {offline: true}))
    expect(written(plan)[OURS]).toContain(`      macaddress: ${MAC}\n`)
  })

  test.each([
    ['a pattern match shared with other NICs', 'network:\n  ethernets:\n    all-en:\n      match: {name: "en*"}\n      dhcp4: true\n', /matches eno1 by pattern/],
    ['a bridge called xenbr0 defined elsewhere', 'network:\n  ethernets:\n    eno1: {dhcp4: true}\n  bridges:\n    xenbr0: {interfaces: [eno1]}\n', /already defines bridges.xenbr0/],
    ['an uplink with no address', 'network:\n  ethernets:\n    eno1: {optional: true}\n', /no address/],
  ])('fails on %s', async (_, yaml, message) => {
    root = ubuntu({'/etc/netplan/01-netcfg.yaml': yaml})
    await expect(bridgeStep.plan(liveContext(root))).rejects.toThrow(message)
  })
})
