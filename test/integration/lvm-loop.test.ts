import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {profileFor} from '../../src/distros/profile.js'
import {Engine} from '../../src/engine/engine.js'
import {Journal} from '../../src/engine/journal.js'
import {gatherFacts} from '../../src/facts/index.js'
import {Host} from '../../src/host/host.js'
import {type CommandRunner, ExecaRunner, type RunOptions, type RunResult} from '../../src/host/runner.js'
import type {InitContext, InitOptions} from '../../src/steps/context.js'
import {createLvmStep} from '../../src/steps/lvm.js'

/**
 * The lvm step against real loop devices, through the Engine with real commands on this machine.
 *
 * Isolation from this machine's LVM: the step hands its LVM system directory to every LVM command as
 * LVM_SYSTEM_DIR and reads the metadata backups from that same directory, so pointing it at a scratch
 * directory moves everything LVM would write under /etc/lvm (backup/, archive/) there. The scratch
 * lvm.conf also lets LVM see only this test's loop devices (global_filter), keeps its locks and hints out
 * of /run, and the journal goes to the scratch directory. The host is the live machine ("/"): the loop
 * devices, /proc/mounts and /sys/block the step checks are this machine's.
 *
 * Needs root (losetup, pvcreate, mount); CI runs as root. Device-mapper is not needed: no LV is created.
 */
const asRoot = process.getuid?.() === 0
if (!asRoot) process.stderr.write('lvm-loop: skipped, attaching loop devices and running pvcreate need root\n')
const describeAsRoot = asRoot ? describe : describe.skip

const IMAGE_BYTES = 64 * 1024 * 1024
const SLOW = 120_000

/** Runs on this machine and counts what it runs: the converged re-plan must run nothing. */
class CountingRunner implements CommandRunner {
  readonly calls: string[][] = []
  private readonly real = new ExecaRunner()

  async run(argv: string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push(argv)
    return this.real.run(argv, options)
  }
}

