import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import Init from '../../src/commands/init.js'
import Uninstall from '../../src/commands/uninstall.js'
import {parseDpkgStatus} from '../../src/facts/packages.js'
import {runCommand} from '../lib/cli.js'
import {asRoot, DebianImage} from './lib/debian-image.js'
import {differences, etcBootState, localUplink} from './lib/root-state.js'

// Needs root for debootstrap, chroot, mount and losetup; CI runs as root, so there it always runs.
const whenRoot = asRoot ? describe : describe.skip
const MINUTES = 60_000
const UPLINK = localUplink()

interface RunDoc {
  result: string
  run: string | null
  unrestored: string[]
  notices: string[]
  steps: Array<{id: string; status: string; error: string | null; state: string | null}>
}

whenRoot('uninstall --root on a real Debian 12 root (init with apt, grub-mkconfig and LVM first)', () => {
  const image = new DebianImage('bookworm')
  const at = (file: string) => path.join(image.mnt, file)
  const file = (target: string) => readFileSync(at(target), 'utf8')
  const installed = () => new Set(Object.keys(parseDpkgStatus(file('var/lib/dpkg/status'))))
  const tree = () => etcBootState(image.mnt)
  const run = async (command: typeof Init | typeof Uninstall, argv: string[]) => {
    const out = await runCommand(command, ['--root', image.mnt, '--yes', '--json', ...argv])
    const doc = JSON.parse(out.stdout)
    if (doc.error) throw new Error(`${argv.join(' ')} failed: ${JSON.stringify(doc.error)}`)
    if (out.exitCode !== 0) throw new Error(`exit ${out.exitCode}: ${JSON.stringify(doc.steps.filter((s: {error: string | null}) => s.error))}`)
    return doc as RunDoc
  }
  const init = () => run(Init, ['--uplink', UPLINK, '--dom0-mem', '1024M', '--vg-device', image.vgDevice])
  const uninstall = (...extra: string[]) => run(Uninstall, extra)
  const statuses = (doc: RunDoc) => Object.fromEntries(doc.steps.map((s) => [s.id, s.status]))

  beforeAll(() => image.create(), 20 * MINUTES)
  afterAll(() => image.destroy())

  let pristine: Record<string, string>
  let pristinePackages: Set<string>
  let pristineInterfaces: string

  test('init, then uninstall --purge-packages: every file under etc/ and boot/ as before, no package init installed left', async () => {
    pristine = tree()
    pristinePackages = installed()
    pristineInterfaces = file('etc/network/interfaces')
    const configured = await init()
    expect(configured.result).toBe('ok')
    expect(file('etc/network/interfaces')).toMatch(/iface xenbr0 inet dhcp/)

    const doc = await uninstall('--purge-packages')
    expect({
      result: doc.result,
      unrestored: doc.unrestored,
      leftPackages: [...installed()].filter((name) => !pristinePackages.has(name)),
      differences: differences(pristine, tree()),
    }).toEqual({
      result: 'ok',
      unrestored: [],
      leftPackages: [],
      // The volume group is kept (no --remove-vg), and with it LVM's metadata backup of it. The initrd is the
      // package manager's: initramfs-tools' trigger rebuilt it when lvm2 came and went (a new cpio, same files).
      differences: [
        expect.stringMatching(/^boot\/initrd\.img-[^:]+: 644 0:0 \w+ => 644 0:0 \w+$/),
        'etc/lvm/: absent => 755 0:0',
        'etc/lvm/backup/: absent => 700 0:0',
        expect.stringMatching(/^etc\/lvm\/backup\/vg0: absent => 600 0:0 \w+$/),
      ],
    })
  }, 30 * MINUTES)

  test('uninstall again: nothing to do', async () => {
    const doc = await uninstall('--purge-packages')
    expect(doc.run).toBeNull()
    expect(doc.steps.filter((s) => s.status === 'pending' || s.status === 'changed')).toEqual([])
  }, 5 * MINUTES)

  test('after an init whose backups were deleted: xensetup\'s parts go by markers and names, the uplink gets DHCP back, what could not be restored is said', async () => {
    await init()
    rmSync(at('var/lib/xensetup/backups'), {recursive: true})
    const doc = await uninstall()
    expect(doc.result).toBe('ok')
    expect(doc.unrestored).toEqual(expect.arrayContaining([expect.stringMatching(/^the backup of \/etc\/network\/interfaces .* is gone/), expect.stringMatching(/^the backup of \/etc\/xen\/xl\.conf .* is gone/)]))
    expect(doc.notices).toEqual(expect.arrayContaining([expect.stringMatching(/^the backup of \/etc\/network\/interfaces/)]))
    // The fresh root configured no NIC; init gave the bridge DHCP, and uninstall gives it to the uplink.
    expect(file('etc/network/interfaces')).toBe(`${pristineInterfaces}\nauto ${UPLINK}\niface ${UPLINK} inet dhcp\n`)
    expect(existsSync(at('etc/default/grub.d/zz-xensetup.cfg'))).toBe(false)
    // The Xen packages stay, and Debian's xen.cfg would make Xen the default without this one line.
    expect(file('etc/default/grub.d/00-xensetup.cfg')).toContain('XEN_OVERRIDE_GRUB_DEFAULT=0')
    expect(doc.steps.find((s) => s.id === 'boot-settings')?.state).toMatch(/kept .*00-xensetup\.cfg/)
    // Without its backup, xl.conf still comes back byte for byte as the package shipped it (dpkg's conffile md5).
    const shipped = / \/etc\/xen\/xl\.conf ([0-9a-f]{32})$/m.exec(file('var/lib/dpkg/status'))?.[1]
    expect(createHash('md5').update(readFileSync(at('etc/xen/xl.conf'))).digest('hex')).toBe(shipped)
    expect(file('etc/fstab')).not.toContain('xensetup')
    expect(statuses(doc)).toMatchObject({packages: 'skipped', 'volume-group': 'skipped'})
    // The group the first init made, kept by the first uninstall, is still xensetup's to remove when empty.
    const removed = await uninstall('--remove-vg')
    expect(statuses(removed)).toMatchObject({'volume-group': 'changed'})
    expect(existsSync(at('etc/lvm/backup'))).toBe(false)
    expect(spawnSync('blkid', ['-p', image.vgDevice]).status).toBe(2)
    const differing = differences(pristine, tree()).map((line) => line.split(':')[0])
    // What stays of xensetup's configuration: the one drop-in (the packages are kept without --purge-packages).
    expect(differing.filter((name) => /xensetup|fstab|grub\.cfg|grubenv|lvm\/backup/.test(name))).toEqual(['etc/default/grub.d/00-xensetup.cfg'])
    const again = await uninstall()
    expect(again.run).toBeNull()
    expect(Object.values(statuses(again))).not.toContain('changed')
  }, 30 * MINUTES)
})
