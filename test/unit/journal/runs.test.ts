import {afterEach, describe, expect, test} from '@jest/globals'
import {appendFileSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {Engine} from '../../../src/engine/engine.js'
import {JOURNAL, Journal, sha256} from '../../../src/engine/journal.js'
import type {Step} from '../../../src/engine/step.js'
import {Host} from '../../../src/host/host.js'
import {readRuns} from '../../../src/journal/runs.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {makeTree, removeTree, writeTreeFile} from '../../lib/tree.js'

const STATUS = (names: string[]) => names.map((name) => `Package: ${name}\nStatus: install ok installed\nVersion: 1.0\n`).join('\n')

let root: string
afterEach(() => removeTree(root))

/** A run of one step: a file written, a package installed, a command rewriting grub.cfg and one making LVM archive files. */
async function journaledRun(host: Host, runId: string, rollsBack?: string): Promise<void> {
  const runner = new FakeRunner({
    'apt-get install -y xen': {effect: () => writeTreeFile(root, '/var/lib/dpkg/status', STATUS(['base', 'xen', 'xen-libs']))},
    'grub-mkconfig -o /boot/grub/grub.cfg': {effect: () => writeTreeFile(root, '/boot/grub/grub.cfg', 'menuentry xen\n')},
    'vgcreate vg0 /dev/loop0': {effect: () => writeTreeFile(root, '/etc/lvm/archive/vg0_00000-1.vg', 'vg0 {}\n')},
  })
  const step: Step<Host> = {
    id: 'demo',
    title: 'Demo',
    plan: (target) =>
      target.exists('/etc/demo')
        ? {changes: []}
        : {
            changes: [
              {kind: 'file', path: '/etc/demo', before: null, after: 'demo\n', why: 'test'},
              {kind: 'command', argv: ['apt-get', 'install', '-y', 'xen'], why: 'test', installs: true},
              {kind: 'command', argv: ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'], why: 'test', rewrites: ['/boot/grub/grub.cfg']},
              {kind: 'command', argv: ['vgcreate', 'vg0', '/dev/loop0'], why: 'test', creates: ['/etc/lvm/archive']},
            ],
          },
  }
  const journal = new Journal(host, runId, {command: 'init', args: ['--yes'], version: '0.0.0', root, pid: 1, ...(rollsBack ? {rollsBack} : {})})
  await new Engine(host, runner, journal, () => host).applyStep(step)
  journal.record({kind: 'run-end', result: 'ok', durationMs: 12})
}

describe('readRuns', () => {
  test('no journal: no runs', () => {
    root = makeTree({})
    expect(readRuns(new Host(root))).toEqual([])
  })

  test('a run as the engine journals it: start, end, hashes left by commands, packages it installed, files commands created', async () => {
    root = makeTree({'/var/lib/dpkg/status': STATUS(['base', 'xen-libs']), '/boot/grub/grub.cfg': 'menuentry linux\n', '/etc/lvm/archive/old.vg': ''})
    const host = new Host(root)
    await journaledRun(host, 'run-1')
    const [run, ...others] = readRuns(host)
    expect(others).toEqual([])
    expect(run).toMatchObject({id: 'run-1', command: 'init', args: ['--yes'], version: '0.0.0', result: 'ok', durationMs: 12})
    expect(run.endedAt).not.toBeNull()
    expect(run.rollsBack).toBeUndefined()
    expect(run.entries.map((entry) => entry.kind)).toEqual(['run-start', 'intent', 'file', 'intent', 'command', 'packages', 'intent', 'command', 'intent', 'command', 'run-end'])
    expect(run.entries.find((entry) => entry.kind === 'packages')).toMatchObject({step: 'demo', installed: ['xen']})
    const grub = run.entries.find((entry) => entry.kind === 'command' && entry.argv[0] === 'grub-mkconfig')
    expect(grub).toMatchObject({left: {'/boot/grub/grub.cfg': sha256('menuentry xen\n', 'utf8')}, backups: {'/boot/grub/grub.cfg': expect.stringContaining('/backups/run-1/boot/grub/grub.cfg')}})
    const vgcreate = run.entries.find((entry) => entry.kind === 'command' && entry.argv[0] === 'vgcreate')
    expect(vgcreate).toMatchObject({createdFiles: ['/etc/lvm/archive/vg0_00000-1.vg']})
  })

  test('a target without a dpkg database records no packages entry', async () => {
    root = makeTree({'/boot/grub/grub.cfg': 'menuentry linux\n'})
    const host = new Host(root)
    await journaledRun(host, 'run-1')
    expect(readRuns(host)[0].entries.some((entry) => entry.kind === 'packages')).toBe(false)
  })

  test('runs in order, a rollback with the run it undoes, a run killed before its end', async () => {
    root = makeTree({})
    const host = new Host(root)
    const first = new Journal(host, 'run-1', {command: 'init', args: [], version: '1', root, pid: 1})
    first.record({kind: 'intent', step: 's', change: 'write /etc/a'})
    first.record({kind: 'run-end', result: 'ok', durationMs: 1})
    const second = new Journal(host, 'run-2', {command: 'rollback', args: [], version: '1', root, pid: 1, rollsBack: 'run-1'})
    second.record({kind: 'intent', step: 's', change: 'remove /etc/a'})
    const runs = readRuns(host)
    expect(runs.map((run) => [run.id, run.command, run.rollsBack, run.result])).toEqual([
      ['run-1', 'init', undefined, 'ok'],
      ['run-2', 'rollback', 'run-1', null],
    ])
    expect(runs[1].endedAt).toBeNull()
  })

  test('a torn last line is left out, and so is a torn line the next run appended to', () => {
    root = makeTree({})
    const host = new Host(root)
    const journal = path.join(root, JOURNAL)
    new Journal(host, 'run-1', {command: 'init', args: [], version: '1', root, pid: 1}).record({kind: 'intent', step: 's', change: 'x'})
    appendFileSync(journal, '{"run":"run-1","at":"2024-01-01T00:00:00Z","kind":"fi')
    expect(readRuns(host).map((run) => run.entries.length)).toEqual([2])
    new Journal(host, 'run-2', {command: 'init', args: [], version: '1', root, pid: 1}).record({kind: 'intent', step: 's', change: 'y'})
    expect(readFileSync(journal, 'utf8').split('\n')).toHaveLength(5)
    expect(readRuns(host).map((run) => [run.id, run.entries.length])).toEqual([
      ['run-1', 2],
      ['run-2', 2],
    ])
  })

  test('a damaged line in the middle is refused, naming the line', () => {
    root = makeTree({})
    const host = new Host(root)
    new Journal(host, 'run-1', {command: 'init', args: [], version: '1', root, pid: 1}).record({kind: 'intent', step: 's', change: 'x'})
    appendFileSync(path.join(root, JOURNAL), 'garbage\n{"run":"run-2","at":"x","kind":"intent"}\n')
    expect(() => readRuns(host)).toThrow(/line 3 is not a journal entry/)
  })
})
