import {describe, expect, it} from '@jest/globals'

import {parseProcMounts, parseProcSwaps, parseUdevRecord} from '../../../src/facts/block.js'
import {fixture} from './fixtures.js'

describe('parseProcMounts', () => {
  it('splits fields and options', () => {
    const mounts = parseProcMounts(fixture('debian-13', '/proc/mounts'))
    expect(mounts.find((mount) => mount.target === '/')).toEqual({
      source: '/dev/mapper/vg0-root',
      target: '/',
      fstype: 'ext4',
      options: ['rw', 'relatime', 'errors=remount-ro'],
    })
    expect(mounts.find((mount) => mount.fstype === 'xenfs')?.target).toBe('/proc/xen')
  })

  it('decodes the kernel octal escapes', () => {
    expect(parseProcMounts('/dev/sdb1 /media/My\\040Disk vfat rw 0 0\n')[0].target).toBe('/media/My Disk')
  })
})

describe('parseProcSwaps', () => {
  it('lists swap devices and files', () => {
    expect(parseProcSwaps(fixture('fedora-41', '/proc/swaps'))).toEqual(['/dev/zram0', '/dev/dm-1'])
    expect(parseProcSwaps(fixture('ubuntu-22.04', '/proc/swaps'))).toEqual(['/swap.img'])
    expect(parseProcSwaps(fixture('arch', '/proc/swaps'))).toEqual([])
  })
})

describe('parseUdevRecord', () => {
  it('reads E: properties only', () => {
    expect(parseUdevRecord(fixture('debian-12', '/run/udev/data/b8:1'))).toEqual({
      ID_FS_TYPE: 'linux_raid_member',
      ID_FS_USAGE: 'raid',
      ID_PART_ENTRY_SCHEME: 'gpt',
    })
  })
})
