import {afterEach, describe, expect, test} from '@jest/globals'
import {existsSync} from 'node:fs'
import path from 'node:path'
import Init from '../../../src/commands/init.js'
import type {CommandChange} from '../../../src/engine/change.js'
import {Engine} from '../../../src/engine/engine.js'
import {JOURNAL, Journal} from '../../../src/engine/journal.js'
import {type StepPlan, StepFailure} from '../../../src/engine/step.js'
import {Host} from '../../../src/host/host.js'
import {bootStep} from '../../../src/steps/boot.js'
import {packagesStep} from '../../../src/steps/packages.js'
import {xenfsStep} from '../../../src/steps/xenfs.js'
import {runCommand} from '../../lib/cli.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {contextFor, GRUB_INSTALLED} from '../../lib/init-context.js'
import {makeTree, removeTree, snapshot} from '../../lib/tree.js'

const DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n'

/** A Debian 12 machine as init needs it, without GRUB unless given. */
function debian(extra: Record<string, string> = {}): Record<string, string> {
  return {
    '/etc/os-release': DEBIAN_12,
    '/proc/meminfo': 'MemTotal:        8167500 kB\nMemFree:         6000000 kB\n',
    '/proc/cpuinfo': 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx ept\n\n',
    '/proc/net/route': 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n',
    '/sys/class/net/eth0/address': '52:54:00:12:34:56\n',
    '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n',
    ...extra,
  }
}

/** The tool but no GRUB directory under /boot: grub-mkconfig present, grub-install never run. */
const TOOL_ONLY = {'/usr/sbin/grub-mkconfig': '', '/usr/sbin/grub-set-default': ''}

const XEN_PACKAGES = ['xen-system-amd64', 'qemu-system-xen']

function dpkgStatus(packages: Array<[string, string]>): string {
  return packages.map(([name, status]) => `Package: ${name}\nStatus: ${status}\nVersion: 1.0-1\nDescription: ${name}\n a package\n`).join('\n')
}

const installed = (names: string[]) => names.map((name): [string, string] => [name, 'install ok installed'])

const argvs = (plan: StepPlan) => ('changes' in plan ? plan.changes.filter((c): c is CommandChange => c.kind === 'command').map((c) => c.argv) : [])

let root: string
afterEach(() => {
  if (root) removeTree(root)
})

