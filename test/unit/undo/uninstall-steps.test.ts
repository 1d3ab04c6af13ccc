import {afterEach, describe, expect, test} from '@jest/globals'
import {cpSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import Uninstall from '../../../src/commands/uninstall.js'
import {StepRefusal} from '../../../src/engine/step.js'
import {profileFor} from '../../../src/distros/profile.js'
import {gatherFacts} from '../../../src/facts/index.js'
import {Host} from '../../../src/host/host.js'
import {readRuns} from '../../../src/journal/runs.js'
import type {UninstallContext, UninstallOptions} from '../../../src/undo/uninstall-context.js'
import {initHistory} from '../../../src/undo/uninstall-history.js'
import {packagesUndoStep} from '../../../src/undo/uninstall-packages.js'
import {servicesUndoStep} from '../../../src/undo/uninstall-services.js'
import {volumeGroupUndoStep} from '../../../src/undo/uninstall-vg.js'
import {runCommand} from '../../lib/cli.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {makeTree, removeTree, snapshot} from '../../lib/tree.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url))
const OS = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
const JOURNAL = '/var/lib/xensetup/journal.jsonl'

let root: string
afterEach(() => removeTree(root))

/** A journal as runs write it: one JSON line per entry. */
function journal(...runs: Array<{id: string; command: string; result?: string; rollsBack?: string; entries?: object[]}>): string {
  return runs
    .flatMap(({id, command, result = 'ok', rollsBack, entries = []}) => [
      {run: id, at: '2026-01-01T00:00:00Z', kind: 'run-start', command, args: [], version: 'test', root: '/', pid: 1, ...(rollsBack ? {rollsBack} : {})},
      ...entries.map((entry) => ({run: id, at: '2026-01-01T00:00:01Z', ...entry})),
      {run: id, at: '2026-01-01T00:00:02Z', kind: 'run-end', result, durationMs: 1},
    ])
    .map((line) => `${JSON.stringify(line)}\n`)
    .join('')
}

function context(options: Partial<UninstallOptions> = {}): UninstallContext {
  const host = new Host(root)
  const facts = gatherFacts(host)
  const profile = profileFor(facts.distro, facts.init)
  if (!profile) throw new Error('no profile')
  return {host, machine: host, probe: new FakeRunner(), facts, profile, history: initHistory(readRuns(host)), options: {force: false, removeVg: false, purgePackages: false, ...options}, lvmSystemDir: '/etc/lvm', unrestored: new Map()}
}

const dpkg = (...names: string[]) => names.map((name) => `Package: ${name}\nStatus: install ok installed\nVersion: 1\n`).join('\n')

