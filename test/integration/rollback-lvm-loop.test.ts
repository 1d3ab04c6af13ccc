import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {profileFor} from '../../src/distros/profile.js'
import {Engine} from '../../src/engine/engine.js'
import {Journal} from '../../src/engine/journal.js'
import {gatherFacts} from '../../src/facts/index.js'
import {Host} from '../../src/host/host.js'
import {ExecaRunner} from '../../src/host/runner.js'
import {readRuns} from '../../src/journal/runs.js'
import type {InitContext} from '../../src/steps/context.js'
import {createLvmStep} from '../../src/steps/lvm.js'
import {chooseRun} from '../../src/undo/rollback-choice.js'
import {type RollbackContext, rollbackSteps} from '../../src/undo/rollback-steps.js'

/**
 * Rolling back the LVM step on a real loop device, isolated from this machine's LVM as in
 * lvm-loop.test.ts (LVM_SYSTEM_DIR in a scratch directory, a filter that sees only this test's device).
 * There is no device-mapper here, so a logical volume exists as metadata only (vgcfgrestore): enough for
 * the rollback, which reads LVM's metadata backup to decide.
 */
const asRoot = process.getuid?.() === 0
if (!asRoot) process.stderr.write('rollback-lvm-loop: skipped, loop devices and pvcreate need root\n')
const describeAsRoot = asRoot ? describe : describe.skip
const SLOW = 120_000

