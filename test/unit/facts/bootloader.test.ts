import {afterEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {detectBootloader, parseEfiString, parseLoadOption} from '../../../src/facts/bootloader.js'
import {HostFiles} from '../../../src/facts/files.js'
import {Host} from '../../../src/host/host.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
const EFIVARS = '/sys/firmware/efi/efivars'
const ATTRIBUTES = Buffer.from([0x07, 0, 0, 0])
const utf16z = (text: string) => Buffer.from(`${text}\0`, 'utf16le')

/** A Boot#### variable as efivarfs shows it: attributes, then an EFI_LOAD_OPTION with a hard-drive node and a file-path node. */
function loadOption(description: string, file: string): Buffer {
  // A GPT partition node: bytes above 0x7f (signature GUID) that a text decoder would mangle.
  const hardDrive = Buffer.alloc(42)
  hardDrive.writeUInt8(0x04, 0)
  hardDrive.writeUInt8(0x01, 1)
  hardDrive.writeUInt16LE(42, 2)
  hardDrive.fill(0xc3, 24, 40)
  const name = utf16z(file)
  const filePath = Buffer.concat([Buffer.from([0x04, 0x04, (name.length + 4) & 0xff, (name.length + 4) >> 8]), name])
  const end = Buffer.from([0x7f, 0xff, 0x04, 0x00])
  const paths = Buffer.concat([hardDrive, filePath, end])
  const header = Buffer.alloc(6)
  header.writeUInt32LE(1, 0)
  header.writeUInt16LE(paths.length, 4)
  return Buffer.concat([ATTRIBUTES, header, utf16z(description), paths])
}

function bootCurrent(entry: number): Buffer {
  const value = Buffer.alloc(2)
  value.writeUInt16LE(entry)
  return Buffer.concat([ATTRIBUTES, value])
}

let root = ''
afterEach(() => {
  if (root) removeTree(root)
  root = ''
})

function detect(files: Record<string, string>, efivars: Record<string, Buffer> = {}, firmware: 'bios' | 'uefi' = 'uefi') {
  root = makeTree(files)
  for (const [name, bytes] of Object.entries(efivars)) {
    mkdirSync(path.join(root, EFIVARS), {recursive: true})
    writeFileSync(path.join(root, EFIVARS, name), bytes)
  }
  return detectBootloader(new HostFiles(new Host(root)), firmware)
}

describe('EFI variables', () => {
  test('a Boot#### load option gives its description and file path, past a node with high bytes', () => {
    expect(parseLoadOption(loadOption('debian', '\\EFI\\debian\\shimx64.efi'))).toEqual({description: 'debian', path: '\\EFI\\debian\\shimx64.efi'})
    expect(parseLoadOption(Buffer.from([7, 0, 0]))).toBeNull()
  })

  test('LoaderInfo is a UTF-16 string after the attribute bytes', () => {
    expect(parseEfiString(Buffer.concat([ATTRIBUTES, utf16z('systemd-boot 256.7-1-arch')]))).toBe('systemd-boot 256.7-1-arch')
  })
})

describe('detectBootloader', () => {
  const grubCfg = {'/boot/grub/grub.cfg': 'menuentry "Arch" {\n}\n'}
  const loaderConf = {'/boot/efi/loader/loader.conf': 'default arch.conf\n'}

  test('the running boot\'s LoaderInfo decides over every file on the disk', () => {
    const found = detect({...grubCfg, ...loaderConf}, {[`LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f`]: Buffer.concat([ATTRIBUTES, utf16z('systemd-boot 256.7')])})
    expect(found).toMatchObject({kind: 'systemd-boot', evidence: expect.stringContaining('LoaderInfo EFI variable says "systemd-boot 256.7"'), candidates: ['grub', 'systemd-boot']})
  })

  test('the firmware entry that booted (BootCurrent) names GRUB through shim', () => {
    const found = detect({...grubCfg, ...loaderConf}, {[`BootCurrent-${GLOBAL}`]: bootCurrent(3), [`Boot0003-${GLOBAL}`]: loadOption('debian', '\\EFI\\debian\\shimx64.efi')})
    expect(found).toMatchObject({kind: 'grub', evidence: 'the firmware booted Boot0003 "debian" (\\EFI\\debian\\shimx64.efi)'})
  })

  test('Boot#### names are four upper-case hex digits (Boot000A); a LoaderInfo of GRUB is not systemd-boot', () => {
    const found = detect(
      {...grubCfg, ...loaderConf},
      {[`LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f`]: Buffer.concat([ATTRIBUTES, utf16z('GRUB 2.12')]), [`BootCurrent-${GLOBAL}`]: bootCurrent(10), [`Boot000A-${GLOBAL}`]: loadOption('opensuse', '\\EFI\\opensuse\\grubx64.efi')},
    )
    expect(found).toMatchObject({kind: 'grub', evidence: expect.stringContaining('Boot000A "opensuse"')})
  })

  test('behind shim, SUSE\'s LOADER_TYPE says which loader grub.efi really is', () => {
    const efivars = {[`BootCurrent-${GLOBAL}`]: bootCurrent(1), [`Boot0001-${GLOBAL}`]: loadOption('opensuse', '\\EFI\\opensuse\\shim.efi')}
    expect(detect({'/etc/sysconfig/bootloader': 'LOADER_TYPE="systemd-boot"\n', ...loaderConf}, efivars)).toMatchObject({kind: 'systemd-boot', evidence: expect.stringContaining('and LOADER_TYPE="systemd-boot"')})
  })

  test('the removable-media fallback (\\EFI\\BOOT\\BOOTX64.EFI) names no loader: the disk decides', () => {
    const efivars = {[`BootCurrent-${GLOBAL}`]: bootCurrent(2), [`Boot0002-${GLOBAL}`]: loadOption('UEFI QEMU HARDDISK', '\\EFI\\BOOT\\BOOTX64.EFI')}
    expect(detect(grubCfg, efivars)).toMatchObject({kind: 'grub', evidence: '/boot/grub/grub.cfg exists'})
  })

  test('SUSE\'s LOADER_TYPE tells GRUB2-BLS from classic GRUB', () => {
    expect(detect({'/boot/grub2/grub.cfg': '', '/etc/sysconfig/bootloader': 'LOADER_TYPE="grub2-bls"\n'}, {}, 'bios')).toMatchObject({kind: 'grub2-bls'})
    expect(detect({'/boot/grub2/grub.cfg': '', '/etc/sysconfig/bootloader': 'LOADER_TYPE="grub2-efi"\n'}, {}, 'bios')).toMatchObject({kind: 'grub2'})
  })

  test('two loaders configured and nothing deciding: unknown, naming both', () => {
    expect(detect({...grubCfg, ...loaderConf}, {}, 'bios')).toMatchObject({kind: 'unknown', evidence: expect.stringMatching(/grub and systemd-boot .*\/boot\/grub\/grub\.cfg, \/boot\/efi\/loader\/loader\.conf/)})
  })

  test('one configuration alone decides', () => {
    expect(detect({'/boot/extlinux.conf': 'DEFAULT menu.c32\n'}, {}, 'bios')).toMatchObject({kind: 'extlinux', evidence: '/boot/extlinux.conf exists'})
    expect(detect(loaderConf, {}, 'bios')).toMatchObject({kind: 'systemd-boot'})
    expect(detect({}, {}, 'bios')).toMatchObject({kind: 'unknown', candidates: []})
  })
})
