import {afterEach, describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {HostFiles} from '../../../src/facts/files.js'
import {readGuestConfigs} from '../../../src/facts/guests.js'
import {Host} from '../../../src/host/host.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const BACKUP = readFileSync(fileURLToPath(new URL('../../fixtures/roots/debian-13/etc/lvm/backup/vg0', import.meta.url)), 'utf8')
const WEB = 'name = "web"\ndisk = [ "phy:/dev/vg0/web-disk,xvda,w", "phy:/dev/vg0/gone-disk,xvdb,w" ]\nkernel = "/boot/vmlinuz"\n'

let root = ''
afterEach(() => removeTree(root))

describe("guest configs' missing paths", () => {
  test('a logical volume counts as present where lvm.conf puts the metadata backups', () => {
    root = makeTree({
      '/etc/xen/web.cfg': WEB,
      '/boot/vmlinuz': '',
      '/etc/lvm/lvm.conf': 'backup {\n\tbackup_dir = "/srv/lvm-backups"\n}\n',
      '/srv/lvm-backups/vg0': BACKUP,
    })
    expect(readGuestConfigs(new HostFiles(new Host(root)))[0].missing).toEqual(['/dev/vg0/gone-disk'])
  })

  test('without a backup the volumes are not known to exist; an unreadable backup tells nothing either', () => {
    root = makeTree({'/etc/xen/web.cfg': WEB, '/etc/lvm/backup/vg0': 'vg0 { not lvm text'})
    expect(readGuestConfigs(new HostFiles(new Host(root)))[0].missing).toEqual(['/boot/vmlinuz', '/dev/vg0/web-disk', '/dev/vg0/gone-disk'])
  })
})
