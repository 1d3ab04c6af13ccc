import {afterEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {profileFor} from '../../../src/distros/profile.js'
import {Engine} from '../../../src/engine/engine.js'
import {Journal} from '../../../src/engine/journal.js'
import {StepFailure, type StepPlan} from '../../../src/engine/step.js'
import {gatherFacts} from '../../../src/facts/index.js'
import {Host} from '../../../src/host/host.js'
import type {InitContext, InitOptions} from '../../../src/steps/context.js'
import {createLvmStep, lvmStep} from '../../../src/steps/lvm.js'
import {lvmFixture} from '../../fixtures/lvm/load.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {makeTree, removeTree, writeTreeFile} from '../../lib/tree.js'

const GIB_SECTORS = String(2 * 1024 * 1024)
const PV0_UUID = 'oux2jJ-P55x-nFqf-fOtM-dOnn-qqah-KMbFpr'
const LVM_ENV = {LVM_SYSTEM_DIR: '/etc/lvm', LVM_SUPPRESS_FD_WARNINGS: '1'}

/**
 * A machine as sysfs, procfs and /dev show it: vda holds / (vda1) and swap (vda2) and has a spare vda3;
 * sdb is blank; sdc has a mounted sdc1; sdd is held by dm-0; sde is swap; sdf holds /boot; sdg is read-only;
 * loop1 is an attached loop device. /dev nodes are empty files here.
 */
const MACHINE: Record<string, string> = {
  '/proc/mounts': 'sysfs /sys sysfs rw 0 0\n/dev/vda1 / ext4 rw,relatime 0 0\n/dev/sdf1 /boot ext4 rw 0 0\n/dev/sdc1 /srv/data ext4 rw 0 0\n',
  '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/vda2 partition\t1048572\t0\t-2\n/dev/sde disk\t1048572\t0\t-3\n',
  ...disk('vda', ['vda1', 'vda2', 'vda3']),
  ...disk('sdb'),
  ...disk('sdc', ['sdc1']),
  ...disk('sdd'),
  '/sys/block/sdd/holders/dm-0': '',
  ...disk('sde'),
  ...disk('sdf', ['sdf1']),
  ...disk('sdg'),
  '/sys/block/sdg/ro': '1\n',
  ...disk('loop1'),
  '/dev/mapper/control': '',
}

function disk(name: string, partitions: string[] = []): Record<string, string> {
  const files: Record<string, string> = {[`/sys/block/${name}/size`]: `${GIB_SECTORS}\n`, [`/dev/${name}`]: ''}
  for (const partition of partitions) {
    files[`/sys/block/${name}/${partition}/partition`] = `${partition.at(-1)}\n`
    files[`/sys/block/${name}/${partition}/size`] = '204800\n'
    files[`/dev/${partition}`] = ''
  }
  return files
}

const DEFAULTS: InitOptions = {
  dom0MemMiB: 2048,
  dom0MaxVcpus: '1-2',
  uplink: null,
  vgDevice: '/dev/sdb',
  vgName: 'vg0',
  forceWipe: false,
  trialBoot: false,
  steps: ['lvm'],
  offline: false,
  applyNetwork: false,
  revertAfter: 120,
}

const trees: string[] = []
afterEach(() => trees.splice(0).forEach(removeTree))

function machine(extra: Record<string, string> = {}, links: Record<string, string> = {}): string {
  const root = makeTree({...MACHINE, ...extra})
  for (const [link, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(root, link)), {recursive: true})
    symlinkSync(target, path.join(root, link))
  }
  trees.push(root)
  return root
}

function contextFor(root: string, runner: FakeRunner, options: Partial<InitOptions> = {}): InitContext {
  const host = new Host(root)
  const facts = gatherFacts(host)
  return {host, machine: host, facts, profile: profileFor({family: 'debian', id: 'debian', versionId: '12'})!, options: {...DEFAULTS, ...options}, probe: runner}
}

/** Answers the read-only probes the step may run, as the real tools print them. */
function probes(device: string, wipefs: string, pvs?: {stdout?: string; stderr?: string; exitCode?: number}): FakeRunner {
  return new FakeRunner({
    [`wipefs --no-act --json ${device}`]: {stdout: lvmFixture(wipefs)},
    ...(pvs ? {[`pvs --noheadings --options vg_name ${device}`]: pvs} : {}),
  })
}

async function plan(root: string, runner: FakeRunner, options: Partial<InitOptions> = {}): Promise<StepPlan> {
  return lvmStep.plan(contextFor(root, runner, options))
}

async function refusal(root: string, runner: FakeRunner, options: Partial<InitOptions> = {}): Promise<string> {
  const failure = await plan(root, runner, options).then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(failure).toBeInstanceOf(StepFailure)
  return (failure as StepFailure).message
}