describe('boot: GRUB must be there before anything is installed', () => {
  test('a Debian tree without grub-mkconfig: the plan fails naming the tool and --skip boot', async () => {
    root = makeTree(debian({'/boot/grub/i386-pc/normal.mod': '', '/usr/sbin/grub-set-default': ''}))
    const plan = bootStep.plan(contextFor(root, {steps: ['packages', 'boot']}))
    await expect(plan).rejects.toBeInstanceOf(StepFailure)
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(new RegExp(`^grub-mkconfig is not installed in ${root}.*--skip boot`))
  })

  test('grub-mkconfig without grub-set-default (or grub-reboot for --trial-boot): the plan fails naming the missing tool', async () => {
    root = makeTree(debian({'/usr/sbin/grub-mkconfig': '', '/usr/sbin/grub-reboot': '', '/boot/grub/i386-pc/normal.mod': ''}))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(new RegExp(`^grub-set-default is not installed in ${root}`))
    await expect(bootStep.plan(contextFor(root, {trialBoot: true}))).resolves.toMatchObject({changes: expect.any(Array)})
  })

  test('grub-mkconfig in /usr/sbin but no /boot/grub: the plan fails naming the missing directory', async () => {
    root = makeTree(debian(TOOL_ONLY))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(new RegExp(`^${root}/boot/grub does not exist: .*grub-install.*--skip boot`))
  })

  test('/boot/grub as a plain file is not a GRUB directory either', async () => {
    root = makeTree(debian({...TOOL_ONLY, '/boot/grub': 'not a directory\n'}))
    await expect(bootStep.plan(contextFor(root))).rejects.toThrow(/\/boot\/grub does not exist/)
  })

  test.each(['/usr/local/sbin', '/usr/bin', '/sbin', '/bin'])('grub-mkconfig found in %s counts too', async (dir) => {
    root = makeTree(debian({[`${dir}/grub-mkconfig`]: '', [`${dir}/grub-set-default`]: '', '/boot/grub/i386-pc/normal.mod': ''}))
    const plan = await bootStep.plan(contextFor(root))
    expect(argvs(plan)).toEqual([['grub-mkconfig', '-o', '/boot/grub/grub.cfg']])
  })

  test('through the engine: boot is failed while packages is still only pending, nothing run, nothing written', async () => {
    root = makeTree(debian(TOOL_ONLY))
    const before = snapshot(root)
    const host = new Host(root)
    const runner = new FakeRunner()
    // One runner for the engine and the steps' probes: planning must run nothing through either.
    const engine = new Engine(host, runner, new Journal(host, 'run-1'), () => contextFor(root, {steps: ['packages', 'boot']}, runner))
    const reports = await engine.plan([packagesStep, bootStep])
    expect(reports.map((r) => [r.id, r.status])).toEqual([
      ['packages', 'pending'],
      ['boot', 'failed'],
    ])
    expect(reports[1].error).toMatch(/\/boot\/grub does not exist/)
    expect(runner.calls).toEqual([])
    expect(snapshot(root)).toEqual(before)
  })

  test('through the CLI (--yes, a real run): exit 1, the failure shown, no command run and no file written', async () => {
    root = makeTree(debian())
    const before = snapshot(root)
    const out = await runCommand(Init, ['--root', root, '--yes', '--verbose', '--skip', 'bridge'])
    expect(out.exitCode).toBe(1)
    expect(out.stdout).toMatch(/^! boot: .*\n {4}cannot plan: grub-mkconfig and grub-set-default are not installed in .*--skip boot/m)
    expect(out.stdout).toMatch(/^\* packages: /m)
    expect(out.stdout).toMatch(/boot cannot be done as asked: nothing will be applied until that is fixed\./)
    expect(out.stdout).not.toMatch(/Nothing to do/)
    // --verbose shows every command as it runs: none did.
    expect(out.stderr).not.toMatch(/^\$ /m)
    expect(snapshot(root)).toEqual(before)
    expect(existsSync(path.join(root, JOURNAL))).toBe(false)
  })

  test('through the CLI with --json: one document, result failed, boot failed, packages pending', async () => {
    root = makeTree(debian(TOOL_ONLY))
    const before = snapshot(root)
    const out = await runCommand(Init, ['--root', root, '--yes', '--json', '--skip', 'bridge'])
    expect(out.exitCode).toBe(1)
    const document = JSON.parse(out.stdout)
    expect(document).toMatchObject({mode: 'apply', result: 'failed', run: null})
    expect(document.steps.find((s: {id: string}) => s.id === 'boot')).toMatchObject({status: 'failed', error: expect.stringMatching(/boot\/grub does not exist/)})
    expect(document.steps.find((s: {id: string}) => s.id === 'packages')).toMatchObject({status: 'pending'})
    expect(snapshot(root)).toEqual(before)
  })
})

describe('xenfs: no hand-made xl.conf before Xen is installed', () => {
  test('--only xenfs on a tree without Xen fails naming xl.conf and the packages step, writes nothing', async () => {
    root = makeTree(debian({...GRUB_INSTALLED}))
    const before = snapshot(root)
    const out = await runCommand(Init, ['--root', root, '--yes', '--only', 'xenfs'])
    expect(out.exitCode).toBe(1)
    expect(out.stdout).toMatch(new RegExp(`! xenfs: .*\\n {4}cannot plan: Xen is not installed, so there is no packaged ${root}/etc/xen/xl.conf to edit yet; run init with the packages step`))
    expect(snapshot(root)).toEqual(before)
    expect(existsSync(path.join(root, 'etc/xen'))).toBe(false)
  })

  test('the step itself: a StepFailure without the packages step, a planned edit with it', async () => {
    root = makeTree(debian({...GRUB_INSTALLED}))
    const context = contextFor(root, {steps: ['xenfs']})
    expect(() => xenfsStep.plan(context)).toThrow(StepFailure)
    expect(() => xenfsStep.plan(context)).toThrow(/xl\.conf.*packages step/)
    const withPackages = await xenfsStep.plan(contextFor(root, {steps: ['packages', 'xenfs']}))
    expect('changes' in withPackages && withPackages.changes.map((c) => c.kind === 'file' && c.path)).toEqual(['/etc/xen/xl.conf'])
  })

  test('an existing xl.conf is edited even without the packages step', async () => {
    root = makeTree(debian({...GRUB_INSTALLED, '/etc/xen/xl.conf': '#autoballoon="auto"\n'}))
    const plan = await xenfsStep.plan(contextFor(root, {steps: ['xenfs']}))
    expect('changes' in plan && plan.changes.find((c) => c.kind === 'file' && c.path === '/etc/xen/xl.conf')).toMatchObject({after: 'autoballoon="off"\n'})
  })
})

