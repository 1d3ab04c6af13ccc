import {expect, test} from '@jest/globals'
import {existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import Doctor from '../../../src/commands/doctor.js'
import GuestCreate from '../../../src/commands/guest/create.js'
import GuestList from '../../../src/commands/guest/list.js'
import GuestRemove from '../../../src/commands/guest/remove.js'
import {runCommand} from '../../lib/cli.js'
import {snapshot} from '../../lib/tree.js'
import type {DebianImage} from './debian-image.js'

const MINUTES = 60_000

interface RunDoc {
  result: string
  run: string | null
  steps: Array<{id: string; status: string; error: string | null; state: string | null; changes: Array<{kind: string; path?: string; diff?: string; action?: string}>}>
  guest?: {type: string; mac: string; typeReason: string}
  error?: {message: string; hint: string; exitCode: number}
}

/**
 * guest create/list/remove on the root init configured for real: Xen 4.17 installed by apt (its pygrub),
 * xenbr0 in /etc/network/interfaces, vg0 made by vgcreate on a loop device. Logical volumes cannot be
 * created on this kind of machine (its kernel has no device-mapper): the boot proof creates them in the
 * dom0; here the disks are image files, and the VG's real metadata is what --disk is checked against.
 */
export function guestsOnConfiguredRoot(image: DebianImage): void {
  const file = (target: string) => readFileSync(path.join(image.mnt, target), 'utf8')
  const run = async (command: typeof GuestCreate | typeof GuestRemove, argv: string[]) => {
    const out = await runCommand(command, [...argv, '--root', image.mnt, '--json'])
    return {doc: JSON.parse(out.stdout) as RunDoc, exitCode: out.exitCode}
  }
  const kernel = () => readdirSync(path.join(image.mnt, 'boot')).find((name) => /^vmlinuz-/.test(name)) as string
  const web1 = () => {
    const version = kernel().slice('vmlinuz-'.length)
    return ['web1', '--yes', '--type', 'pv', '--kernel', `/boot/vmlinuz-${version}`, '--ramdisk', `/boot/initrd.img-${version}`, '--extra', 'console=hvc0 root=/dev/xvda', '--disk-path', '/srv/web1.img', '--memory', '256M', '--autostart']
  }
  const journal = () => file('/var/lib/xensetup/journal.jsonl').trim().split('\n').map((line) => JSON.parse(line))

  test('guest create writes the config and autostart link, journaled; the same command again changes nothing', async () => {
    writeFileSync(path.join(image.mnt, 'srv/web1.img'), Buffer.alloc(16 * 2 ** 20))
    const {doc, exitCode} = await run(GuestCreate, web1())
    expect(doc.error).toBeUndefined()
    expect(exitCode).toBe(0)
    expect(Object.fromEntries(doc.steps.map((s) => [s.id, s.status]))).toEqual({disk: 'skipped', config: 'changed', autostart: 'changed', start: 'skipped'})
    const config = file('/etc/xen/web1.cfg')
    expect(config).toMatch(/^type = "pv"$/m)
    expect(config).toMatch(/^memory = 256$/m)
    expect(config).toContain(`kernel = "/boot/${kernel()}"`)
    expect(config).toMatch(/^extra = "console=hvc0 root=\/dev\/xvda"$/m)
    expect(config).toContain("'format=raw, vdev=xvda, access=rw, target=/srv/web1.img'")
    expect(config).toMatch(/^vif = \[ 'mac=00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2},bridge=xenbr0' \]$/m)
    expect(readlinkSync(path.join(image.mnt, 'etc/xen/auto/web1.cfg'))).toBe('../web1.cfg')
    const entries = journal().filter((e) => e.run === doc.run)
    expect(entries[0]).toMatchObject({kind: 'run-start', command: 'guest create'})
    expect(entries.filter((e) => e.kind === 'file' || e.kind === 'link')).toEqual([
      expect.objectContaining({step: 'config', path: '/etc/xen/web1.cfg', created: true}),
      expect.objectContaining({step: 'autostart', path: '/etc/xen/auto/web1.cfg', before: null, target: '../web1.cfg'}),
    ])

    const watched = ['etc', 'var/lib/xensetup'].map((dir) => path.join(image.mnt, dir))
    const before = watched.map((dir) => snapshot(dir))
    const again = await run(GuestCreate, web1())
    expect(again.exitCode).toBe(0)
    expect(again.doc.steps.map((s) => s.status)).toEqual(['skipped', 'unchanged', 'unchanged', 'skipped'])
    expect(again.doc.guest?.mac).toBe(doc.guest?.mac)
    expect(watched.map((dir) => snapshot(dir))).toEqual(before)
  }, 5 * MINUTES)

  test('other flags show a diff of the config; the old one is backed up', async () => {
    const {doc, exitCode} = await run(GuestCreate, web1().map((arg) => (arg === '256M' ? '512M' : arg)))
    expect(exitCode).toBe(0)
    const change = doc.steps.find((s) => s.id === 'config')?.changes[0]
    expect(change?.action).toBe('modify')
    expect(change?.diff).toMatch(/^-memory = 256$/m)
    expect(change?.diff).toMatch(/^\+memory = 512$/m)
    const entry = journal().find((e) => e.run === doc.run && e.kind === 'file')
    expect(file(entry.backup)).toMatch(/^memory = 256$/m)
    expect(file('/etc/xen/web1.cfg')).toMatch(/^memory = 512$/m)
  }, 5 * MINUTES)

  test('a PV guest without a kernel boots with the pygrub apt installed; an image is used in the format its bytes show', async () => {
    expect(readdirSync(path.join(image.mnt, 'usr/lib')).some((dir) => existsSync(path.join(image.mnt, 'usr/lib', dir, 'bin/pygrub')))).toBe(true)
    const qcow2 = Buffer.alloc(512)
    Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]).copy(qcow2)
    writeFileSync(path.join(image.mnt, 'srv/db1.qcow2'), qcow2)
    const {doc, exitCode} = await run(GuestCreate, ['db1', '--yes', '--disk-path', '/srv/db1.qcow2', '--memory', '512M'])
    expect(exitCode).toBe(0)
    expect(doc.guest?.typeReason).toMatch(/no --iso or --kernel/)
    const config = file('/etc/xen/db1.cfg')
    expect(config).toMatch(/^bootloader = "pygrub"$/m)
    expect(config).toContain("'format=qcow2, vdev=xvda, access=rw, target=/srv/db1.qcow2'")
    expect(existsSync(path.join(image.mnt, 'etc/xen/auto/db1.cfg'))).toBe(false)
  }, 5 * MINUTES)

  test('refusals leave nothing written: a disk beyond the free space of the real vg0, a taken MAC, a missing kernel', async () => {
    const before = snapshot(path.join(image.mnt, 'etc'))
    const tooBig = await run(GuestCreate, ['big', '--yes', '--disk', '1G', '--kernel', `/boot/${kernel()}`])
    expect(tooBig.exitCode).toBe(2)
    // vgcreate on the 256 MiB loop device: 63 extents of 4 MiB.
    expect(tooBig.doc.error?.message).toBe('--disk 1G is more than the 252M free in vg0')
    const mac = /mac=([0-9a-f:]{17})/.exec(file('/etc/xen/web1.cfg'))?.[1] as string
    const taken = await run(GuestCreate, ['twin', '--yes', '--mac', mac.toUpperCase(), '--kernel', `/boot/${kernel()}`])
    expect(taken.exitCode).toBe(2)
    expect(taken.doc.error?.message).toBe(`--mac ${mac} is already guest web1's`)
    const noKernel = await run(GuestCreate, ['k1', '--yes', '--kernel', '/boot/vmlinuz-none'])
    expect(noKernel.doc.error).toMatchObject({message: `--kernel ${image.mnt}/boot/vmlinuz-none does not exist`, exitCode: 2})
    expect(snapshot(path.join(image.mnt, 'etc'))).toEqual(before)
  }, 5 * MINUTES)

  test('guest list reads every config without spawning xl (a --root target has no toolstack); doctor checks them', async () => {
    const list = await runCommand(GuestList, ['--root', image.mnt, '--json'])
    const {guests, toolstack} = JSON.parse(list.stdout)
    expect(toolstack).toBe('none')
    expect(guests).toEqual([
      expect.objectContaining({name: 'db1', type: 'pv', memoryMiB: 512, disks: ['/srv/db1.qcow2'], autostart: false, state: null}),
      expect.objectContaining({name: 'web1', type: 'pv', memoryMiB: 512, vcpus: 1, disks: ['/srv/web1.img'], bridges: ['xenbr0'], autostart: true, state: null}),
    ])
    const doctor = JSON.parse((await runCommand(Doctor, ['--root', image.mnt, '--json'])).stdout)
    const status = Object.fromEntries(doctor.checks.map((c: {id: string; status: string}) => [c.id, c.status]))
    expect(status).toMatchObject({'guests.files': 'pass', 'guests.macs': 'pass', 'guests.vnc_open': 'pass', 'guests.nested': 'skip'})
  }, 5 * MINUTES)

  test('guest remove takes the config and link away (backed up) and keeps the disk; again, it has nothing to do', async () => {
    const {doc, exitCode} = await run(GuestRemove, ['web1', '--yes'])
    expect(exitCode).toBe(0)
    expect(Object.fromEntries(doc.steps.map((s) => [s.id, s.status]))).toEqual({autostart: 'changed', disk: 'skipped', config: 'changed'})
    expect(existsSync(path.join(image.mnt, 'etc/xen/web1.cfg'))).toBe(false)
    expect(() => lstatSync(path.join(image.mnt, 'etc/xen/auto/web1.cfg'))).toThrow(/ENOENT/)
    expect(existsSync(path.join(image.mnt, 'srv/web1.img'))).toBe(true)
    const removed = journal().find((e) => e.run === doc.run && e.kind === 'file')
    expect(removed).toMatchObject({path: '/etc/xen/web1.cfg', removed: true})
    expect(file(removed.backup)).toMatch(/^name = "web1"$/m)

    const journalBefore = file('/var/lib/xensetup/journal.jsonl')
    const again = await run(GuestRemove, ['web1', '--yes'])
    expect(again.exitCode).toBe(0)
    expect(again.doc.steps.map((s) => s.status)).toEqual(['unchanged', 'skipped', 'unchanged'])
    expect(file('/var/lib/xensetup/journal.jsonl')).toBe(journalBefore)
  }, 5 * MINUTES)
}
