import {afterEach, describe, expect, it} from '@jest/globals'

import {HostFiles} from '../../../src/facts/files.js'
import {collectMemory, parseMeminfo, recommendDom0} from '../../../src/facts/memory.js'
import {Host} from '../../../src/host/host.js'
import {makeTree, removeTree} from '../../lib/tree.js'
import {fixture} from './fixtures.js'

let root = ''
afterEach(() => removeTree(root))

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

describe('the host RAM: installed memory, not what the kernel has left of it', () => {
  // A QEMU guest with -m 2048: MemTotal leaves out what the firmware and kernel reserved.
  const meminfo = 'MemTotal:        1994556 kB\n'
  const blocks = (count: number, extra: Record<string, string> = {}) => ({
    '/proc/meminfo': meminfo,
    '/sys/devices/system/memory/block_size_bytes': '8000000\n',
    ...Object.fromEntries(Array.from({length: count}, (_, i) => [`/sys/devices/system/memory/memory${i}/online`, '1\n'])),
    ...extra,
  })
  const memory = (tree: Record<string, string>, dom0 = false) => {
    root = makeTree(tree)
    return collectMemory(new HostFiles(new Host(root)), dom0, 2)
  }

  it('counts the memory blocks sysfs lists (16 of 128 MiB), ignoring other entries there', () => {
    expect(memory(blocks(16, {'/sys/devices/system/memory/auto_online_blocks': 'online\n'}))).toMatchObject({totalMiB: 1947, hostTotalMiB: 2048, recommendedDom0MiB: 1024})
  })

  it('falls back to MemTotal without memory blocks, or with fewer than MemTotal says', () => {
    expect(memory({'/proc/meminfo': meminfo})).toMatchObject({totalMiB: 1947, hostTotalMiB: 1947, recommendedDom0MiB: 768})
    expect(memory(blocks(8))).toMatchObject({hostTotalMiB: 1947})
  })

  it('in a dom0 neither describes the host', () => {
    expect(memory(blocks(16), true)).toMatchObject({totalMiB: 1947, hostTotalMiB: null, recommendedDom0MiB: null})
  })
})
