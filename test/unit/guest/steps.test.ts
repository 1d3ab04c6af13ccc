import {afterEach, describe, expect, test} from '@jest/globals'
import {chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {FileChange, LinkChange} from '../../../src/engine/change.js'
import {Engine} from '../../../src/engine/engine.js'
import {JOURNAL, Journal} from '../../../src/engine/journal.js'
import {type Step, type StepReport} from '../../../src/engine/step.js'
import type {RunningDomain} from '../../../src/formats/xl-list.js'
import {renderGuestConfig} from '../../../src/guest/config.js'
import type {GuestContext} from '../../../src/guest/context.js'
import type {GuestSpec} from '../../../src/guest/spec.js'
import {runGuestRemove} from '../../../src/guest/run-remove.js'
import {guestCreateSteps} from '../../../src/guest/steps.js'
import {readVgLayout} from '../../../src/guest/volume-group.js'
import {Host} from '../../../src/host/host.js'
import {lvmFixture} from '../../fixtures/lvm/load.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {makeTree, removeTree, snapshot, writeTreeFile} from '../../lib/tree.js'

const LVM_ENV = {LVM_SYSTEM_DIR: '/etc/lvm', LVM_SUPPRESS_FD_WARNINGS: '1'}
/** vg0 on one 64 MiB PV: 15 extents of 4 MiB, no volumes. */
const VG0 = lvmFixture('backup-vg0-one-pv')
const LVCREATE = ['lvcreate', '--autobackup', 'y', '--yes', '--wipesignatures', 'y', '--size', '16m', '--name', 'g1-disk', 'vg0']

/** The metadata backup as lvcreate --autobackup y leaves it: the group with one more linear volume. */
function withVolume(backup: string, lv: string, extents: number): string {
  const volume = `\tlogical_volumes {\n\n\t\t${lv} {\n\t\t\tid = "Lv00Ab-cdEf-GhIj-KlMn-OpQr-StUv-WxYz01"\n\t\t\tstatus = ["READ", "WRITE", "VISIBLE"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = ${extents}\n\n\t\t\t\ttype = "striped"\n\t\t\t\tstripe_count = 1\n\n\t\t\t\tstripes = [\n\t\t\t\t\t"pv0", 0\n\t\t\t\t]\n\t\t\t}\n\t\t}\n\t}\n`
  return backup.replace(/\n\}\n$/, `\n${volume}}\n`)
}

function guest(given: Partial<GuestSpec> = {}): GuestSpec {
  return {
    name: 'g1',
    type: 'pv',
    typeReason: '--kernel: PV direct boot (no VT-x/AMD-V for PVH)',
    memoryMiB: 512,
    vcpus: 1,
    disk: {kind: 'lv', vg: 'vg0', lv: 'g1-disk', sizeMiB: 16, device: '/dev/vg0/g1-disk'},
    boot: {kind: 'kernel', kernel: '/srv/boot/vmlinuz', ramdisk: null, extra: 'console=hvc0'},
    bridge: 'xenbr0',
    mac: '00:16:3e:12:34:56',
    vnc: null,
    nested: false,
    hideHypervisor: false,
    autostart: true,
    start: false,
    ...given,
  }
}

let root: string
afterEach(() => removeTree(root))

/** An engine over the tree, with a fresh context per step as guest create makes it; lvcreate's effect is its backup. */
function setup(spec: GuestSpec, running: RunningDomain[] | null = null, files: Record<string, string> = {'/etc/lvm/backup/vg0': VG0}) {
  root = makeTree(files)
  const host = new Host(root)
  const runner = new FakeRunner({[LVCREATE.join(' ')]: {effect: () => writeTreeFile(root, '/etc/lvm/backup/vg0', withVolume(VG0, 'g1-disk', 4))}})
  const contextFor = (): GuestContext => ({host, spec, vg: spec.disk?.kind === 'lv' ? readVgLayout(host, '/etc/lvm', spec.disk.vg) : null, running})
  return {host, runner, engine: new Engine(host, runner, new Journal(host, 'run-1'), contextFor), steps: guestCreateSteps(LVM_ENV), contextFor}
}

const byId = (reports: StepReport[]) => Object.fromEntries(reports.map((r) => [r.id, r]))

async function applyAll(engine: Engine<GuestContext>, steps: Step<GuestContext>[]): Promise<StepReport[]> {
  const shown = await engine.plan(steps)
  const done: StepReport[] = []
  for (const [i, step] of steps.entries()) done.push(await engine.applyStep(step, shown[i]))
  return done
}

