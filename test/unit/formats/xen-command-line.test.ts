import {describe, expect, it} from '@jest/globals'

import {dom0MemArgument, dom0MemMiB, parseMiB, xenOptionValue} from '../../../src/formats/xen-command-line.js'

describe('xenOptionValue', () => {
  it('takes the last occurrence, as Xen reads left to right', () => {
    expect(xenOptionValue('dom0_mem=1G console=vga dom0_mem=2048M,max:2048M', 'dom0_mem')).toBe('2048M,max:2048M')
    expect(xenOptionValue('dom0_max_vcpus=1-4', 'dom0_mem')).toBeUndefined()
  })
})

describe('parseMiB', () => {
  it.each([
    ['2048M', 2048],
    ['2048MiB', 2048],
    ['2G', 2048],
    ['4gb', 4096],
    [' 1536 ', 1536],
    ['lots', null],
    ['2048B', null],
    ['2T', 2 * 1024 * 1024],
  ])('%s', (value, mib) => {
    expect(parseMiB(value)).toBe(mib)
  })
})

describe('dom0MemMiB', () => {
  it("reads dom0's size from a dom0_mem value, whatever the unit, and nothing from a max alone", () => {
    expect(dom0MemMiB('4096M,max:4096M')).toBe(4096)
    expect(dom0MemMiB('4G')).toBe(4096)
    expect(dom0MemMiB('max:4096M')).toBeNull()
  })

  it('reads back what dom0MemArgument writes', () => {
    expect(dom0MemArgument(3072)).toBe('3072M,max:3072M')
    expect(dom0MemMiB(dom0MemArgument(3072))).toBe(3072)
  })
})
