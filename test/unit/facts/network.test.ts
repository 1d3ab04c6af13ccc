import {describe, expect, it} from '@jest/globals'

import {
  type NetworkStackEvidence,
  chooseNetworkStack,
  netifrcConfiguresInterfaces,
  parseDefaultRoute,
  parseIpv6DefaultRoute,
} from '../../../src/facts/network.js'
import {fixture} from './fixtures.js'

describe('parseDefaultRoute', () => {
  it.each([
    ['debian-12', 'eno1'],
    ['debian-13', 'xenbr0'],
    ['linuxmint-22', 'wlp0s20f3'],
    ['ubuntu-24.04', 'ens5'],
  ])('%s', (root, uplink) => {
    expect(parseDefaultRoute(fixture(root, '/proc/net/route'))).toBe(uplink)
  })

  it('takes the lowest metric among default routes that are up', () => {
    const table = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
tun0\t00000000\t00000000\t0000\t0\t0\t1\t00000000\t0\t0\t0
eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
`
    expect(parseDefaultRoute(table)).toBe('eth0')
    expect(parseDefaultRoute('Iface\tDestination\n')).toBeNull()
  })
})

describe('parseIpv6DefaultRoute', () => {
  it("finds ::/0 and skips the kernel's reject route on lo", () => {
    expect(parseIpv6DefaultRoute(fixture('opensuse-leap-15.6', '/proc/net/ipv6_route'))).toBe('br0')
    expect(
      parseIpv6DefaultRoute('00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n'),
    ).toBeNull()
  })
})

describe('netifrcConfiguresInterfaces', () => {
  it('looks for config_<iface>= lines', () => {
    expect(netifrcConfiguresInterfaces(fixture('gentoo', '/etc/conf.d/net'))).toBe(true)
    expect(netifrcConfiguresInterfaces('# config_eth0="dhcp"\n')).toBe(false)
  })
})

describe('chooseNetworkStack', () => {
  const none: NetworkStackEvidence = {
    family: 'debian',
    netplanFiles: [],
    ifupdownInterfaces: [],
    networkManagerEnabled: false,
    wickedEnabled: false,
    networkdConfigured: false,
    netifrcConfigured: false,
    interfacesFileExists: false,
  }

  it.each<[Partial<NetworkStackEvidence>, string]>([
    [{netplanFiles: ['50-cloud-init.yaml'], networkdConfigured: true}, 'netplan'],
    [{ifupdownInterfaces: ['eno1'], networkManagerEnabled: true}, 'ifupdown'],
    [{ifupdownInterfaces: ['eth0'], family: 'alpine'}, 'ifupdown-ng'],
    [{networkManagerEnabled: true, networkdConfigured: true}, 'networkmanager'],
    [{wickedEnabled: true}, 'wicked'],
    [{networkdConfigured: true}, 'networkd'],
    [{netifrcConfigured: true}, 'netifrc'],
    [{interfacesFileExists: true}, 'ifupdown'],
    [{interfacesFileExists: true, networkdConfigured: true}, 'networkd'],
    [{}, 'unknown'],
  ])('%j -> %s', (evidence, stack) => {
    expect(chooseNetworkStack({...none, ...evidence})).toBe(stack)
  })
})