describeAsRoot('rollback of the lvm step on a loop device', () => {
  const live = new Host('/')
  const sh = new ExecaRunner()
  const vgName = `xsroll${process.pid}`
  const profile = profileFor({family: 'debian', id: 'debian', versionId: '12'})!
  let scratch: string
  let lvmDir: string
  let loop = ''
  let env: Record<string, string>
  let etcLvmBefore: string[]

  async function must(argv: string[]): Promise<string> {
    const result = await sh.run(argv, {env})
    if (result.failed) throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
    return result.stdout.trim()
  }
  const journalHost = () => new Host(scratch)

  async function createVg(runId: string): Promise<void> {
    const context = (): InitContext => ({
      host: live,
      machine: live,
      facts: gatherFacts(live),
      profile,
      options: {dom0MemMiB: 2048, dom0MaxVcpus: '1-2', uplink: null, vgDevice: loop, vgName, forceWipe: false, trialBoot: false, steps: ['lvm'], offline: false, applyNetwork: false, revertAfter: 120},
      probe: sh,
    })
    const journal = new Journal(journalHost(), runId, {command: 'init', args: [], version: 'test', root: '/', pid: process.pid})
    expect((await new Engine<InitContext>(live, sh, journal, context).applyStep(createLvmStep(lvmDir))).status).toBe('changed')
    journal.record({kind: 'run-end', result: 'ok', durationMs: 1})
  }

  function rollbackEngine(runId: string) {
    const target = chooseRun(readRuns(journalHost()), runId)!
    const steps = rollbackSteps(target, {force: false, packages: false, lvmSystemDir: lvmDir})
    const context = (): RollbackContext => ({host: live, machine: live, probe: sh, facts: gatherFacts(live), profile})
    const journal = new Journal(journalHost(), `undo-${runId}`, {command: 'rollback', args: [], version: 'test', root: '/', pid: process.pid, rollsBack: runId})
    return {steps, context, engine: new Engine<RollbackContext>(live, sh, journal, context)}
  }

  beforeAll(async () => {
    etcLvmBefore = existsSync('/etc/lvm') ? readdirSync('/etc/lvm', {recursive: true, encoding: 'utf8'}).sort() : []
    scratch = mkdtempSync(path.join(tmpdir(), 'xensetup-rollback-lvm-'))
    lvmDir = path.join(scratch, 'lvm')
    mkdirSync(path.join(lvmDir, 'lock'), {recursive: true})
    env = {LVM_SYSTEM_DIR: lvmDir, LVM_SUPPRESS_FD_WARNINGS: '1'}
    const image = path.join(scratch, 'vg.img')
    writeFileSync(image, '')
    truncateSync(image, 64 * 1024 * 1024)
    loop = await must(['losetup', '--find', '--show', image])
    writeFileSync(path.join(lvmDir, 'lvm.conf'), `devices {\n\tglobal_filter = [ "a|^${loop}$|", "r|.*|" ]\n\thints = "none"\n\tuse_devicesfile = 0\n}\nglobal {\n\tlocking_dir = "${lvmDir}/lock"\n}\n`)
  }, SLOW)

  afterAll(async () => {
    if (!scratch) return
    await sh.run(['vgremove', '--force', vgName], {env})
    if (loop) {
      await sh.run(['pvremove', '--yes', loop], {env})
      await sh.run(['losetup', '--detach', loop])
    }
    rmSync(scratch, {recursive: true, force: true})
  }, SLOW)

  test('a VG holding a logical volume is kept: the rollback is refused, naming the volume', async () => {
    await createVg('with-lv')
    const backup = path.join(lvmDir, 'backup', vgName)
    // An LV in the group's metadata, as `lvcreate` would record it (no device-mapper to activate it here).
    const text = readFileSync(backup, 'utf8')
    const end = text.trimEnd().lastIndexOf('\n}')
    const lv = '\n\tlogical_volumes {\n\t\tguest1 {\n\t\t\tid = "abcdef-ABCD-abcd-ABCD-abcd-ABCD-abcdef"\n\t\t\tstatus = ["READ", "WRITE", "VISIBLE"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 1\n\t\t\t\ttype = "striped"\n\t\t\t\tstripe_count = 1\n\t\t\t\tstripes = ["pv0", 0]\n\t\t\t}\n\t\t}\n\t}\n'
    const edited = path.join(scratch, 'with-lv.vg')
    writeFileSync(edited, text.slice(0, end) + lv + text.slice(end))
    await must(['vgcfgrestore', '--file', edited, vgName])
    await must(['vgcfgbackup', vgName])
    expect(await must(['lvs', '--noheadings', '--options', 'lv_name', vgName])).toBe('guest1')

    const {steps, engine} = rollbackEngine('with-lv')
    const [lvm] = await engine.plan(steps.filter((step) => step.id === 'lvm'))
    expect(lvm).toMatchObject({status: 'failed', refused: true})
    expect(lvm.error).toMatch(new RegExp(`^volume group ${vgName} holds logical volumes \\(guest1\\), which may be guests' disks; it is kept`))
    expect(await must(['vgs', '--noheadings', '--options', 'vg_name', vgName])).toBe(vgName)
    // Back to an empty group for the next test: the LV exists only in metadata.
    await must(['lvremove', '--force', `${vgName}/guest1`]).catch(() => undefined)
    await sh.run(['vgremove', '--force', vgName], {env})
    await sh.run(['pvremove', '--yes', loop], {env})
    rmSync(path.dirname(backup), {recursive: true, force: true})
  }, SLOW)

  test('an empty VG the run created: vgremove and pvremove really run, its metadata files go, the re-plan is empty', async () => {
    await createVg('empty')
    expect(existsSync(path.join(lvmDir, 'backup', vgName))).toBe(true)
    const {steps, engine, context} = rollbackEngine('empty')
    const shown = await engine.plan(steps)
    expect(shown.find((report) => report.id === 'lvm')?.changes.map((change) => change.kind === 'command' && change.argv)).toEqual([
      ['vgremove', vgName],
      ['pvremove', loop],
      // vgcreate made the backup directory (the scratch LVM dir had none): it goes too.
      ['rmdir', path.join(lvmDir, 'backup')],
    ])
    for (const step of steps) {
      const report = await engine.applyStep(step, shown.find((r) => r.id === step.id))
      expect(report.status).not.toBe('failed')
    }
    expect(existsSync(path.join(lvmDir, 'backup'))).toBe(false)
    expect((await sh.run(['blkid', '--probe', '--output', 'value', '--match-tag', 'TYPE', loop])).stdout.trim()).toBe('')
    const again = await new Engine<RollbackContext>(live, sh, null, context).plan(steps)
    expect(again.filter((report) => report.status === 'pending')).toEqual([])
  }, SLOW)

  test('nothing was written under /etc/lvm of this machine', () => {
    expect(existsSync('/etc/lvm') ? readdirSync('/etc/lvm', {recursive: true, encoding: 'utf8'}).sort() : []).toEqual(etcLvmBefore)
  })
})
