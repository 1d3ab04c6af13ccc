import {afterEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {StepFailure} from '../../../src/engine/step.js'
import {Host} from '../../../src/host/host.js'
import {resolveInRoot} from '../../../src/steps/lvm/device.js'
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

describe('resolveInRoot', () => {
  test('follows udev-style relative links, chains and linked directories inside the root', () => {
    const host = hostWithLinks({
      '/dev/disk/by-id/ata-DISK': '../../sdb',
      '/dev/disk/by-path/pci-0': '../by-id/ata-DISK',
      '/dev/alias': 'disk/by-id',
    })
    expect(resolveInRoot(host, '/dev/disk/by-id/ata-DISK')).toBe('/dev/sdb')
    expect(resolveInRoot(host, '/dev/disk/by-path/pci-0')).toBe('/dev/sdb')
    expect(resolveInRoot(host, '/dev/alias/ata-DISK')).toBe('/dev/sdb')
  })

  test('an absolute link target stays inside the root', () => {
    expect(resolveInRoot(hostWithLinks({'/dev/guests': '/dev/sdb'}), '/dev/guests')).toBe('/dev/sdb')
  })

  test('plain and missing paths are kept as written, normalised', () => {
    const host = hostWithLinks({})
    expect(resolveInRoot(host, '/dev/sdb')).toBe('/dev/sdb')
    expect(resolveInRoot(host, '/dev/./disk/../sdz')).toBe('/dev/sdz')
  })

  test('a symlink loop is a failure, not a hang', () => {
    const host = hostWithLinks({'/dev/a': 'b', '/dev/b': 'a'})
    expect(() => resolveInRoot(host, '/dev/a')).toThrow(StepFailure)
    expect(() => resolveInRoot(host, '/dev/a')).toThrow('/dev/a: too many levels of symbolic links')
  })
})
