import {afterEach, describe, expect, test} from '@jest/globals'
import {Host} from '../../../src/host/host.js'
import {backupDirectory, pvsInBackup} from '../../../src/steps/lvm/backup.js'
import {parseLvmText, sectionAt} from '../../../src/formats/lvm-text.js'
import {describeSignatures, parseWipefsJson} from '../../../src/steps/lvm/signatures.js'
import {lvmFixture} from '../../fixtures/lvm/load.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const trees: string[] = []
afterEach(() => trees.splice(0).forEach(removeTree))

function hostWith(files: Record<string, string>): Host {
  const root = makeTree(files)
  trees.push(root)
  return new Host(root)
}

describe('LVM text format', () => {
  test('reads a metadata backup vgcreate wrote: strings, numbers, lists, nested sections', () => {
    const backup = parseLvmText(lvmFixture('backup-vg0-one-pv'))
    expect(backup.contents).toBe('Text Format Volume Group')
    expect(backup.creation_time).toBe(1795703135)
    const vg = sectionAt(backup, ['vg0'])
    expect(vg).toMatchObject({seqno: 1, extent_size: 8192, status: ['RESIZEABLE', 'READ', 'WRITE'], flags: []})
    expect(sectionAt(backup, ['vg0', 'physical_volumes', 'pv0'])).toMatchObject({device: '/dev/loop1', pe_count: 15})
  })

  test('reads lvm.conf: comments, a # inside a string, lists of regexes', () => {
    const conf = parseLvmText(lvmFixture('lvm.conf'))
    expect(sectionAt(conf, ['devices'])?.global_filter).toEqual(['r|^/dev/cdrom#|', 'a|.*|'])
    expect(sectionAt(conf, ['devices'])?.scan).toEqual(['/dev'])
    expect(sectionAt(conf, ['backup'])).toEqual({backup_dir: '/srv/lvm/backup'})
  })

  test('reads escapes, negative numbers and bare words', () => {
    expect(parseLvmText('a = "say \\"hi\\""\nb = -2\nc = 1.5\nd = auto\ne { f = [1, "x"] }')).toEqual({
      a: 'say "hi"',
      b: -2,
      c: 1.5,
      d: 'auto',
      e: {f: [1, 'x']},
    })
  })

  test.each([
    ['a = "open', /unterminated string at line 1/],
    ['a { b = 1', /expected "}"/],
    ['a = 1 }', /unexpected "}"/],
    ['a =', /value missing/],
    ['a 1', /expected = or \{ after "a"/],
    ['a = [1 2]', /expected ","/],
  ])('refuses %j', (text, message) => {
    expect(() => parseLvmText(text)).toThrow(message)
  })
})

describe('metadata backups', () => {
  test('lists every PV of the group with its UUID and recorded device', () => {
    expect(pvsInBackup(lvmFixture('backup-vg0-two-pvs'), 'vg0', 'vg0')).toEqual([
      {id: expect.stringMatching(/^\w{6}(-\w{4}){5}-\w{6}$/), device: '/dev/loop1'},
      {id: expect.stringMatching(/^\w{6}(-\w{4}){5}-\w{6}$/), device: '/dev/loop2'},
    ])
  })

  test('a file that is not a backup of that group is a failure that names the file', () => {
    expect(() => pvsInBackup(lvmFixture('backup-vg0-one-pv'), 'other', '/etc/lvm/backup/other')).toThrow(/\/etc\/lvm\/backup\/other has no physical_volumes section/)
    expect(() => pvsInBackup('vg0 {', 'vg0', '/etc/lvm/backup/vg0')).toThrow(/\/etc\/lvm\/backup\/vg0 is not valid LVM configuration text/)
  })

  test('the backup directory: lvmlocal.conf over lvm.conf over <system dir>/backup', () => {
    const local = 'backup {\n\tbackup_dir = "/var/lib/lvm/backup"\n}\n'
    expect(backupDirectory(hostWith({}), '/etc/lvm')).toBe('/etc/lvm/backup')
    expect(backupDirectory(hostWith({}), '/tmp/scratch/lvm')).toBe('/tmp/scratch/lvm/backup')
    expect(backupDirectory(hostWith({'/etc/lvm/lvm.conf': lvmFixture('lvm.conf')}), '/etc/lvm')).toBe('/srv/lvm/backup')
    expect(backupDirectory(hostWith({'/etc/lvm/lvm.conf': lvmFixture('lvm.conf'), '/etc/lvm/lvmlocal.conf': local}), '/etc/lvm')).toBe('/var/lib/lvm/backup')
  })
})

describe('wipefs --json', () => {
  test('no signature', () => {
    expect(parseWipefsJson(lvmFixture('wipefs-none.json'))).toEqual([])
    expect(parseWipefsJson('')).toEqual([])
  })

  test('a file system, with its label and UUID', () => {
    const found = parseWipefsJson(lvmFixture('wipefs-ext4.json'))
    expect(found).toEqual([{type: 'ext4', uuid: '143b646f-1ee0-4bd4-844d-df82d693275e', label: 'guests'}])
    expect(describeSignatures(found)).toBe('ext4 (label "guests", UUID 143b646f-1ee0-4bd4-844d-df82d693275e)')
  })

  test('a GPT is listed once per type although it has three magic strings', () => {
    expect(describeSignatures(parseWipefsJson(lvmFixture('wipefs-gpt.json')))).toBe('gpt, PMBR')
  })

  test('output that is not JSON is a failure, not a blank disk', () => {
    expect(() => parseWipefsJson('DEVICE OFFSET TYPE\nsdb 0x438 ext4')).toThrow(/not JSON/)
  })
})
