import {describe, expect, it} from '@jest/globals'
import path from 'node:path'

import {type FileTree, interfacesFiles} from '../../../src/formats/interfaces-sources.js'
import {ifaceNames, parseInterfaces, withoutUpListNames} from '../../../src/formats/interfaces.js'
import {fixture} from '../facts/fixtures.js'

/** A file tree held in memory: directories are the parents of the files. */
function treeOf(files: Record<string, string>): FileTree {
  return {
    read: (file) => files[file],
    list: (dir) => [...new Set(Object.keys(files).filter((file) => path.posix.dirname(file) === dir).map((file) => path.posix.basename(file)))].sort(),
  }
}

describe('ifaceNames', () => {
  it('lists configured interfaces except loopback', () => {
    expect(ifaceNames(fixture('debian-12', '/etc/network/interfaces'))).toEqual(['eno1'])
    expect(ifaceNames(fixture('debian-13', '/etc/network/interfaces'))).toEqual(['eno1', 'xenbr0'])
    expect(ifaceNames(fixture('linuxmint-22', '/etc/network/interfaces'))).toEqual([])
  })

  it('names an interface once, whatever its families', () => {
    expect(ifaceNames('iface eth0 inet dhcp\niface eth0 inet6 auto\n')).toEqual(['eth0'])
  })
})

describe('parseInterfaces', () => {
  it('keeps a continued option with its stanza and writes every line back', () => {
    const text = 'auto eth0\niface eth0 inet static\n    address 192.0.2.1/24 \\\n      # still the address\n\n# between\nsource interfaces.local\n'
    const items = parseInterfaces(text)
    expect(items.map((item) => item.kind)).toEqual(['list', 'iface', 'other', 'other', 'source'])
    expect(items[1]).toMatchObject({name: 'eth0', options: [['    address 192.0.2.1/24 \\', '      # still the address']]})
    expect(items[4]).toMatchObject({keyword: 'source', pattern: 'interfaces.local'})
  })
})

describe('withoutUpListNames', () => {
  it('drops the names from auto and allow- lines, and a line left empty', () => {
    expect(withoutUpListNames('auto lo eth0\nallow-hotplug eth0\niface eth0 inet dhcp\n', ['eth0'])).toBe('auto lo\niface eth0 inet dhcp\n')
  })
})

describe('interfacesFiles', () => {
  it('follows source by a path relative to /etc/network, globs and source-directory, recursively', () => {
    const tree = treeOf({
      '/etc/network/interfaces': 'source interfaces.local\nsource /etc/network/parts/*.conf\nsource-directory /etc/network/more\n',
      '/etc/network/interfaces.local': 'iface eth0 inet dhcp\nsource nested\n',
      '/etc/network/nested': 'iface eth3 inet dhcp\n',
      '/etc/network/parts/a.conf': 'iface eth1 inet dhcp\n',
      '/etc/network/parts/.hidden.conf': 'iface hidden inet dhcp\n',
      '/etc/network/parts/b.txt': 'iface nope inet dhcp\n',
      '/etc/network/more/eth2': 'iface eth2 inet dhcp\n',
      '/etc/network/more/eth2.bak': 'iface backup inet dhcp\n',
      '/etc/network/interfaces.d/unsourced': 'iface unsourced inet dhcp\n',
    })
    expect(interfacesFiles(tree).map((file) => file.path)).toEqual([
      '/etc/network/interfaces',
      '/etc/network/interfaces.local',
      '/etc/network/nested',
      '/etc/network/parts/a.conf',
      '/etc/network/more/eth2',
    ])
  })

  it('reads a file sourced twice (or sourcing itself) once, and skips what does not exist', () => {
    const tree = treeOf({'/etc/network/interfaces': 'source /etc/network/interfaces\nsource missing\nsource interfaces\n'})
    expect(interfacesFiles(tree).map((file) => file.path)).toEqual(['/etc/network/interfaces'])
    expect(interfacesFiles(treeOf({}))).toEqual([])
  })
})
