import {describe, expect, test, afterEach} from '@jest/globals'
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, statSync, chmodSync} from 'node:fs'
import path from 'node:path'
import {Engine} from '../../../src/engine/engine.js'
import {Journal, JOURNAL} from '../../../src/engine/journal.js'
import {managedBlock, wholeFile} from '../../../src/engine/desired.js'
import type {Step} from '../../../src/engine/step.js'
import {Host} from '../../../src/host/host.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {makeTree, removeTree, snapshot, writeTreeFile} from '../../lib/tree.js'

const FSTAB = '# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=1234 / ext4 errors=remount-ro 0 1\n'

/** Example steps over the three change kinds; the command's effect is a file, as for real tools. */
function exampleSteps(root: string): Step<Host>[] {
  return [
    {id: 'dropin', title: 'Write a drop-in', plan: (host) => ({changes: wholeFile(host, '/etc/xen/dropin.cfg', 'a=1\n', 'test')})},
    {id: 'fstab', title: 'Mount xenfs', plan: (host) => ({changes: managedBlock(host, '/etc/fstab', 'xenfs', 'none /proc/xen xenfs defaults 0 0', 'test')})},
    {
      id: 'tool',
      title: 'Run a tool',
      plan: (host) => ({changes: host.exists('/var/lib/tool/done') ? [] : [{kind: 'command', argv: ['tool', '--make', 'done'], why: 'test'}]}),
    },
    {id: 'absent', title: 'Not for this host', plan: () => ({skip: 'no device given'})},
  ]
}

function engineFor(root: string, runner = toolRunner(root)) {
  const host = new Host(root)
  return {host, runner, engine: new Engine(host, runner, new Journal(host, 'run-1'), () => host)}
}

function toolRunner(root: string) {
  return new FakeRunner({'tool --make done': {effect: () => writeTreeFile(root, '/var/lib/tool/done', '')}})
}

let root: string
afterEach(() => removeTree(root))

describe('engine', () => {
  test('plans every kind of change on a fresh tree and writes nothing', async () => {
    root = makeTree({'/etc/fstab': FSTAB})
    const before = snapshot(root)
    const {engine, runner} = engineFor(root)
    const reports = await engine.plan(exampleSteps(root))
    expect(reports.map((r) => [r.id, r.status])).toEqual([
      ['dropin', 'pending'],
      ['fstab', 'pending'],
      ['tool', 'pending'],
      ['absent', 'skipped'],
    ])
    expect(reports[0].changes[0]).toMatchObject({kind: 'file', path: '/etc/xen/dropin.cfg', before: null, after: 'a=1\n'})
    expect(reports[2].changes[0]).toMatchObject({kind: 'command', argv: ['tool', '--make', 'done']})
    expect(runner.calls).toEqual([])
    expect(snapshot(root)).toEqual(before)
  })

  test('apply reaches the state, then a re-run changes nothing and runs nothing', async () => {
    root = makeTree({'/etc/fstab': FSTAB})
    const first = engineFor(root)
    const steps = exampleSteps(root)
    const applied = []
    for (const step of steps) applied.push(await first.engine.applyStep(step))
    expect(applied.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'skipped'])
    expect(first.runner.calls).toEqual([['tool', '--make', 'done']])

    const converged = snapshot(root)
    const again = engineFor(root)
    const rerun = []
    for (const step of steps) rerun.push(await again.engine.applyStep(step))
    expect(rerun.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'skipped'])
    expect(again.runner.calls).toEqual([])
    expect(snapshot(root)).toEqual(converged)
  })

  test('a managed block keeps every foreign line and is replaced in place', async () => {
    root = makeTree({'/etc/fstab': FSTAB})
    const {engine} = engineFor(root)
    await engine.applyStep(exampleSteps(root)[1])
    writeTreeFile(root, '/etc/fstab', `${readFileSync(path.join(root, 'etc/fstab'), 'utf8')}/dev/vdb /srv ext4 defaults 0 2\n`)
    const moved: Step<Host> = {
      id: 'fstab',
      title: 'Mount xenfs',
      plan: (host) => ({changes: managedBlock(host, '/etc/fstab', 'xenfs', 'xenfs /proc/xen xenfs defaults 0 0', 'test')}),
    }
    await engine.applyStep(moved)
    expect(readFileSync(path.join(root, 'etc/fstab'), 'utf8')).toBe(
      `${FSTAB}# BEGIN xensetup xenfs\nxenfs /proc/xen xenfs defaults 0 0\n# END xensetup xenfs\n/dev/vdb /srv ext4 defaults 0 2\n`,
    )
  })

  test('backs up the original before the first change and journals every change', async () => {
    root = makeTree({'/etc/fstab': FSTAB})
    chmodSync(path.join(root, 'etc/fstab'), 0o640)
    const {engine} = engineFor(root)
    for (const step of exampleSteps(root)) await engine.applyStep(step)
    expect(readFileSync(path.join(root, 'var/lib/xensetup/backups/run-1/etc/fstab'), 'utf8')).toBe(FSTAB)
    expect(statSync(path.join(root, 'etc/fstab')).mode & 0o777).toBe(0o640)
    const journal = readFileSync(path.join(root, JOURNAL), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    // Each change is announced before it is made, so a killed run shows what it was doing.
    expect(journal).toMatchObject([
      {run: 'run-1', step: 'dropin', kind: 'intent', change: 'write /etc/xen/dropin.cfg'},
      {run: 'run-1', step: 'dropin', kind: 'file', path: '/etc/xen/dropin.cfg', backup: null, created: true, sha256: createHash('sha256').update('a=1\n').digest('hex')},
      {run: 'run-1', step: 'fstab', kind: 'intent', change: 'write /etc/fstab'},
      {run: 'run-1', step: 'fstab', kind: 'file', path: '/etc/fstab', backup: '/var/lib/xensetup/backups/run-1/etc/fstab', created: false},
      {run: 'run-1', step: 'tool', kind: 'intent', change: 'run tool --make done'},
      {run: 'run-1', step: 'tool', kind: 'command', argv: ['tool', '--make', 'done'], exitCode: 0, durationMs: expect.any(Number)},
    ])
    // The backup keeps the original's mode, so a restore is exact.
    expect(statSync(path.join(root, 'var/lib/xensetup/backups/run-1/etc/fstab')).mode & 0o777).toBe(0o640)
  })

  test('a write that fails leaves the old file intact and no temp file behind', async () => {
    root = makeTree({'/etc/fstab': FSTAB})
    const host = new Host(root)
    // chown refuses a uid out of range after the temp file was written and synced: before the rename.
    expect(() => host.write('/etc/fstab', 'new\n', 'utf8', {mode: 0o644, uid: -7, gid: 0})).toThrow()
    expect(readFileSync(path.join(root, 'etc/fstab'), 'utf8')).toBe(FSTAB)
    expect(readdirSync(path.join(root, 'etc'))).toEqual(['fstab'])
  })

  test('temp files a killed run left beside a file are removed by the next write; temp names are unique', async () => {
    root = makeTree({'/etc/fstab': FSTAB, '/etc/.fstab.xensetup-999-0badf00d.tmp': 'half'})
    new Host(root).write('/etc/fstab', 'new\n', 'utf8', {mode: 0o644, uid: 0, gid: 0})
    expect(readdirSync(path.join(root, 'etc'))).toEqual(['fstab'])
  })

  test('a failing command stops the step with its output and is journaled', async () => {
    root = makeTree()
    const runner = new FakeRunner({'tool --make done': {exitCode: 100, stderr: 'E: Unable to locate package'}})
    const {engine} = engineFor(root, runner)
    await expect(engine.applyStep(exampleSteps(root)[2])).rejects.toMatchObject({
      message: 'tool --make done exited 100',
      detail: 'E: Unable to locate package',
    })
    expect(readFileSync(path.join(root, JOURNAL), 'utf8')).toContain('"exitCode":100')
  })

  test('a step that never converges fails instead of looping', async () => {
    root = makeTree()
    const {engine} = engineFor(root, new FakeRunner())
    await expect(engine.applyStep(exampleSteps(root)[2])).rejects.toThrow(/did not converge/)
  })
})

