import {describe, expect, it} from '@jest/globals'

import {parseMeminfo, recommendDom0} from '../../../src/facts/memory.js'
import {fixture} from './fixtures.js'

describe('parseMeminfo', () => {
  it('reads kB values by field', () => {
    const meminfo = parseMeminfo(fixture('debian-12', '/proc/meminfo'))
    expect(meminfo.MemTotal).toBe(32_726_764)
    expect(meminfo.SwapTotal).toBe(8_384_508)
    expect(meminfo.HugePages_Total).toBe(0)
  })
})

describe('recommendDom0: 1 GiB + 5% of RAM, rounded up to 256 MiB, within [1 GiB, 8 GiB], at most half the host', () => {
  it.each([
    [992, 2, 256, '1-4'], // too small for Xen: half the host
    [2048, 2, 1024, '1-4'], // 1126 -> 1280, cut to half
    [4096, 4, 1280, '1-4'], // 1228.8 -> 1280
    [8192, 8, 1536, '1-4'], // 1433.6 -> 1536
    [16_384, 8, 2048, '1-4'], // 1843.2 -> 2048
    [65_536, 16, 4352, '1-4'], // 4300.8 -> 4352
    [196_608, 40, 8192, '1-8'], // capped; many threads widen vCPUs
  ])('%d MiB, %d threads', (hostMiB, threads, mib, vcpus) => {
    expect(recommendDom0(hostMiB, threads)).toEqual({mib, dom0Mem: `${mib}M,max:${mib}M`, maxVcpus: vcpus})
  })
})
