import {afterEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {Host, HostPathError} from '../../../src/host/host.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const trees: string[] = []
afterEach(() => trees.splice(0).forEach(removeTree))

function hostWithLinks(links: Record<string, string>): Host {
  const root = makeTree({'/dev/sdb': ''})
  trees.push(root)
  for (const [link, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(root, link)), {recursive: true})
    symlinkSync(target, path.join(root, link))
  }
  return new Host(root)
}

/** The lvm step names devices by Host.canonical: /dev/disk/by-id/… and /dev/sdb are the same disk. */
describe('device paths through Host.canonical', () => {
  test('follows udev-style relative links, chains and linked directories inside the root', () => {
    const host = hostWithLinks({
      '/dev/disk/by-id/ata-DISK': '../../sdb',
      '/dev/disk/by-path/pci-0': '../by-id/ata-DISK',
      '/dev/alias': 'disk/by-id',
    })
    expect(host.canonical('/dev/disk/by-id/ata-DISK')).toBe('/dev/sdb')
    expect(host.canonical('/dev/disk/by-path/pci-0')).toBe('/dev/sdb')
    expect(host.canonical('/dev/alias/ata-DISK')).toBe('/dev/sdb')
  })

  test('an absolute link target stays inside the root', () => {
    expect(hostWithLinks({'/dev/guests': '/dev/sdb'}).canonical('/dev/guests')).toBe('/dev/sdb')
  })

  test('plain and missing paths are kept as written, normalised', () => {
    const host = hostWithLinks({})
    expect(host.canonical('/dev/sdb')).toBe('/dev/sdb')
    mkdirSync(path.join(host.root, 'dev/disk'))
    expect(host.canonical('/dev/./disk/../sdz')).toBe('/dev/sdz')
    // `..` after a directory that does not exist: the kernel says ENOENT, and so does canonical.
    expect(() => host.canonical('/dev/nodir/../sdb')).toThrow(expect.objectContaining({code: 'ENOENT'}))
  })

  test('a symlink loop is a failure, not a hang', () => {
    const host = hostWithLinks({'/dev/a': 'b', '/dev/b': 'a'})
    expect(() => host.canonical('/dev/a')).toThrow(HostPathError)
    expect(() => host.canonical('/dev/a')).toThrow(`${host.root}/dev/a has too many levels of symbolic links`)
  })
})