function argvs(result: StepPlan): string[][] {
  return 'changes' in result ? result.changes.map((change) => (change.kind === 'command' ? change.argv : [change.path])) : []
}

describe('lvm step: is the group there?', () => {
  test('skips without --vg-device, spawning nothing', async () => {
    const runner = new FakeRunner()
    expect(await plan(machine(), runner, {vgDevice: null})).toEqual({skip: 'no --vg-device given'})
    expect(runner.calls).toEqual([])
  })

  test('converged: the metadata backup lists the device; nothing is spawned', async () => {
    const root = machine({'/etc/lvm/backup/vg0': lvmFixture('backup-vg0-one-pv')})
    const runner = new FakeRunner()
    expect(await plan(root, runner, {vgDevice: '/dev/loop1'})).toEqual({changes: [], state: 'vg0 on /dev/loop1'})
    expect(runner.calls).toEqual([])
  })

  test('converged when the device is given by a stable /dev/disk/by-id name', async () => {
    const root = machine({'/etc/lvm/backup/vg0': lvmFixture('backup-vg0-one-pv')}, {'/dev/disk/by-id/virtio-guests': '../../loop1'})
    const runner = new FakeRunner()
    expect(await plan(root, runner, {vgDevice: '/dev/disk/by-id/virtio-guests'})).toEqual({changes: [], state: 'vg0 on /dev/disk/by-id/virtio-guests'})
    expect(runner.calls).toEqual([])
  })

  test("udev's link by PV UUID wins over the backup's device hint: the disk was renamed to sdb", async () => {
    const root = machine({'/etc/lvm/backup/vg0': lvmFixture('backup-vg0-one-pv')}, {[`/dev/disk/by-id/lvm-pv-uuid-${PV0_UUID}`]: '../../sdb'})
    expect(await plan(root, new FakeRunner())).toEqual({changes: [], state: 'vg0 on /dev/sdb'})
    expect(await refusal(root, new FakeRunner(), {vgDevice: '/dev/loop1'})).toMatch(/vg0 already exists on \/dev\/sdb/)
  })

  test('any PV of a group that spans several devices counts', async () => {
    const root = machine({'/etc/lvm/backup/vg0': lvmFixture('backup-vg0-two-pvs'), ...disk('loop2')})
    expect(await plan(root, new FakeRunner(), {vgDevice: '/dev/loop2'})).toMatchObject({changes: []})
  })

  test('reads the backup where lvm.conf puts backup_dir', async () => {
    const root = machine({'/etc/lvm/lvm.conf': lvmFixture('lvm.conf'), '/srv/lvm/backup/vg0': lvmFixture('backup-vg0-one-pv')})
    expect(await plan(root, new FakeRunner(), {vgDevice: '/dev/loop1'})).toMatchObject({changes: [], state: 'vg0 on /dev/loop1'})
  })

  test('a backup directory it may not read (a dry run without root) is a failure, not a crash', async () => {
    const root = machine()
    const host = new (class extends Host {
      override read(target: string): string | undefined {
        if (target === '/etc/lvm/backup/vg0') throw Object.assign(new Error('permission denied'), {code: 'EACCES'})
        return super.read(target)
      }
    })(root)
    const failure = lvmStep.plan({...contextFor(root, new FakeRunner()), host})
    await expect(failure).rejects.toThrow(StepFailure)
    await expect(failure).rejects.toThrow('cannot read /etc/lvm/backup/vg0 (EACCES): run as root to see whether the volume group exists')
  })

  test('the name is taken by a group on other devices: refused, pointing at --vg-name, nothing probed', async () => {
    const root = machine({'/etc/lvm/backup/vg0': lvmFixture('backup-vg0-two-pvs')})
    const runner = new FakeRunner()
    const message = await refusal(root, runner)
    expect(message).toBe(
      'volume group vg0 already exists on /dev/loop1, /dev/loop2 (/etc/lvm/backup/vg0), not on /dev/sdb; choose another name with --vg-name, or give --vg-device /dev/loop1 to keep that group',
    )
    expect(runner.calls).toEqual([])
  })

  test('another name is free on the same machine', async () => {
    const root = machine({'/etc/lvm/backup/vg0': lvmFixture('backup-vg0-two-pvs')})
    expect(argvs(await plan(root, probes('/dev/sdb', 'wipefs-none.json'), {vgName: 'guests'}))).toEqual([
      ['pvcreate', '/dev/sdb'],
      ['vgcreate', '--autobackup', 'y', 'guests', '/dev/sdb'],
    ])
  })
})

