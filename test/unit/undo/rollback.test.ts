import {afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import History from '../../../src/commands/history.js'
import Init from '../../../src/commands/init.js'
import Rollback from '../../../src/commands/rollback.js'
import {Host} from '../../../src/host/host.js'
import {readRuns} from '../../../src/journal/runs.js'
import {chooseRun} from '../../../src/undo/rollback-choice.js'
import {runCommand} from '../../lib/cli.js'
import {removeTree, snapshot} from '../../lib/tree.js'

const FIXTURE = fileURLToPath(new URL('../../fixtures/roots/debian-12', import.meta.url))
const XL_CONF = 'etc/xen/xl.conf'

let dir: string
let root: string
let pristineXl: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'xensetup-rollback-'))
  root = path.join(dir, 'root')
  // Xen installed, not booted: `init --only xenfs` creates /etc/fstab and edits xl.conf, running nothing.
  cpSync(FIXTURE, root, {recursive: true})
  pristineXl = file(XL_CONF)
})
afterEach(() => removeTree(dir))

const file = (target: string) => readFileSync(path.join(root, target), 'utf8')
const init = async () => {
  const out = await runCommand(Init, ['--root', root, '--yes', '--json', '--only', 'xenfs'])
  expect(out.exitCode).toBe(0)
  return JSON.parse(out.stdout).run as string
}
const rollback = async (...argv: string[]) => {
  const out = await runCommand(Rollback, ['--root', root, '--json', ...argv])
  return {...out, doc: JSON.parse(out.stdout)}
}

describe('xensetup rollback on a fixture root', () => {
  test('restores the files the run changed byte for byte, removes what it created; the re-plan is empty', async () => {
    const run = await init()
    expect(file(XL_CONF)).toMatch(/^autoballoon="off"$/m)
    const mode = statSync(path.join(root, XL_CONF)).mode
    const {doc, exitCode} = await rollback('--yes')
    expect(exitCode).toBe(0)
    expect(doc).toMatchObject({result: 'ok', rollsBack: run})
    expect(doc.steps.find((step: {id: string}) => step.id === 'files').changes.map((change: {path: string; action: string}) => [change.path, change.action])).toEqual([
      ['/etc/fstab', 'remove'],
      ['/etc/xen/xl.conf', 'modify'],
    ])
    expect(file(XL_CONF)).toBe(pristineXl)
    expect(statSync(path.join(root, XL_CONF)).mode).toBe(mode)
    expect(existsSync(path.join(root, 'etc/fstab'))).toBe(false)
    const runs = readRuns(new Host(root))
    expect(runs.at(-1)).toMatchObject({command: 'rollback', rollsBack: run, result: 'ok'})
    // Nothing left to roll back: the rollback is not a candidate, and the undone run is not either.
    expect((await rollback('--yes')).doc).toMatchObject({rollsBack: null, steps: []})
    const again = await rollback('--yes', run)
    expect(again.exitCode).toBe(2)
    expect(again.doc.error.message).toBe(`run ${run} was already rolled back by ${runs.at(-1)?.id}`)
  })

  test('--dry-run shows the reverse and writes nothing', async () => {
    await init()
    const before = snapshot(root)
    const {doc, exitCode} = await rollback('--dry-run')
    expect(exitCode).toBe(0)
    expect(doc).toMatchObject({mode: 'dry-run', result: 'planned'})
    expect(doc.steps.find((step: {id: string; status: string}) => step.status === 'pending').id).toBe('files')
    expect(snapshot(root)).toEqual(before)
  })

  test('a file changed since the run is refused (exit 4) with the diff of what would be lost; --force restores it', async () => {
    const run = await init()
    writeFileSync(path.join(root, XL_CONF), `${file(XL_CONF)}vif.default.bridge="xenbr1"\n`)
    const before = snapshot(root)
    const refused = await rollback('--yes')
    expect(refused.exitCode).toBe(4)
    const error = refused.doc.steps.find((step: {id: string}) => step.id === 'files').error
    expect(error).toMatch(new RegExp(`^changed since the run ${run}, by someone else: .*/etc/xen/xl.conf; .*--force`))
    expect(error).toMatch(/^-vif.default.bridge="xenbr1"$/m)
    expect(snapshot(root)).toEqual(before)

    const forced = await rollback('--yes', '--force')
    expect(forced.exitCode).toBe(0)
    expect(file(XL_CONF)).toBe(pristineXl)
  })

  test('an older run under a later one that touched the same files is refused, naming it; the default is the later one', async () => {
    const first = await init()
    // Someone undoes the edit by hand; the next init makes it again: a second run on the same file.
    writeFileSync(path.join(root, XL_CONF), pristineXl)
    const second = await init()
    expect(second).not.toBe(first)
    const refused = await rollback('--yes', first)
    expect(refused.exitCode).toBe(4)
    expect(refused.doc.error.message).toBe(`later runs changed the files ${first} changed: ${second}`)
    expect(chooseRun(readRuns(new Host(root)), undefined)?.run.id).toBe(second)
    expect((await rollback('--yes')).doc).toMatchObject({result: 'ok', rollsBack: second})
    // With the later run undone, the first is the default, and what it left is back: it rolls back too.
    expect(chooseRun(readRuns(new Host(root)), undefined)?.run.id).toBe(first)
  })

  test('an unknown run is a usage error', async () => {
    await init()
    const out = await rollback('--yes', 'nosuchrun')
    expect(out.exitCode).toBe(2)
    expect(out.doc.error).toMatchObject({message: 'no run nosuchrun in the journal'})
  })

  test('history lists each run with what it changed and what undid it', async () => {
    const run = await init()
    const {doc} = await rollback('--yes')
    const out = await runCommand(History, ['--root', root, '--json'])
    expect(out.exitCode).toBe(0)
    const {runs} = JSON.parse(out.stdout)
    expect(runs).toMatchObject([
      {id: run, command: 'init', args: expect.arrayContaining(['--only', 'xenfs']), result: 'ok', rolledBackBy: doc.run, written: ['/etc/fstab', '/etc/xen/xl.conf'], removed: []},
      {id: doc.run, command: 'rollback', rollsBack: run, result: 'ok', written: ['/etc/xen/xl.conf'], removed: ['/etc/fstab']},
    ])
    const text = await runCommand(History, ['--root', root])
    expect(text.stdout).toContain(`${run}  `)
    expect(text.stdout).toContain(`rolled back by ${doc.run}`)
  })
})
