import {describe, expect, test} from '@jest/globals'
import {naturalOrder} from '../../../src/formats/natural-order.js'

describe('naturalOrder', () => {
  test('digit runs compare as numbers, as localeCompare with numeric collation does for these names', () => {
    const names = ['xen-hypervisor-4.9', 'xen-hypervisor-4.20', 'xen-hypervisor-4.17', 'xen-hypervisor-4.17.1', 'xen-hypervisor']
    expect([...names].sort(naturalOrder)).toEqual(['xen-hypervisor', 'xen-hypervisor-4.9', 'xen-hypervisor-4.17', 'xen-hypervisor-4.17.1', 'xen-hypervisor-4.20'])
    expect([...names].sort(naturalOrder)).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en', {numeric: true})))
  })

  test('kernel versions in BLS entry names: -10 after -9', () => {
    const entries = ['abc-6.1.0-10-amd64.conf', 'abc-6.1.0-9-amd64.conf', 'abc-6.10.0-1-amd64.conf', 'abc-6.2.0-1-amd64.conf']
    expect([...entries].sort((a, b) => naturalOrder(b, a))).toEqual(['abc-6.10.0-1-amd64.conf', 'abc-6.2.0-1-amd64.conf', 'abc-6.1.0-10-amd64.conf', 'abc-6.1.0-9-amd64.conf'])
  })

  test('equal names are equal; a prefix sorts first', () => {
    expect(naturalOrder('a1', 'a1')).toBe(0)
    expect(naturalOrder('a', 'a1')).toBeLessThan(0)
  })
})
