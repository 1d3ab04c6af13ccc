import {afterEach, describe, expect, test} from '@jest/globals'
import {Host} from '../../../src/host/host.js'
import {canonicalJson, digestOf} from '../../../src/plan/canonical.js'
import {driftOf, isVolatile, readRecorder} from '../../../src/plan/reads.js'
import {makeTree, removeTree, writeTreeFile} from '../../lib/tree.js'
import {symlinkSync, rmSync} from 'node:fs'
import path from 'node:path'

let root: string
afterEach(() => {
  if (root) removeTree(root)
})

describe('canonical plan text', () => {
  test('the same content in any key order is the same text: keys sorted at every depth, arrays kept in order', () => {
    const a = {b: 1, a: {y: [3, {k: 2, j: 1}], x: null}, c: 'text'}
    const b = {c: 'text', a: {x: null, y: [3, {j: 1, k: 2}]}, b: 1}
    expect(canonicalJson(a)).toBe(canonicalJson(b))
    expect(canonicalJson(a)).toBe('{\n  "a": {\n    "x": null,\n    "y": [\n      3,\n      {\n        "j": 1,\n        "k": 2\n      }\n    ]\n  },\n  "b": 1,\n  "c": "text"\n}\n')
    expect(canonicalJson({a: [2, 1]})).not.toBe(canonicalJson({a: [1, 2]}))
  })

  test('the digest covers every field but itself: an edit of any leaf changes it', () => {
    const plan = {format: 'xensetup-plan/1', flags: {only: ['xenfs'], 'vg-name': 'vg0'}, steps: [{id: 'xenfs', changes: [{kind: 'file', before: null, after: 'x\n', why: 'w'}]}], reads: {'/etc/fstab': {content: 'none'}}}
    const digest = digestOf(plan)
    expect(digestOf({...plan, digest})).toBe(digest)
    expect(digestOf({...plan, digest: 'sha256:other'})).toBe(digest)
    const leaves = (value: unknown, at: Array<string | number> = []): Array<Array<string | number>> =>
      value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, child]) => leaves(child, [...at, Array.isArray(value) ? Number(key) : key])) : [at]
    const paths = leaves(plan)
    expect(paths.length).toBe(9)
    for (const leaf of paths) {
      const edited = structuredClone(plan) as Record<string | number, unknown>
      let parent = edited
      for (const key of leaf.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
      const last = leaf.at(-1) as string
      parent[last] = parent[last] === null ? 'x' : `${String(parent[last])} `
      expect([leaf, digestOf(edited)]).not.toEqual([leaf, digest])
    }
  })
})

describe('reads a plan records', () => {
  test('every Host read reports what it saw; reading again after a change is drift, per path', () => {
    root = makeTree({'/etc/default/grub': 'GRUB_TIMEOUT=5\n', '/etc/xen/xl.conf': '#autoballoon="auto"\n', '/srv/disk.img': 'QFI\xfb rest'})
    symlinkSync('/etc/xen/xl.conf', path.join(root, 'etc/xl-link'))
    const host = new Host(root)
    const {recorder, reads} = readRecorder()
    host.recorder = recorder
    host.read('/etc/default/grub')
    host.read('/etc/missing')
    host.list('/etc/xen')
    host.exists('/etc/xen/xl.conf')
    host.isDirectory('/etc/xen')
    host.readlink('/etc/xl-link')
    host.head('/srv/disk.img', 4)
    host.recorder = null
    host.read('/etc/not-recorded')
    expect(Object.keys(reads).sort()).toEqual(['/etc/default/grub', '/etc/missing', '/etc/xen', '/etc/xen/xl.conf', '/etc/xl-link', '/srv/disk.img'])
    expect(reads['/etc/default/grub'].content).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(reads['/etc/missing']).toEqual({content: 'none'})
    expect(reads['/etc/xen']).toEqual({list: expect.stringMatching(/^sha256:/), kind: 'directory'})
    expect(reads['/etc/xen/xl.conf']).toEqual({kind: 'file'})
    expect(reads['/etc/xl-link']).toEqual({link: '-> /etc/xen/xl.conf'})
    expect(reads['/srv/disk.img']).toEqual({'head:4': expect.stringMatching(/^sha256:/)})
    expect(driftOf(host, reads)).toEqual([])

    writeTreeFile(root, '/etc/default/grub', 'GRUB_TIMEOUT=5\n# a comment\n')
    writeTreeFile(root, '/etc/missing', 'now here\n')
    writeTreeFile(root, '/etc/xen/new.cfg', 'name="new"\n')
    rmSync(path.join(root, 'etc/xl-link'))
    writeTreeFile(root, '/srv/disk.img', 'RAW! rest')
    expect(driftOf(host, reads).map((d) => `${d.path} ${d.facet}`)).toEqual(['/etc/default/grub content', '/etc/missing content', '/etc/xen list', '/etc/xl-link link', '/srv/disk.img head:4'])
    expect(driftOf(host, reads)[1]).toEqual({path: '/etc/missing', facet: 'content', planned: 'none', now: expect.stringMatching(/^sha256:/)})
    expect(host.recorder).toBeNull()
  })

  test('a path that could not be read is recorded with why, and stays the same until it can be', () => {
    root = makeTree({'/etc/xen/xl.conf': 'x\n'})
    const host = new Host(root)
    const {recorder, reads} = readRecorder()
    host.recorder = recorder
    expect(() => host.head('/etc/xen', 4)).toThrow()
    host.recorder = null
    expect(reads['/etc/xen']).toEqual({'head:4': 'unreadable: EISDIR'})
    expect(driftOf(host, reads)).toEqual([])
  })

  test('volatile trees (kernel and run state, logs, xensetup\'s own) are not recorded', () => {
    for (const volatile of ['/proc', '/proc/meminfo', '/sys/class/net/eth0/address', '/dev/sda', '/run/systemd/system', '/tmp/x', '/var/lib/xensetup/lock', '/var/log/kern.log', '/var/log/../log/x']) {
      expect([volatile, isVolatile(volatile)]).toEqual([volatile, true])
    }
    for (const kept of ['/procfs', '/etc/default/grub', '/var/lib/dpkg/status', '/var/lib/xensetup-other', '/boot/grub/grub.cfg', '/var/logs']) {
      expect([kept, isVolatile(kept)]).toEqual([kept, false])
    }
    root = makeTree({'/proc/meminfo': 'MemTotal: 1 kB\n', '/var/log/syslog': 'x\n', '/etc/hostname': 'h\n'})
    const host = new Host(root)
    const {recorder, reads} = readRecorder()
    host.recorder = recorder
    host.read('/proc/meminfo')
    host.read('/var/log/syslog')
    host.list('/sys/class/net')
    host.read('/etc/hostname')
    expect(Object.keys(reads)).toEqual(['/etc/hostname'])
  })
})