describe('guest create steps', () => {
  test('the first plan: lvcreate, the config, the autostart link; nothing changed by planning', async () => {
    const spec = guest()
    const {engine, runner, steps} = setup(spec)
    const before = snapshot(root)
    const plan = byId(await engine.plan(steps))
    expect(Object.values(plan).map((r) => [r.id, r.status])).toEqual([
      ['disk', 'pending'],
      ['config', 'pending'],
      ['autostart', 'pending'],
      ['start', 'skipped'],
    ])
    expect(plan.disk.changes).toEqual([{kind: 'command', argv: LVCREATE, why: "a 16M logical volume for g1's disk", env: LVM_ENV}])
    expect(plan.config.changes).toEqual([
      {kind: 'file', path: '/etc/xen/g1.cfg', before: null, after: await renderGuestConfig(spec), encoding: undefined, mode: 0o644, why: expect.stringMatching(/^xl config of g1: PV, /)},
    ])
    expect(plan.autostart.changes).toEqual([{kind: 'link', path: '/etc/xen/auto/g1.cfg', before: null, target: '../g1.cfg', why: expect.any(String)}])
    expect(plan.start.reason).toBe('not started now (--start starts it)')
    expect(runner.calls).toEqual([])
    expect(snapshot(root)).toEqual(before)
  })

  test('applied, the guest exists; the re-plan is empty and runs nothing', async () => {
    const spec = guest()
    const {engine, runner, steps, host, contextFor} = setup(spec)
    const done = await applyAll(engine, steps)
    expect(done.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'skipped'])
    expect(runner.calls).toEqual([LVCREATE])
    expect(readFileSync(path.join(root, 'etc/xen/g1.cfg'), 'utf8')).toBe(await renderGuestConfig(spec))
    expect(statSync(path.join(root, 'etc/xen/g1.cfg')).mode & 0o777).toBe(0o644)
    expect(readlinkSync(path.join(root, 'etc/xen/auto/g1.cfg'))).toBe('../g1.cfg')
    // The link resolves to the config, as xendomains reads it.
    expect(readFileSync(path.join(root, 'etc/xen/auto/g1.cfg'), 'utf8')).toBe(await renderGuestConfig(spec))

    const again = new Engine(host, new FakeRunner(), null, contextFor)
    const replan = await again.plan(steps)
    expect(replan.map((r) => [r.id, r.status])).toEqual([
      ['disk', 'unchanged'],
      ['config', 'unchanged'],
      ['autostart', 'unchanged'],
      ['start', 'skipped'],
    ])
    expect(replan[0].state).toBe('vg0/g1-disk, 16M')
    expect(replan.flatMap((r) => r.changes)).toEqual([])
  })

  test('a VNC password makes the config readable by root only', async () => {
    const {engine, steps} = setup(guest({type: 'hvm', boot: {kind: 'iso', iso: '/srv/x.iso'}, vnc: {listen: '0.0.0.0', password: 'pw'}}))
    await applyAll(engine, steps)
    expect(statSync(path.join(root, 'etc/xen/g1.cfg')).mode & 0o777).toBe(0o600)
  })

  test('a VNC password added to an existing world-readable config makes it root-only too', async () => {
    const {engine, steps} = setup(guest({type: 'hvm', boot: {kind: 'iso', iso: '/srv/x.iso'}, vnc: {listen: '0.0.0.0', password: 'pw'}}), null, {'/etc/lvm/backup/vg0': VG0, '/etc/xen/g1.cfg': 'name = "g1"\n'})
    chmodSync(path.join(root, 'etc/xen/g1.cfg'), 0o644)
    await applyAll(engine, steps)
    expect(readFileSync(path.join(root, 'etc/xen/g1.cfg'), 'utf8')).toContain('vncpasswd = "pw"')
    expect(statSync(path.join(root, 'etc/xen/g1.cfg')).mode & 0o777).toBe(0o600)
  })

  test('an existing volume of another size is refused at planning, not resized', async () => {
    const {engine, steps, runner} = setup(guest(), null, {'/etc/lvm/backup/vg0': withVolume(VG0, 'g1-disk', 5)})
    const disk = byId(await engine.plan(steps)).disk
    expect(disk).toMatchObject({status: 'failed', refused: true})
    expect(disk.error).toContain('logical volume vg0/g1-disk is 20M, not 16M')
    expect(runner.calls).toEqual([])
  })

  test('a disk given by path is not created', async () => {
    const {engine, steps} = setup(guest({disk: {kind: 'path', path: '/srv/img/g1.qcow2', format: 'qcow2', block: false}}))
    expect(byId(await engine.plan(steps)).disk).toMatchObject({status: 'skipped', reason: 'uses /srv/img/g1.qcow2 as it is (qcow2 image)'})
  })

  test("a running guest's config is not rewritten (refused); the same config is unchanged", async () => {
    const spec = guest()
    const running: RunningDomain[] = [{name: 'g1', id: 7, memoryMiB: 512, vcpus: 1, state: '-b----'}]
    const {host, steps} = setup(spec, running)
    writeTreeFile(root, '/etc/xen/g1.cfg', await renderGuestConfig(spec))
    const config = steps.find((s) => s.id === 'config') as Step<GuestContext>
    const same = await new Engine(host, new FakeRunner(), null, () => ({host, spec, vg: null, running})).plan([config])
    expect(same[0]).toMatchObject({status: 'unchanged', changes: []})

    const bigger = guest({memoryMiB: 1024})
    const other = await new Engine(host, new FakeRunner(), null, () => ({host, spec: bigger, vg: null, running})).plan([config])
    expect(other[0]).toMatchObject({status: 'failed', refused: true, error: expect.stringContaining('guest g1 is running (domain 7) and its config would change')})
    // Another guest running by a similar name does not count.
    const elsewhere = await new Engine(host, new FakeRunner(), null, () => ({host, spec: bigger, vg: null, running: [{...running[0], name: 'g10'}]})).plan([config])
    expect(elsewhere[0].status).toBe('pending')
  })

  test('xl create runs once: its exit status proves it, though xl list still shows nothing', async () => {
    const spec = guest({start: true, autostart: false})
    const {engine, runner, steps} = setup(spec, [])
    const start = steps.find((s) => s.id === 'start') as Step<GuestContext>
    const shown = await engine.plan([start])
    expect(shown[0].changes).toEqual([{kind: 'command', argv: ['xl', 'create', '/etc/xen/g1.cfg'], why: 'start g1', once: true}])
    const applied = await engine.applyStep(start, shown[0])
    expect(applied).toMatchObject({status: 'changed', changes: shown[0].changes})
    expect(runner.calls).toEqual([['xl', 'create', '/etc/xen/g1.cfg']])
  })

  test('a start that fails is a step failure, not a success', async () => {
    const spec = guest({start: true})
    root = makeTree({})
    const host = new Host(root)
    const runner = new FakeRunner({'xl create /etc/xen/g1.cfg': {exitCode: 1, stderr: 'libxl: error: cannot make domain: -3'}})
    const engine = new Engine(host, runner, null, () => ({host, spec, vg: null, running: []}))
    const start = guestCreateSteps(LVM_ENV).find((s) => s.id === 'start') as Step<GuestContext>
    await expect(engine.applyStep(start)).rejects.toThrow('xl create /etc/xen/g1.cfg exited 1')
  })

  test('a running guest is not started again', async () => {
    const {engine, steps} = setup(guest({start: true}), [{name: 'g1', id: 3, memoryMiB: 512, vcpus: 1, state: 'r-----'}])
    expect(byId(await engine.plan(steps)).start).toMatchObject({status: 'unchanged', state: 'running as domain 3'})
  })

  test('without --autostart an existing link is removed; a file in its place is refused', async () => {
    const {engine, steps, host, contextFor} = setup(guest({autostart: false}))
    mkdirSync(path.join(root, 'etc/xen/auto'), {recursive: true})
    symlinkSync('../g1.cfg', path.join(root, 'etc/xen/auto/g1.cfg'))
    const autostart = steps.find((s) => s.id === 'autostart') as Step<GuestContext>
    const [planned] = await engine.plan([autostart])
    expect(planned.changes).toEqual([{kind: 'link', path: '/etc/xen/auto/g1.cfg', before: '../g1.cfg', target: null, why: 'no --autostart: not started at boot'}])
    // The re-plan after the removal confirms it (a skip there would fail the step as inapplicable).
    expect(await engine.applyStep(autostart, planned)).toMatchObject({status: 'changed', changes: planned.changes})
    expect(existsSync(path.join(root, 'etc/xen/auto/g1.cfg'))).toBe(false)
    expect((await new Engine(host, new FakeRunner(), null, contextFor).plan([autostart]))[0]).toMatchObject({status: 'unchanged', state: expect.stringMatching(/^not started at boot/)})

    writeTreeFile(root, '/etc/xen/auto/g1.cfg', 'name = "g1"\n')
    expect((await engine.plan([autostart]))[0]).toMatchObject({status: 'failed', refused: true, error: expect.stringContaining('is a file, not a link to /etc/xen/g1.cfg')})
  })
})