describe('what the journal says init did', () => {
  test('the first backup is the original, the last write what xensetup left; files of runs before the last finished uninstall and rolled-back runs are left out', () => {
    const file = (step: string, path: string, backup: string | null, sha256: string) => ({kind: 'file', step, path, backup, created: backup === null, sha256})
    root = makeTree({
      [JOURNAL]: journal(
        {id: 'r1', command: 'init', entries: [file('xenfs', '/etc/fstab', 'b/r1/etc/fstab', 'h1'), {kind: 'packages', step: 'packages', installed: ['libold', 'kept']}, {kind: 'command', step: 'lvm', argv: ['vgcreate', '--autobackup', 'y', 'vgold', '/dev/vdc'], exitCode: 0, durationMs: 1, backups: {}}]},
        {id: 'u1', command: 'uninstall', entries: [{kind: 'command', step: 'packages', argv: ['apt-get', 'purge', '-y', 'libold'], exitCode: 0, durationMs: 1, backups: {}}]},
        {id: 'r2', command: 'init', entries: [file('xenfs', '/etc/fstab', 'b/r2/etc/fstab', 'h2'), {kind: 'command', step: 'lvm', argv: ['vgcreate', '--autobackup', 'y', 'vg0', '/dev/vdb'], exitCode: 0, durationMs: 1, backups: {}}]},
        {id: 'r3', command: 'init', entries: [file('xenfs', '/etc/fstab', 'b/r3/etc/fstab', 'h3'), {kind: 'command', step: 'services', argv: ['systemctl', 'enable', 'xendomains'], exitCode: 0, durationMs: 1, backups: {}}]},
        {id: 'r4', command: 'init', entries: [{kind: 'packages', step: 'packages', installed: ['xen-utils-4.17']}, {kind: 'command', step: 'boot', argv: ['grub-mkconfig'], exitCode: 0, durationMs: 1, backups: {'/boot/grub/grub.cfg': null}, left: {'/boot/grub/grub.cfg': 'g4'}}]},
        {id: 'rb', command: 'rollback', rollsBack: 'r3'},
        {id: 'g1', command: 'guest create', entries: [file('config', '/etc/xen/web1.cfg', null, 'w')]},
      ),
    })
    const history = initHistory(readRuns(new Host(root)))
    expect(Object.fromEntries(history.originals)).toEqual({'/etc/fstab': 'b/r2/etc/fstab', '/boot/grub/grub.cfg': null})
    expect(Object.fromEntries(history.lastLeft)).toEqual({'/etc/fstab': 'h2', '/boot/grub/grub.cfg': 'g4'})
    // What an uninstall kept stays xensetup's to remove later: the group, and the packages it did not purge.
    expect(history.volumeGroups).toEqual(['vgold', 'vg0'])
    expect(history.installedPackages).toEqual(['kept', 'xen-utils-4.17'])
    expect(history.enabledServices).toEqual([])
  })
})