describe('packages: a package run that was interrupted is finished first', () => {
  test('a half-configured package: dpkg --configure -a before apt-get update and install', async () => {
    root = makeTree(debian({...GRUB_INSTALLED, '/var/lib/dpkg/status': dpkgStatus([['libc6', 'install ok installed'], ['grub-pc', 'install ok half-configured']])}))
    const commands = argvs(await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']})))
    expect(commands.map((argv) => argv.slice(0, 2))).toEqual([
      ['dpkg', '--configure'],
      ['apt-get', 'update'],
      ['apt-get', 'install'],
    ])
    expect(commands[0]).toEqual(['dpkg', '--configure', '-a'])
    expect(commands[2].slice(-2)).toEqual(XEN_PACKAGES)
  })

  test('the reason names the unfinished package', async () => {
    root = makeTree(debian({...GRUB_INSTALLED, '/var/lib/dpkg/status': dpkgStatus([['grub-pc', 'install ok half-configured']])}))
    const plan = await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']}))
    expect('changes' in plan && plan.changes[0]).toMatchObject({kind: 'command', argv: ['dpkg', '--configure', '-a'], why: expect.stringContaining('grub-pc')})
  })

  test('a dpkg updates journal (/var/lib/dpkg/updates/0001): dpkg --configure -a first', async () => {
    root = makeTree(debian({...GRUB_INSTALLED, '/var/lib/dpkg/status': dpkgStatus(installed(['libc6'])), '/var/lib/dpkg/updates/0001': 'Package: libc6\n'}))
    const commands = argvs(await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']})))
    expect(commands[0]).toEqual(['dpkg', '--configure', '-a'])
    expect(commands.at(-1)?.slice(0, 2)).toEqual(['apt-get', 'install'])
  })

  test.each([
    ['a half-configured package', {'/var/lib/dpkg/status': dpkgStatus([...installed(XEN_PACKAGES), ['grub-pc', 'install ok half-configured']])}],
    ['a dpkg updates journal', {'/var/lib/dpkg/status': dpkgStatus(installed(XEN_PACKAGES)), '/var/lib/dpkg/updates/0001': ''}],
  ])('with everything installed and %s: only dpkg --configure -a', async (_case, files) => {
    root = makeTree(debian({...GRUB_INSTALLED, ...files}))
    const commands = argvs(await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']})))
    expect(commands).toEqual([['dpkg', '--configure', '-a']])
  })

  test('everything installed and dpkg finished: nothing to do', async () => {
    root = makeTree(debian({...GRUB_INSTALLED, '/var/lib/dpkg/status': dpkgStatus(installed(XEN_PACKAGES)), '/var/lib/dpkg/updates/tmp.i': ''}))
    const plan = await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']}))
    expect(argvs(plan)).toEqual([])
  })

  test.each(['half-installed', 'unpacked', 'triggers-awaited', 'triggers-pending'])('Status "install ok %s" counts as unfinished too', async (state) => {
    root = makeTree(debian({...GRUB_INSTALLED, '/var/lib/dpkg/status': dpkgStatus([...installed(XEN_PACKAGES), ['initramfs-tools', `install ok ${state}`]])}))
    expect(argvs(await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']})))).toEqual([['dpkg', '--configure', '-a']])
  })

  test('a removed package that kept its config files is not unfinished', async () => {
    root = makeTree(debian({...GRUB_INSTALLED, '/var/lib/dpkg/status': dpkgStatus([...installed(XEN_PACKAGES), ['old', 'deinstall ok config-files']])}))
    expect(argvs(await packagesStep.plan(contextFor(root, {steps: ['packages', 'boot']})))).toEqual([])
  })
})
