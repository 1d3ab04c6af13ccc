import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawn} from 'node:child_process'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import Init from '../../src/commands/init.js'
import {builtCli} from '../lib/built-cli.js'
import {runCommand} from '../lib/cli.js'
import {snapshot} from '../lib/tree.js'
import {asRoot, DebianImage} from './lib/debian-image.js'

// Needs root for debootstrap, chroot, mount and losetup; CI runs as root, so there it always runs.
const whenRoot = asRoot ? describe : describe.skip

const MINUTES = 60_000
const UPLINK = 'enp0s3'

interface InitResult {
  result: string
  run: string | null
  steps: Array<{id: string; status: string; error: string | null; state: string | null}>
}

whenRoot('init --root on a real Debian 12 root (debootstrap, apt, grub-mkconfig, LVM on a loop device)', () => {
  const image = new DebianImage('bookworm')
  const file = (target: string) => readFileSync(path.join(image.mnt, target), 'utf8')
  const init = async (...extra: string[]) => {
    const out = await runCommand(Init, ['--root', image.mnt, '--yes', '--json', '--uplink', UPLINK, '--dom0-mem', '1024M', '--vg-device', image.vgDevice, ...extra])
    const doc = JSON.parse(out.stdout)
    // An error document instead of a result: show it, so the failing assertion says why.
    if (doc.error) throw new Error(`init ${extra.join(' ')} failed: ${JSON.stringify(doc.error)}`)
    return {...out, doc: doc as InitResult}
  }
  const statuses = (doc: InitResult) => Object.fromEntries(doc.steps.map((s) => [s.id, s.status]))
  const journal = () => file('/var/lib/xensetup/journal.jsonl').trim().split('\n').map((line) => JSON.parse(line))
  const timings: Record<string, number> = {}
  const timed = async <T>(name: string, action: () => Promise<T>) => {
    const start = Date.now()
    const value = await action()
    timings[name] = (Date.now() - start) / 1000
    return value
  }

  beforeAll(() => image.create(), 20 * MINUTES)
  afterAll(() => {
    image.destroy()
    process.stderr.write(`init on a Debian 12 root, seconds: ${JSON.stringify(timings)}\n`)
  })

  test('Ctrl-C during apt stops the run with exit 130, journaled, and the chroot mounts are gone', async () => {
    // The installed CLI as an admin runs it: a signal goes to that process, not to jest.
    const child = spawn(process.execPath, [builtCli(), 'init', '--root', image.mnt, '--yes', '--uplink', UPLINK, '--dom0-mem', '1024M', '--only', 'packages'], {stdio: 'ignore'})
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const chrootMounts = () => readFileSync('/proc/mounts', 'utf8').split('\n').filter((line) => line.split(' ')[1]?.startsWith(`${image.mnt}/`))
    for (let waited = 0; chrootMounts().length === 0 && waited < 60_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(chrootMounts().length).toBeGreaterThan(0)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(chrootMounts()).toEqual([])
    expect(journal().at(-1)).toMatchObject({step: 'packages', kind: 'command', argv: expect.arrayContaining(['apt-get'])})
  }, 5 * MINUTES)

  test('an apt failure stops the run at packages, journaled, and nothing after it runs', async () => {
    // dpkg refuses to run at all: apt downloads, then fails, as on a broken mirror or a full disk.
    const hook = path.join(image.mnt, 'etc/apt/apt.conf.d/99xensetup-test-fail')
    writeFileSync(hook, 'DPkg::Pre-Invoke {"false";};\n')
    try {
      const {doc, exitCode} = await timed('failing run', () => init())
      expect(exitCode).toBe(1)
      expect(doc.result).toBe('failed')
      expect(statuses(doc)).toMatchObject({packages: 'failed', boot: 'pending', services: 'pending', xenfs: 'pending'})
      expect(doc.steps[0].error).toMatch(/apt-get install .* exited 100/)
      const failed = journal().filter((e) => e.run === doc.run)
      expect(failed.at(-1)).toMatchObject({step: 'packages', kind: 'command', exitCode: 100})
      expect(file('/var/lib/dpkg/status')).not.toMatch(/Package: xen-system-amd64\nStatus: install ok installed/)
    } finally {
      rmSync(hook)
    }
  }, 20 * MINUTES)

  test('the re-run installs and configures everything for real', async () => {
    const {doc, exitCode} = await timed('first full run', () => init())
    expect(doc.steps.filter((s) => s.error)).toEqual([])
    expect(exitCode).toBe(0)
    expect(statuses(doc)).toEqual({packages: 'changed', boot: 'changed', services: 'unchanged', xenfs: 'changed', bridge: 'changed', lvm: 'changed'})
    expect(doc.steps[0].state).toMatch(/^Xen 4\.17/)

    // apt really installed Xen (dpkg's own database says so).
    expect(file('/var/lib/dpkg/status')).toMatch(/Package: xen-system-amd64\nStatus: install ok installed/)
    // grub-mkconfig really generated the Xen entry with our dom0 options, and it is the saved default.
    const grubCfg = file('/boot/grub/grub.cfg')
    const id = /menuentry 'Debian GNU\/Linux, with Xen hypervisor'.*\$menuentry_id_option '(xen-gnulinux-simple-[\w-]+)'/.exec(grubCfg)?.[1]
    expect(id).toBeDefined()
    expect(grubCfg).toMatch(/multiboot2?\s+\/boot\/xen-4\.17-amd64\.gz placeholder .*dom0_mem=1024M,max:1024M dom0_max_vcpus=1-4/)
    expect(grubCfg).toContain('set default="${saved_entry}"')
    expect(file('/boot/grub/grubenv')).toContain(`saved_entry=${id}`)
    // Debian 12's SysV scripts enabled for boot; xenfs is mounted by /etc/init.d/xen; no ballooning.
    expect(readFileSync(path.join(image.mnt, 'etc/init.d/xen'), 'utf8')).toContain('xenfs')
    expect(file('/etc/xen/xl.conf')).toMatch(/^autoballoon="off"$/m)
    // xenbr0 written for ifupdown; the VG exists on the loop device (LVM's own metadata backup).
    expect(file('/etc/network/interfaces')).toMatch(/iface xenbr0 inet/)
    expect(file('/etc/lvm/backup/vg0')).toContain(`device = "${image.vgDevice}"`)
    // Every change is journaled; originals backed up before their first change.
    const changes = journal().filter((e) => e.run === doc.run)
    expect(changes.map((e) => e.step)).toEqual(expect.arrayContaining(['packages', 'boot', 'xenfs', 'bridge', 'lvm']))
    const interfaces = changes.find((e) => e.path === '/etc/network/interfaces')
    expect(file(interfaces.backup)).not.toMatch(/xenbr0/)
  }, 20 * MINUTES)

  test('a second run changes nothing: every step unchanged, no file written, nothing journaled', async () => {
    const watched = ['etc', 'boot', 'var/lib/xensetup', 'var/lib/dpkg'].map((dir) => path.join(image.mnt, dir))
    const before = watched.map((dir) => snapshot(dir))
    const journalBefore = file('/var/lib/xensetup/journal.jsonl')
    const {doc, exitCode} = await timed('converged run', () => init())
    expect(exitCode).toBe(0)
    expect(statuses(doc)).toEqual({packages: 'unchanged', boot: 'unchanged', services: 'unchanged', xenfs: 'unchanged', bridge: 'unchanged', lvm: 'unchanged'})
    expect(watched.map((dir) => snapshot(dir))).toEqual(before)
    expect(file('/var/lib/xensetup/journal.jsonl')).toBe(journalBefore)
  }, 5 * MINUTES)

  test('--dry-run on the converged root plans nothing', async () => {
    const {doc} = await timed('converged dry run', () => init('--dry-run'))
    expect(doc.steps.filter((s) => s.status === 'pending')).toEqual([])
  }, 5 * MINUTES)
})