describe('lvm step: refuses a device that is in use, before probing it', () => {
  test.each([
    ['/dev/sdz', /^--vg-device \/dev\/sdz does not exist; list the disks with lsblk/],
    ['/dev/mapper/control', /^--vg-device \/dev\/mapper\/control is not a disk, partition or attached loop device listed in \/sys\/block/],
    ['/dev/vda', /^--vg-device \/dev\/vda is the disk that holds the running system \(\/\); .* create the VG on a spare partition yourself/],
    ['/dev/vda3', /^--vg-device \/dev\/vda3 is a partition of \/dev\/vda, the disk that holds the running system \(\/\)/],
    ['/dev/sdf', /^--vg-device \/dev\/sdf is the disk that holds the boot files/],
    ['/dev/sdc', /^--vg-device \/dev\/sdc is in use: \/dev\/sdc1 is mounted on \/srv\/data\. Free it first/],
    ['/dev/sdc1', /^--vg-device \/dev\/sdc1 is in use: \/dev\/sdc1 is mounted on \/srv\/data\./],
    ['/dev/sde', /^--vg-device \/dev\/sde is in use: \/dev\/sde is active swap\./],
    ['/dev/sdd', /^--vg-device \/dev\/sdd is in use: \/dev\/sdd is held by \/dev\/dm-0 \(an active LVM, dm-crypt, multipath or md RAID device on top of it\)/],
    ['/dev/sdg', /^--vg-device \/dev\/sdg is read-only/],
  ])('%s', async (device, message) => {
    const runner = new FakeRunner()
    expect(await refusal(machine(), runner, {vgDevice: device, forceWipe: true})).toMatch(message)
    expect(runner.calls).toEqual([])
  })

  test('names the disk a by-id link resolves to', async () => {
    const root = machine({}, {'/dev/disk/by-id/ata-SYSTEM': '../../vda'})
    expect(await refusal(root, new FakeRunner(), {vgDevice: '/dev/disk/by-id/ata-SYSTEM'})).toMatch(/^--vg-device \/dev\/disk\/by-id\/ata-SYSTEM \(\/dev\/vda\) is the disk that holds/)
  })
})

/** What vgcreate declares it writes: the journal backs them up and records them, a rollback removes them. */
const LVM_METADATA = {rewrites: ['/etc/lvm/backup/vg0'], creates: ['/etc/lvm/archive']}

describe('lvm step: what the device carries', () => {
  test('blank: pvcreate then vgcreate, with LVM pointed at its system dir and told to keep quiet', async () => {
    const runner = probes('/dev/sdb', 'wipefs-none.json')
    const result = await plan(machine(), runner)
    expect(result).toEqual({
      changes: [
        {kind: 'command', argv: ['pvcreate', '/dev/sdb'], why: 'make /dev/sdb an LVM physical volume', env: LVM_ENV},
        {kind: 'command', argv: ['vgcreate', '--autobackup', 'y', 'vg0', '/dev/sdb'], why: 'create volume group vg0 for guest disks', env: LVM_ENV, ...LVM_METADATA},
      ],
    })
    expect(runner.calls).toEqual([['wipefs', '--no-act', '--json', '/dev/sdb']])
  })

  test('a file system without --force-wipe: refused with what is on it, nothing planned', async () => {
    const message = await refusal(machine(), probes('/dev/sdb', 'wipefs-ext4.json'))
    expect(message).toBe(
      '--vg-device /dev/sdb is not blank: it carries ext4 (label "guests", UUID 143b646f-1ee0-4bd4-844d-df82d693275e); make sure nothing on it is needed, then re-run with --force-wipe to erase it, or give another --vg-device',
    )
  })

  test('a partition table without --force-wipe: refused', async () => {
    expect(await refusal(machine(), probes('/dev/sdb', 'wipefs-gpt.json'))).toMatch(/it carries gpt, PMBR; .*--force-wipe/)
  })

  test('--force-wipe: wipefs --all first, then pvcreate and vgcreate', async () => {
    const result = await plan(machine(), probes('/dev/sdb', 'wipefs-ext4.json'), {forceWipe: true})
    expect(argvs(result)).toEqual([
      ['wipefs', '--all', '/dev/sdb'],
      ['pvcreate', '/dev/sdb'],
      ['vgcreate', '--autobackup', 'y', 'vg0', '/dev/sdb'],
    ])
    expect('changes' in result && result.changes[0]).toMatchObject({why: 'erase ext4 (label "guests", UUID 143b646f-1ee0-4bd4-844d-df82d693275e) (--force-wipe)'})
  })

  test('a PV in no group is reused: only vgcreate', async () => {
    const runner = probes('/dev/sdb', 'wipefs-lvm2-member.json', {stdout: '    \n'})
    expect(argvs(await plan(machine(), runner))).toEqual([['vgcreate', '--autobackup', 'y', 'vg0', '/dev/sdb']])
    expect(runner.calls.at(-1)).toEqual(['pvs', '--noheadings', '--options', 'vg_name', '/dev/sdb'])
  })

  test('a PV of another group: refused with that group, wiped only with --force-wipe', async () => {
    const runner = () => probes('/dev/sdb', 'wipefs-lvm2-member.json', {stdout: '  data\n'})
    expect(await refusal(machine(), runner())).toBe(
      '--vg-device /dev/sdb is not blank: it carries a physical volume of volume group data; pass --vg-name data to use that group as it is, or re-run with --force-wipe to destroy it',
    )
    expect(argvs(await plan(machine(), runner(), {forceWipe: true}))[0]).toEqual(['wipefs', '--all', '/dev/sdb'])
  })

  test('a PV of this group whose backup is missing: vgcfgbackup writes the proof', async () => {
    const result = await plan(machine(), probes('/dev/sdb', 'wipefs-lvm2-member.json', {stdout: '  vg0\n'}))
    expect('changes' in result && result.changes).toEqual([
      {kind: 'command', argv: ['vgcfgbackup', 'vg0'], why: "record vg0's metadata backup, which xensetup reads to see the group", env: LVM_ENV, ...LVM_METADATA},
    ])
  })

  test('a PV label LVM cannot read: refused with what LVM said', async () => {
    const pvs = {exitCode: 5, stderr: '  Failed to find physical volume "/dev/sdb".'}
    expect(await refusal(machine(), probes('/dev/sdb', 'wipefs-lvm2-member.json', pvs))).toMatch(
      /carries an LVM physical volume label that LVM cannot read \(Failed to find physical volume "\/dev\/sdb"\.\); .*--force-wipe/,
    )
  })

  test('wipefs failing (e.g. a dry run without root) is a failure that quotes it', async () => {
    const runner = new FakeRunner({'wipefs --no-act --json /dev/sdb': {exitCode: 1, stderr: 'wipefs: error: /dev/sdb: probing initialization failed: Permission denied'}})
    expect(await refusal(machine(), runner)).toBe(
      'cannot look for signatures on /dev/sdb: wipefs --no-act --json /dev/sdb failed: wipefs: error: /dev/sdb: probing initialization failed: Permission denied',
    )
  })
})