describe('engine: the facts a plan reads', () => {
  test('one reading for all the steps of a plan (planning changes nothing); the caller\'s when it has one', async () => {
    root = makeTree()
    const host = new Host(root)
    let readings = 0
    const engine = new Engine<Host>(host, toolRunner(root), null, () => (readings++, host))
    await engine.plan(exampleSteps(root))
    expect(readings).toBe(1)
    await engine.plan(exampleSteps(root), host)
    expect(readings).toBe(1)
  })

  test('applying reads again before each step and after each change: earlier steps change what later ones see', async () => {
    root = makeTree({'/etc/fstab': FSTAB})
    const host = new Host(root)
    let readings = 0
    const engine = new Engine<Host>(host, toolRunner(root), new Journal(host, 'run-1'), () => (readings++, host))
    const [dropin] = exampleSteps(root)
    await engine.applyStep(dropin)
    // planned, then planned again after its change to prove it converged
    expect(readings).toBe(2)
  })
})

describe('engine: plans that cannot be made', () => {
  test('a file only root may read makes the step fail with the path, not crash the plan', async () => {
    root = makeTree()
    const {engine} = engineFor(root)
    const unreadable: Step<Host> = {
      id: 'net',
      title: 'Read a 0600 file',
      plan: () => {
        throw Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES', path: '/etc/netplan/50-cloud-init.yaml'})
      },
    }
    const [report] = await engine.plan([unreadable])
    expect(report).toMatchObject({status: 'failed', error: '/etc/netplan/50-cloud-init.yaml: permission denied; run as root to plan this step'})
  })

  test('facts that cannot be read fail every step with the path, and the plan still reports each', async () => {
    root = makeTree()
    const host = new Host(root)
    const engine = new Engine<Host>(host, toolRunner(root), null, () => {
      throw Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES', path: '/etc/shadow'})
    })
    const reports = await engine.plan(exampleSteps(root))
    expect(reports.map((r) => [r.id, r.status, r.error])).toEqual(
      ['dropin', 'fstab', 'tool', 'absent'].map((id) => [id, 'failed', '/etc/shadow: permission denied; run as root to plan this step']),
    )
  })

  test('unpaired managed-block markers name the file and what to do', async () => {
    root = makeTree({'/etc/fstab': `${FSTAB}# BEGIN xensetup xenfs\n`})
    const {engine} = engineFor(root)
    const [report] = await engine.plan([exampleSteps(root)[1]])
    expect(report).toMatchObject({status: 'failed', error: expect.stringMatching(new RegExp(`^${root}/etc/fstab: the "# BEGIN xensetup xenfs" .* markers are unpaired; restore the pair`))})
  })
})
