import {describe, expect, it} from '@jest/globals'

import {literal} from '../../../src/formats/regexp.js'

describe('literal', () => {
  it('matches exactly the text, every character that means something in a pattern included', () => {
    const texts = ['xen-hypervisor-4.17-amd64', 'app-emulation/xen', 'g++', 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p', '']
    for (const text of texts) {
      expect(new RegExp(`^${literal(text)}$`).test(text)).toBe(true)
      expect(new RegExp(literal(text), 'g').exec(`<${text}>`)?.[0]).toBe(text)
    }
    // A dot is a dot, not any character.
    expect(new RegExp(`^${literal('xen.gz')}$`).test('xen-gz')).toBe(false)
  })
})