describe('services, packages and the volume group', () => {
  test('services: only those a run enabled and that are enabled now are disabled', () => {
    root = makeTree({
      '/etc/os-release': OS,
      '/run/systemd/system/.gitkeep': '',
      '/usr/lib/systemd/system/xendomains.service': '[Install]\nWantedBy=multi-user.target\n',
      '/usr/lib/systemd/system/xen-watchdog.service': '[Install]\nWantedBy=multi-user.target\n',
      [JOURNAL]: journal({id: 'r1', command: 'init', entries: [{kind: 'command', step: 'services', argv: ['systemctl', 'enable', 'xendomains'], exitCode: 0, durationMs: 1, backups: {}}]}),
    })
    new Host(root).link('/etc/systemd/system/multi-user.target.wants/xendomains.service', '/usr/lib/systemd/system/xendomains.service')
    new Host(root).link('/etc/systemd/system/multi-user.target.wants/xen-watchdog.service', '/usr/lib/systemd/system/xen-watchdog.service')
    expect(servicesUndoStep.plan(context())).toEqual({changes: [expect.objectContaining({argv: ['systemctl', 'disable', 'xendomains']})]})
  })

  test('packages: kept without --purge-packages; with it, exactly the journal\'s list that is still installed', () => {
    root = makeTree({
      '/etc/os-release': OS,
      '/var/lib/dpkg/status': dpkg('xen-utils-4.17', 'libxenmisc4.17', 'bridge-utils'),
      [JOURNAL]: journal({id: 'r1', command: 'init', entries: [{kind: 'packages', step: 'packages', installed: ['xen-utils-4.17', 'libxenmisc4.17', 'qemu-gone']}]}),
    })
    expect(packagesUndoStep.plan(context())).toEqual({skip: 'kept: libxenmisc4.17, xen-utils-4.17 (--purge-packages removes them)'})
    expect(packagesUndoStep.plan(context({purgePackages: true}))).toEqual({
      changes: [expect.objectContaining({argv: ['apt-get', 'purge', '-y', 'libxenmisc4.17', 'xen-utils-4.17'], rewrites: ['/boot/grub/grub.cfg', '/boot/grub/grubenv']})],
    })
  })

  test('packages: without the journal\'s list, the profile\'s Xen packages with what only they needed', () => {
    root = makeTree({'/etc/os-release': OS, '/var/lib/dpkg/status': dpkg('xen-system-amd64', 'qemu-system-xen', 'bridge-utils')})
    expect(packagesUndoStep.plan(context({purgePackages: true}))).toEqual({
      changes: [expect.objectContaining({argv: ['apt-get', 'purge', '-y', '--autoremove', 'xen-system-amd64', 'qemu-system-xen']})],
    })
  })

  const pvcreate = {kind: 'command', step: 'lvm', argv: ['pvcreate', '/dev/loop1'], exitCode: 0, durationMs: 1, backups: {}}
  const vgcreate = {kind: 'command', step: 'lvm', argv: ['vgcreate', '--autobackup', 'y', 'vg0', '/dev/loop1'], exitCode: 0, durationMs: 1, backups: {}, createdDirs: ['/etc/lvm/backup']}
  const backup = readFileSync(path.join(FIXTURES, 'lvm/backup-vg0-one-pv'), 'utf8')

  test('volume group: kept without --remove-vg; with it, an empty group and its PV label go', async () => {
    root = makeTree({'/etc/os-release': OS, '/etc/lvm/backup/vg0': backup, [JOURNAL]: journal({id: 'r1', command: 'init', entries: [pvcreate, vgcreate]})})
    expect(await volumeGroupUndoStep.plan(context())).toEqual({skip: 'kept: vg0 (0 logical volumes); --remove-vg removes it once it holds no logical volume'})
    const plan = await volumeGroupUndoStep.plan(context({removeVg: true}))
    // The backup directory init's vgcreate made goes once it holds nothing else.
    expect('changes' in plan && plan.changes.map((change) => change.kind === 'command' && change.argv)).toEqual([['vgremove', 'vg0'], ['pvremove', '/dev/loop1'], ['rmdir', '/etc/lvm/backup']])
  })

  test('volume group: --remove-vg on a group holding a logical volume is refused (exit 4 through the command)', async () => {
    const withLv = backup.replace(
      /\n\n\}\s*$/,
      '\n\tlogical_volumes {\n\t\tweb1-disk {\n\t\t\tid = "x"\n\t\t\tsegment_count = 1\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 5\n\t\t\t}\n\t\t}\n\t}\n}\n',
    )
    root = makeTree({'/etc/os-release': OS, '/etc/lvm/backup/vg0': withLv, [JOURNAL]: journal({id: 'r1', command: 'init', entries: [pvcreate, vgcreate]})})
    await expect(volumeGroupUndoStep.plan(context({removeVg: true}))).rejects.toThrow(StepRefusal)
    await expect(volumeGroupUndoStep.plan(context({removeVg: true}))).rejects.toThrow(/volume group vg0 holds logical volumes \(web1-disk\)/)
    const before = snapshot(root)
    const out = await runCommand(Uninstall, ['--root', root, '--yes', '--json', '--remove-vg'])
    expect(out.exitCode).toBe(4)
    expect(snapshot(root)).toEqual(before)
  })
})