describe('engine: links and removals', () => {
  const journal = () =>
    readFileSync(path.join(root, JOURNAL), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))

  test('a link change makes the link, then removes it, and journals both', async () => {
    root = makeTree({'/etc/xen/g1.cfg': 'name = "g1"\n'})
    const host = new Host(root)
    let target: string | null = '../g1.cfg'
    const step: Step<Host> = {
      id: 'autostart',
      title: 'link',
      plan: (h) => {
        const before = h.readlink('/etc/xen/auto/g1.cfg') ?? null
        return {changes: before === target ? [] : [{kind: 'link', path: '/etc/xen/auto/g1.cfg', before, target, why: 'test'}]}
      },
    }
    const engine = new Engine(host, new FakeRunner(), new Journal(host, 'run-1'), () => host)
    expect(await engine.applyStep(step)).toMatchObject({status: 'changed'})
    expect(lstatSync(path.join(root, 'etc/xen/auto/g1.cfg')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(path.join(root, 'etc/xen/auto/g1.cfg'))).toBe('../g1.cfg')
    expect(await engine.applyStep(step)).toMatchObject({status: 'unchanged'})

    target = null
    expect(await engine.applyStep(step)).toMatchObject({status: 'changed'})
    expect(existsSync(path.join(root, 'etc/xen/auto/g1.cfg'))).toBe(false)
    // The config it pointed to is untouched.
    expect(readFileSync(path.join(root, 'etc/xen/g1.cfg'), 'utf8')).toBe('name = "g1"\n')
    expect(journal()).toMatchObject([
      {run: 'run-1', kind: 'intent', step: 'autostart', change: 'link /etc/xen/auto/g1.cfg -> ../g1.cfg'},
      {run: 'run-1', kind: 'link', step: 'autostart', path: '/etc/xen/auto/g1.cfg', before: null, target: '../g1.cfg'},
      {run: 'run-1', kind: 'intent', step: 'autostart', change: 'remove link /etc/xen/auto/g1.cfg'},
      {run: 'run-1', kind: 'link', step: 'autostart', path: '/etc/xen/auto/g1.cfg', before: '../g1.cfg', target: null},
    ])
  })

  test('a link changed since the plan is drift, and is not applied', async () => {
    root = makeTree({})
    const host = new Host(root)
    const change: LinkChange = {kind: 'link', path: '/etc/xen/auto/g1.cfg', before: null, target: '../g1.cfg', why: 'test'}
    const report: StepReport = {id: 'autostart', title: 'link', status: 'pending', changes: [change]}
    const engine = new Engine(host, new FakeRunner(), null, () => host)
    expect(engine.drifted([report])).toEqual([])
    mkdirSync(path.join(root, 'etc/xen/auto'), {recursive: true})
    symlinkSync('../other.cfg', path.join(root, 'etc/xen/auto/g1.cfg'))
    expect(engine.drifted([report])).toEqual([host.display('/etc/xen/auto/g1.cfg')])
    const step: Step<Host> = {id: 'autostart', title: 'link', plan: () => ({changes: [change]})}
    await expect(engine.applyStep(step)).rejects.toThrow('changed while xensetup was planning')
    expect(readlinkSync(path.join(root, 'etc/xen/auto/g1.cfg'))).toBe('../other.cfg')
  })

  test('a file change to null removes the file, keeps a backup with its mode, and journals it', async () => {
    const text = 'name = "g1"\nmemory = 512\n'
    root = makeTree({'/etc/xen/g1.cfg': text})
    chmodSync(path.join(root, 'etc/xen/g1.cfg'), 0o600)
    const host = new Host(root)
    const step: Step<Host> = {
      id: 'config',
      title: 'remove',
      plan: (h) => {
        const before = h.read('/etc/xen/g1.cfg') ?? null
        const removal: FileChange = {kind: 'file', path: '/etc/xen/g1.cfg', before, after: null, why: 'test'}
        return {changes: before === null ? [] : [removal]}
      },
    }
    const engine = new Engine(host, new FakeRunner(), new Journal(host, 'run-1'), () => host)
    expect(await engine.applyStep(step)).toMatchObject({status: 'changed'})
    expect(existsSync(path.join(root, 'etc/xen/g1.cfg'))).toBe(false)
    const backup = '/var/lib/xensetup/backups/run-1/etc/xen/g1.cfg'
    expect(readFileSync(path.join(root, backup), 'utf8')).toBe(text)
    expect(statSync(path.join(root, backup)).mode & 0o777).toBe(0o600)
    expect(journal()).toMatchObject([
      {run: 'run-1', kind: 'intent', step: 'config', change: 'remove /etc/xen/g1.cfg'},
      {run: 'run-1', kind: 'file', step: 'config', path: '/etc/xen/g1.cfg', backup, created: false, removed: true, sha256: null},
    ])
    expect(await engine.applyStep(step)).toMatchObject({status: 'unchanged'})
  })

  test('a file removal whose file changed since the plan removes nothing', async () => {
    root = makeTree({'/etc/xen/g1.cfg': 'name = "g1"\n'})
    const host = new Host(root)
    const removal: FileChange = {kind: 'file', path: '/etc/xen/g1.cfg', before: 'name = "g1"\n', after: null, why: 'test'}
    const engine = new Engine(host, new FakeRunner(), null, () => host)
    writeTreeFile(root, '/etc/xen/g1.cfg', 'name = "g1"\nmemory = 2048\n')
    expect(engine.drifted([{id: 'config', title: 'remove', status: 'pending', changes: [removal]}])).toEqual([host.display('/etc/xen/g1.cfg')])
    await expect(engine.applyStep({id: 'config', title: 'remove', plan: () => ({changes: [removal]})})).rejects.toThrow('changed while xensetup was planning')
    expect(readFileSync(path.join(root, 'etc/xen/g1.cfg'), 'utf8')).toBe('name = "g1"\nmemory = 2048\n')
  })
})