describe('lvm step through the engine', () => {
  test('applies pvcreate and vgcreate; the re-plan reads the backup vgcreate wrote and spawns nothing', async () => {
    const root = machine()
    const backup = lvmFixture('backup-vg0-one-pv').replaceAll('/dev/loop1', '/dev/sdb')
    const runner = new FakeRunner({
      'wipefs --no-act --json /dev/sdb': {stdout: lvmFixture('wipefs-none.json')},
      'vgcreate --autobackup y vg0 /dev/sdb': {effect: () => writeTreeFile(root, '/etc/lvm/backup/vg0', backup)},
    })
    const host = new Host(root)
    const engine = new Engine<InitContext>(host, runner, new Journal(host, 'run-1'), () => contextFor(root, runner))
    const report = await engine.applyStep(lvmStep)
    expect(report).toMatchObject({status: 'changed', state: 'vg0 on /dev/sdb'})
    expect(runner.calls.map((argv) => argv[0])).toEqual(['wipefs', 'pvcreate', 'vgcreate'])

    const again = new FakeRunner()
    const rerun = new Engine<InitContext>(host, again, new Journal(host, 'run-2'), () => contextFor(root, again))
    expect(await rerun.applyStep(lvmStep)).toMatchObject({status: 'unchanged', state: 'vg0 on /dev/sdb'})
    expect(again.calls).toEqual([])
  })

  test('another LVM system dir is read by the plan and handed to the commands', async () => {
    const root = machine({'/tmp/lvm-scratch/backup/vg0': lvmFixture('backup-vg0-one-pv')})
    const step = createLvmStep('/tmp/lvm-scratch')
    expect(await step.plan(contextFor(root, new FakeRunner(), {vgDevice: '/dev/loop1'}))).toMatchObject({changes: []})
    const fresh = await step.plan(contextFor(root, probes('/dev/sdb', 'wipefs-none.json'), {vgName: 'guests'}))
    expect('changes' in fresh && fresh.changes.map((change) => change.kind === 'command' && change.env)).toEqual([
      {LVM_SYSTEM_DIR: '/tmp/lvm-scratch', LVM_SUPPRESS_FD_WARNINGS: '1'},
      {LVM_SYSTEM_DIR: '/tmp/lvm-scratch', LVM_SUPPRESS_FD_WARNINGS: '1'},
    ])
  })
})