describe('the boot menu on the Debian 12 fixture (an init without a journal, Xen installed)', () => {
  test('the Xen packages kept: zz-xensetup.cfg goes, 00-xensetup.cfg stays against xen.cfg, grub.cfg is generated again; a dry run writes nothing', async () => {
    root = makeTree()
    cpSync(path.join(FIXTURES, 'roots/debian-12'), root, {recursive: true})
    const before = snapshot(root)
    const out = await runCommand(Uninstall, ['--root', root, '--dry-run', '--json'])
    const doc = JSON.parse(out.stdout)
    const step = (id: string) => doc.steps.find((s: {id: string}) => s.id === id)
    expect(step('boot-settings').changes.map((c: {path: string}) => c.path)).toEqual(['/etc/default/grub.d/zz-xensetup.cfg'])
    expect(step('boot-settings').state).toMatch(/^kept \/etc\/default\/grub\.d\/00-xensetup\.cfg: without it the Xen packages' xen\.cfg makes Xen the default/)
    // GRUB_DEFAULT=saved and nothing saved: the first entry, Debian's own, boots; only the menu is generated again.
    expect(step('grub').changes.map((c: {argv: string[]}) => c.argv)).toEqual([['grub-mkconfig', '-o', '/boot/grub/grub.cfg']])
    expect(step('packages')).toMatchObject({status: 'skipped', reason: expect.stringMatching(/^kept: xen-system-amd64/)})
    expect(snapshot(root)).toEqual(before)
  })

  const XEN_ID = 'xen-gnulinux-simple-3b1f7d2e-9a64-4c1b-8f0e-52d6c1a4e7b9'
  const grubPlan = async (grubDefault: string) => {
    root = makeTree()
    cpSync(path.join(FIXTURES, 'roots/debian-12'), root, {recursive: true})
    const host = new Host(root)
    const keep = {mode: 0o644, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0}
    host.write('/boot/grub/grubenv', `# GRUB Environment Block\nsaved_entry=${XEN_ID}\n${'#'.repeat(64)}`, 'utf8', keep)
    host.write('/etc/default/grub', (host.read('/etc/default/grub') ?? '').replace(/^GRUB_DEFAULT=.*$/m, `GRUB_DEFAULT=${grubDefault}`), 'utf8', keep)
    const doc = JSON.parse((await runCommand(Uninstall, ['--root', root, '--dry-run', '--json'])).stdout)
    return doc.steps.find((s: {id: string}) => s.id === 'grub').changes.map((c: {argv: string[]}) => c.argv)
  }

  test('GRUB_DEFAULT=saved with the Xen entry saved: the first non-Xen entry is made the default again, by its id', async () => {
    expect(await grubPlan('saved')).toEqual([
      ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'],
      ['grub-set-default', 'gnulinux-simple-3b1f7d2e-9a64-4c1b-8f0e-52d6c1a4e7b9'],
    ])
  })

  test('GRUB_DEFAULT=0: grub.cfg decides, and the Xen entry left saved in grubenv is cleared', async () => {
    expect(await grubPlan('0')).toEqual([
      ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'],
      ['grub-editenv', '/boot/grub/grubenv', 'unset', 'saved_entry'],
    ])
  })

  test('--purge-packages: the profile\'s Xen packages go with what only they needed, then both drop-ins', async () => {
    root = makeTree()
    cpSync(path.join(FIXTURES, 'roots/debian-12'), root, {recursive: true})
    const doc = JSON.parse((await runCommand(Uninstall, ['--root', root, '--dry-run', '--json', '--purge-packages'])).stdout)
    const step = (id: string) => doc.steps.find((s: {id: string}) => s.id === id)
    expect(step('packages').changes[0].argv.slice(0, 4)).toEqual(['apt-get', 'purge', '-y', '--autoremove'])
    expect(step('boot-settings').changes.map((c: {path: string}) => c.path)).toEqual(['/etc/default/grub.d/00-xensetup.cfg', '/etc/default/grub.d/zz-xensetup.cfg'])
  })
})

describe('the distro data uninstall reads', () => {
  test('every profile says how to purge packages and clear a saved default; a profile without them is refused at load', async () => {
    const {validateProfileFile} = await import('../../../src/distros/validate.js')
    const debian = JSON.parse(readFileSync(path.join(FIXTURES, '../../distros/debian.json'), 'utf8'))
    const {purge: _purge, ...withoutPurge} = debian
    expect(() => validateProfileFile('distros/debian.json', withoutPurge, 'debian')).toThrow('distros/debian.json: purge is missing')
    const noUnset = {...debian, boot: {...debian.boot, unsetDefault: []}}
    expect(() => validateProfileFile('distros/debian.json', noUnset, 'debian')).toThrow('distros/debian.json: boot.unsetDefault must name a command')
    for (const family of ['debian', 'fedora', 'suse', 'arch', 'alpine', 'gentoo'] as const) {
      const profile = profileFor({family, id: family, versionId: null})
      expect(profile?.purge.exact.length).toBeGreaterThan(0)
      expect(profile?.boot.unsetDefault).toContain('saved_entry')
    }
  })
})