describe('guest remove, planned (dry run over a copy of the fixture dom0)', () => {
  const DEBIAN_13 = fileURLToPath(new URL('../../fixtures/roots/debian-13', import.meta.url))
  const copy = () => {
    root = makeTree()
    cpSync(DEBIAN_13, root, {recursive: true, verbatimSymlinks: true})
    return new Host(root)
  }
  const remove = (host: Host, name: string, deleteDisk: boolean) =>
    runGuestRemove(host, name, {'delete-disk': deleteDisk, vg: 'vg0', yes: true, 'dry-run': true, verbose: false}, true, () => {}, [], {lvmSystemDir: '/etc/lvm'})

  test('the link, the config and (with --delete-disk) its logical volume; nothing changed', async () => {
    const host = copy()
    const before = snapshot(root)
    const doc = await remove(host, 'web', true)
    expect(doc.result).toBe('planned')
    const steps = Object.fromEntries(doc.steps.map((s) => [s.id, s]))
    expect(steps.autostart.changes).toEqual([{kind: 'link', path: '/etc/xen/auto/web.cfg', before: '../web.cfg', target: null, why: expect.any(String)}])
    expect(steps.disk.changes).toEqual([{kind: 'command', argv: ['lvremove', '--autobackup', 'y', '--yes', 'vg0/web-disk'], why: expect.stringContaining('--delete-disk')}])
    expect(steps.config.changes).toEqual([expect.objectContaining({kind: 'file', action: 'remove'})])
    expect(snapshot(root)).toEqual(before)
  })

  test('without --delete-disk the volume is kept; a guest with no config has nothing to remove', async () => {
    const host = copy()
    const kept = await remove(host, 'web', false)
    expect(kept.steps.find((s) => s.id === 'disk')).toMatchObject({status: 'skipped', reason: 'kept: /dev/vg0/web-disk (--delete-disk removes it)'})
    const none = await remove(host, 'nobody', true)
    expect(none.steps.map((s) => [s.id, s.status])).toEqual([
      ['autostart', 'unchanged'],
      ['disk', 'unchanged'],
      ['config', 'unchanged'],
    ])
  })

  test("another guest's disk is never removed with this one", async () => {
    const host = copy()
    writeTreeFile(root, '/etc/xen/web2.cfg', 'name = "web2"\ndisk = [ "phy:/dev/vg0/web-disk,xvdb,w" ]\n')
    const doc = await remove(host, 'web', true)
    expect(doc.result).toBe('failed')
    expect(doc.steps.find((s) => s.id === 'disk')).toMatchObject({status: 'failed', refused: true, error: expect.stringContaining("/dev/vg0/web-disk is also another guest's disk")})
  })
})