describeAsRoot('lvm step on loop devices', () => {
  const live = new Host('/')
  const sh = new ExecaRunner()
  const loops: string[] = []
  const vgNames = [`xstest${process.pid}`, `xsforce${process.pid}`]
  let scratch: string
  let lvmDir: string
  let mountPoint: string
  let lvmEnv: Record<string, string>
  let etcLvmBefore: string[]

  async function must(argv: string[], env?: Record<string, string>): Promise<string> {
    const result = await sh.run(argv, {env})
    if (result.failed) throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
    return result.stdout.trim()
  }

  async function attachLoop(name: string): Promise<string> {
    const image = path.join(scratch, `${name}.img`)
    writeFileSync(image, '')
    truncateSync(image, IMAGE_BYTES)
    const loop = await must(['losetup', '--find', '--show', image])
    loops.push(loop)
    return loop
  }

  function lvmConf(devices: string[]): string {
    const accept = devices.map((device) => `"a|^${device}$|"`).join(', ')
    return [
      'devices {',
      `\tglobal_filter = [ ${accept}, "r|.*|" ]`,
      '\thints = "none"',
      '\tuse_devicesfile = 0',
      '}',
      'global {',
      `\tlocking_dir = "${lvmDir}/lock"`,
      '}',
      '',
    ].join('\n')
  }

  function engineFor(runner: CommandRunner, options: Partial<InitOptions>) {
    const context = (): InitContext => ({
      host: live,
      machine: live,
      facts: gatherFacts(live),
      profile: profileFor({family: 'debian', id: 'debian', versionId: '12'})!,
      options: {dom0MemMiB: 2048, dom0MaxVcpus: '1-2', uplink: null, vgDevice: null, vgName: vgNames[0], forceWipe: false, trialBoot: false, steps: ['lvm'], offline: false, applyNetwork: false, revertAfter: 120, ...options},
      probe: runner,
    })
    return new Engine<InitContext>(live, runner, new Journal(new Host(scratch), 'lvm-loop'), context)
  }

  async function blkidType(device: string): Promise<string> {
    return (await sh.run(['blkid', '--probe', '--output', 'value', '--match-tag', 'TYPE', device])).stdout.trim()
  }

  async function vgOf(device: string): Promise<string> {
    return must(['pvs', '--noheadings', '--options', 'vg_name', device], lvmEnv)
  }

  let blank: string
  let ext4: string
  let mounted: string
  const step = () => createLvmStep(lvmDir)

  beforeAll(async () => {
    etcLvmBefore = listTree('/etc/lvm')
    scratch = mkdtempSync(path.join(tmpdir(), 'xensetup-lvm-loop-'))
    lvmDir = path.join(scratch, 'lvm')
    mountPoint = path.join(scratch, 'mnt')
    mkdirSync(path.join(lvmDir, 'lock'), {recursive: true})
    mkdirSync(mountPoint)
    lvmEnv = {LVM_SYSTEM_DIR: lvmDir, LVM_SUPPRESS_FD_WARNINGS: '1'}
    blank = await attachLoop('blank')
    ext4 = await attachLoop('ext4')
    mounted = await attachLoop('mounted')
    writeFileSync(path.join(lvmDir, 'lvm.conf'), lvmConf(loops))
    await must(['mkfs.ext4', '-q', ext4])
    await must(['mkfs.ext4', '-q', mounted])
    await must(['mount', mounted, mountPoint])
  }, SLOW)

  afterAll(async () => {
    if (!scratch) return
    await sh.run(['umount', mountPoint])
    for (const vg of vgNames) await sh.run(['vgremove', '--force', vg], {env: lvmEnv})
    for (const loop of loops) await sh.run(['pvremove', '--yes', loop], {env: lvmEnv})
    for (const loop of loops) await sh.run(['losetup', '--detach', loop])
    rmSync(scratch, {recursive: true, force: true})
  }, SLOW)

  test(
    'a blank device: pvcreate and vgcreate really run, then the re-plan is empty and runs nothing',
    async () => {
      const runner = new CountingRunner()
      const report = await engineFor(runner, {vgDevice: blank}).applyStep(step())
      expect(report).toMatchObject({status: 'changed', state: `${vgNames[0]} on ${blank}`})
      expect(report.changes.map((change) => change.kind === 'command' && change.argv[0])).toEqual(['pvcreate', 'vgcreate'])
      expect(await vgOf(blank)).toBe(vgNames[0])
      expect(existsSync(path.join(lvmDir, 'backup', vgNames[0]))).toBe(true)

      const again = new CountingRunner()
      expect(await engineFor(again, {vgDevice: blank}).planStep(step())).toMatchObject({status: 'unchanged', state: `${vgNames[0]} on ${blank}`})
      expect(again.calls).toEqual([])
    },
    SLOW,
  )

  test(
    'an ext4 device is refused and left as it is; with --force-wipe it is wiped and used',
    async () => {
      const refused = new CountingRunner()
      const [report] = await engineFor(refused, {vgDevice: ext4, vgName: vgNames[1]}).plan([step()])
      expect(report.status).toBe('failed')
      expect(report.error).toMatch(new RegExp(`^--vg-device ${ext4} is not blank: it carries ext4 \\(UUID [-0-9a-f]+\\); .*--force-wipe`))
      expect(refused.calls).toEqual([['wipefs', '--no-act', '--json', ext4]])
      expect(await blkidType(ext4)).toBe('ext4')

      const report2 = await engineFor(new CountingRunner(), {vgDevice: ext4, vgName: vgNames[1], forceWipe: true}).applyStep(step())
      expect(report2.status).toBe('changed')
      expect(report2.changes.map((change) => change.kind === 'command' && change.argv.join(' '))).toEqual([
        `wipefs --all ${ext4}`,
        `pvcreate ${ext4}`,
        `vgcreate --autobackup y ${vgNames[1]} ${ext4}`,
      ])
      expect(await blkidType(ext4)).toBe('LVM2_member')
      expect(await vgOf(ext4)).toBe(vgNames[1])
    },
    SLOW,
  )

  test(
    'a mounted device is refused, even with --force-wipe, and nothing is probed',
    async () => {
      const runner = new CountingRunner()
      const [report] = await engineFor(runner, {vgDevice: mounted, vgName: 'xsmounted', forceWipe: true}).plan([step()])
      expect(report).toMatchObject({status: 'failed', error: expect.stringContaining(`${mounted} is mounted on ${mountPoint}`)})
      expect(runner.calls).toEqual([])
      expect(await blkidType(mounted)).toBe('ext4')
    },
    SLOW,
  )

  test('nothing was written under /etc/lvm of this machine', () => {
    expect(listTree('/etc/lvm')).toEqual(etcLvmBefore)
  })
})

function listTree(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true, encoding: 'utf8'}).sort()
}
