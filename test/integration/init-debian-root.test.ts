import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {execFileSync, spawn} from 'node:child_process'
import {appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import Apply from '../../src/commands/apply.js'
import Init from '../../src/commands/init.js'
import {builtCli} from '../lib/built-cli.js'
import {runCommand} from '../lib/cli.js'
import {snapshot} from '../lib/tree.js'
import {asRoot, DebianImage} from './lib/debian-image.js'
import {localUplink} from './lib/root-state.js'
import {guestsOnConfiguredRoot} from './lib/guests-on-root.js'

// Needs root for debootstrap, chroot, mount and losetup; CI runs as root, so there it always runs.
const whenRoot = asRoot ? describe : describe.skip

const MINUTES = 60_000
/**
 * The uplink is named like a NIC of the machine running the test, which facts read through chroot bind
 * mounts used to mistake for the target's: the converged re-run below proves they no longer can.
 */
const UPLINK = localUplink()
const JOURNAL_FILE = 'var/lib/xensetup/journal.jsonl'

interface InitResult {
  result: string
  run: string | null
  notices: string[]
  steps: Array<{id: string; status: string; error: string | null; state: string | null}>
}

whenRoot('init --root on a real Debian 12 root (debootstrap, apt, grub-mkconfig, LVM on a loop device)', () => {
  const image = new DebianImage('bookworm')
  const file = (target: string) => readFileSync(path.join(image.mnt, target), 'utf8')
  const initArgs = () => ['--root', image.mnt, '--yes', '--json', '--uplink', UPLINK, '--dom0-mem', '1024M', '--vg-device', image.vgDevice]
  const init = async (...extra: string[]) => {
    const out = await runCommand(Init, [...initArgs(), ...extra])
    const doc = JSON.parse(out.stdout)
    // An error document instead of a result: show it, so the failing assertion says why.
    if (doc.error) throw new Error(`init ${extra.join(' ')} failed: ${JSON.stringify(doc.error)}`)
    return {...out, doc: doc as InitResult}
  }
  /** Plan files live on the machine running the test, never inside the root. */
  const plans = mkdtempSync(path.join(tmpdir(), 'xensetup-plans-'))
  const keepPlan = async (file: string) => {
    const out = await runCommand(Init, [...initArgs(), '--dry-run', '--out', file])
    expect(out.exitCode).toBe(0)
    expect(JSON.parse(out.stdout)).toMatchObject({result: 'planned', plan: {file, command: 'init'}})
  }
  const applyPlan = (file: string) => runCommand(Apply, ['--root', image.mnt, '--yes', '--json', file])
  const etcAndBoot = () => ['etc', 'boot'].map((dir) => snapshot(path.join(image.mnt, dir)))
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
    rmSync(plans, {recursive: true, force: true})
    image.destroy()
    process.stderr.write(`init on a Debian 12 root, seconds: ${JSON.stringify(timings)}\n`)
  })

  /** The installed CLI as an admin runs it, in its own process: signals go to it, not to jest. */
  const spawnInit = (...extra: string[]) => {
    const child = spawn(process.execPath, [builtCli(), 'init', '--root', image.mnt, '--yes', '--uplink', UPLINK, '--dom0-mem', '1024M', ...extra], {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => child.on('exit', (code) => resolve({code, stdout, stderr})))
    return {child, exited}
  }
  const journalLines = () => (existsSync(path.join(image.mnt, JOURNAL_FILE)) ? journal() : [])
  /**
   * Waits until the run has announced (journaled the intent of) an apt-get command after `from` entries
   * and that command is running in the image. The intent alone is not enough: it is journaled before
   * the command starts, and on a cold machine the gap (policy-rc.d written, the runner loaded) is long.
   */
  const untilAptRuns = async (from: number) => {
    for (let waited = 0; waited < 120_000; waited += 100) {
      const announced = journalLines().slice(from).some((e) => e.kind === 'intent' && /apt-get/.test(e.change))
      if (announced && processesInImage().length > 0) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error('apt-get never started')
  }
  // Commands run in private mount namespaces: the chroot mounts are never visible here.
  const mountsUnderImage = () => readFileSync('/proc/mounts', 'utf8').split('\n').filter((line) => line.split(' ')[1]?.startsWith(`${image.mnt}/`))
  /** Processes whose root directory is the image: a run's commands, alive or left running. */
  const processesInImage = () =>
    readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/root`) === image.mnt
      } catch {
        return false
      }
    })

  test('one run per target: a second run exits 75 at once; SIGINT during apt stops the first with exit 130, journaled', async () => {
    const from = journalLines().length
    const first = spawnInit('--only', 'packages', '--json')
    await untilAptRuns(from)
    expect(mountsUnderImage()).toEqual([])
    const lock = JSON.parse(file('/var/lib/xensetup/lock'))
    expect(lock).toMatchObject({pid: first.child.pid, command: 'init', made: ['/usr/sbin/policy-rc.d']})

    const second = await spawnInit('--only', 'packages').exited
    expect(second.code).toBe(75)
    expect(second.stderr).toMatch(new RegExp(`^xensetup: another xensetup run holds ${image.mnt}/var/lib/xensetup/lock \\(init, pid ${first.child.pid}, `))

    first.child.kill('SIGINT')
    const done = await first.exited
    expect(done.code).toBe(130)
    expect(JSON.parse(done.stdout)).toMatchObject({result: 'interrupted', steps: [{id: 'packages', status: 'interrupted'}]})
    expect(journalLines().at(-1)).toMatchObject({kind: 'run-end', result: 'interrupted', stoppedAt: 'packages'})
    expect(existsSync(path.join(image.mnt, 'var/lib/xensetup/lock'))).toBe(false)
    expect(existsSync(path.join(image.mnt, 'usr/sbin/policy-rc.d'))).toBe(false)
    expect(mountsUnderImage()).toEqual([])
    expect(processesInImage()).toEqual([])
  }, 5 * MINUTES)

  test('a SIGKILLed run leaves no mount and no process; doctor reports its lock and policy-rc.d; the next run removes them', async () => {
    const from = journalLines().length
    const run = spawnInit('--only', 'packages')
    await untilAptRuns(from)
    run.child.kill('SIGKILL')
    await run.exited
    // Its commands die with it (parent-death signals down the chain), and their mounts with them.
    for (let waited = 0; processesInImage().length > 0 && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(processesInImage()).toEqual([])
    expect(mountsUnderImage()).toEqual([])
    expect(existsSync(path.join(image.mnt, 'usr/sbin/policy-rc.d'))).toBe(true)
    const doctor = JSON.parse(execFileSync(process.execPath, [builtCli(), 'doctor', '--root', image.mnt, '--json'], {encoding: 'utf8'}).toString())
    expect(doctor.checks.find((c: {id: string}) => c.id === 'host.xensetup_run')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(new RegExp(`^a killed run left its lock and /usr/sbin/policy-rc.d: init \\(pid ${run.child.pid}, `)),
    })
  }, 5 * MINUTES)

  test('an apt failure stops the run at packages, journaled, and nothing after it runs', async () => {
    // dpkg refuses to run at all: apt downloads, then fails, as on a broken mirror or a full disk.
    const hook = path.join(image.mnt, 'etc/apt/apt.conf.d/99xensetup-test-fail')
    writeFileSync(hook, 'DPkg::Pre-Invoke {"false";};\n')
    try {
      const {doc, exitCode} = await timed('failing run', () => init())
      expect(exitCode).toBe(1)
      expect(doc.result).toBe('failed')
      // The killed run before it: its lock taken over, its policy-rc.d removed, both said and journaled.
      expect(doc.notices).toEqual([expect.stringMatching(/^took over the lock of a run that is gone \(pid \d+, .*\); removed what it left: .*\/usr\/sbin\/policy-rc\.d$/)])
      expect(journal().filter((e) => e.run === doc.run && e.kind === 'cleanup')).toEqual([expect.objectContaining({removed: ['/usr/sbin/policy-rc.d']})])
      expect(statuses(doc)).toMatchObject({packages: 'failed', boot: 'pending', services: 'pending', xenfs: 'pending'})
      expect(doc.steps[0].error).toMatch(/apt-get install .* exited 100/)
      const failed = journal().filter((e) => e.run === doc.run)
      // What a failed install still put in is recorded too (here: nothing), for rollback --packages.
      expect(failed.slice(-3)).toMatchObject([{step: 'packages', kind: 'command', exitCode: 100}, {step: 'packages', kind: 'packages', installed: []}, {kind: 'run-end'}])
      expect(failed.at(-1)).toMatchObject({kind: 'run-end', result: 'failed', stoppedAt: 'packages'})
      expect(file('/var/lib/dpkg/status')).not.toMatch(/Package: xen-system-amd64\nStatus: install ok installed/)
    } finally {
      rmSync(hook)
    }
  }, 20 * MINUTES)

  test('a kept plan is refused (exit 5) when a file it read changed since, or when the plan file was edited; nothing changes', async () => {
    const plan = path.join(plans, 'refused.json')
    await keepPlan(plan)
    const grub = path.join(image.mnt, 'etc/default/grub')
    const original = readFileSync(grub, 'utf8')
    appendFileSync(grub, '# a comment added after the plan was made\n')
    const before = etcAndBoot()
    const drifted = await applyPlan(plan)
    expect(drifted.exitCode).toBe(5)
    expect(JSON.parse(drifted.stdout)).toMatchObject({result: 'failed', run: null, drift: [{path: '/etc/default/grub', facet: 'content'}]})
    expect(etcAndBoot()).toEqual(before)
    writeFileSync(grub, original)

    const unchanged = etcAndBoot()
    writeFileSync(plan, readFileSync(plan, 'utf8').replace(/"why": "(.)/, (_, first: string) => `"why": "${first === 'x' ? 'y' : 'x'}`))
    const edited = await applyPlan(plan)
    expect(edited.exitCode).toBe(5)
    expect(JSON.parse(edited.stdout)).toEqual({error: {message: `${plan} was edited after it was made: its digest does not match its content`, hint: expect.any(String), exitCode: 5}})
    expect(etcAndBoot()).toEqual(unchanged)
  }, 5 * MINUTES)

  test('the re-run finishes what a killed dpkg left, then installs and configures everything for real', async () => {
    // A package left half-configured, as a dpkg killed in its postinst leaves it: apt would refuse to run.
    const status = path.join(image.mnt, 'var/lib/dpkg/status')
    writeFileSync(status, readFileSync(status, 'utf8').replace(/(Package: adduser\nStatus: install ok) installed/, '$1 half-configured'))
    expect(file('/var/lib/dpkg/status')).toMatch(/Package: adduser\nStatus: install ok half-configured/)
    // Made as a kept plan, reviewed, then applied exactly: the converged re-run below proves it complete.
    const plan = path.join(plans, 'init.json')
    await keepPlan(plan)
    const {doc, exitCode} = await timed('first full run', async () => {
      const out = await applyPlan(plan)
      const applied = JSON.parse(out.stdout)
      if (applied.error) throw new Error(`apply failed: ${JSON.stringify(applied.error)}`)
      expect(applied).toMatchObject({plan: {file: plan, command: 'init'}, drift: []})
      return {...out, doc: applied as InitResult}
    })
    expect(journal().filter((e) => e.run === doc.run && e.kind === 'command')[0]).toMatchObject({argv: ['dpkg', '--configure', '-a'], exitCode: 0})
    expect(file('/var/lib/dpkg/status')).toMatch(/Package: adduser\nStatus: install ok installed/)
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
    // The uplink's name is this machine's own NIC: what the tree says was written, never this machine's MAC.
    const localMac = readFileSync(`/sys/class/net/${UPLINK}/address`, 'utf8').trim()
    expect(file('/etc/network/interfaces')).not.toContain(localMac)
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

  // The configured root is where guests are made: the same image, after the converged run above.
  guestsOnConfiguredRoot(image)
})
