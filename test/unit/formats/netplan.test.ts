import {describe, expect, it} from '@jest/globals'

import {NetplanError, parseNetplan, withoutEthernet} from '../../../src/formats/netplan.js'

/** The uplink takes its settings from another NIC's anchor through a merge key, and aliases its DNS. */
const SHARED_FROM_ELSEWHERE = `network:
  version: 2
  ethernets:
    enp2s0: &common
      dhcp4: true
      mtu: 9000
      nameservers: &dns
        addresses: [192.0.2.53]
    eno1:
      <<: *common
      nameservers: *dns
      match:
        macaddress: "52:54:00:12:34:56"
`

/** Another NIC takes its settings from the uplink's anchor. */
const SHARED_FROM_UPLINK = `network:
  version: 2
  ethernets:
    eno1: &common
      dhcp4: true
      mtu: 9000
    enp2s0:
      <<: *common
`

describe('parseNetplan', () => {
  it('reads an entry through its merge key and aliases', () => {
    expect(parseNetplan(SHARED_FROM_ELSEWHERE).network.ethernets?.eno1).toEqual({
      dhcp4: true,
      mtu: 9000,
      nameservers: {addresses: ['192.0.2.53']},
      match: {macaddress: '52:54:00:12:34:56'},
    })
  })

  it('refuses text that is not YAML', () => {
    expect(() => parseNetplan('network: [\n')).toThrow(NetplanError)
  })
})

describe('withoutEthernet', () => {
  it('removes an entry that only refers to anchors elsewhere, leaving the anchors and their owner intact', () => {
    const after = withoutEthernet(parseNetplan(SHARED_FROM_ELSEWHERE), 'eno1')
    expect(after).toContain('enp2s0: &common')
    expect(parseNetplan(after).data).toEqual({
      network: {version: 2, ethernets: {enp2s0: {dhcp4: true, mtu: 9000, nameservers: {addresses: ['192.0.2.53']}}}},
    })
  })

  it('refuses to remove an entry whose anchor another entry uses', () => {
    expect(() => withoutEthernet(parseNetplan(SHARED_FROM_UPLINK), 'eno1')).toThrow(/shares ethernets\.eno1 through YAML anchors/)
  })

  it('drops ethernets when the entry was its last, in the file\'s own indentation', () => {
    const after = withoutEthernet(parseNetplan('network:\n    ethernets:\n        eno1:\n            dhcp4: true\n    version: 2\n'), 'eno1')
    expect(after).toBe('network:\n    version: 2\n')
  })
})
