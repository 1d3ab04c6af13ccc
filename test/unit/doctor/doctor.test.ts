import {describe, expect, test} from '@jest/globals'
import {cpSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import Doctor from '../../../src/commands/doctor.js'
import {CATALOGUE} from '../../../src/doctor/catalogue.js'
import type {CheckStatus} from '../../../src/doctor/check.js'
import {runDoctor} from '../../../src/doctor/run-doctor.js'
import type {DoctorReport} from '../../../src/doctor/report.js'
import {runCommand} from '../../lib/cli.js'
import {makeTree, removeTree, writeTreeFile} from '../../lib/tree.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/roots/${name}`, import.meta.url))
const doctor = (name: string) => runDoctor({root: fixture(name), verbose: false})
const statuses = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]))
const check = (report: DoctorReport, id: string) => report.checks.find((c) => c.id === id)

/** Per fixture machine: its state, exit code, and every check that does not pass (the rest must pass or skip). */
const EXPECTED: Record<string, {state: string; exitCode: number; problems: Record<string, CheckStatus>}> = {
  'debian-12': {state: 'installed', exitCode: 0, problems: {'xen.running': 'warn', 'network.bridge': 'warn'}},
  'debian-13': {state: 'dom0', exitCode: 0, problems: {'guests.vnc_open': 'warn'}},
  'opensuse-leap-15.6': {state: 'dom0', exitCode: 0, problems: {}},
  gentoo: {
    state: 'installed',
    exitCode: 1,
    problems: {'boot.default_is_xen': 'fail', 'boot.dom0_mem': 'warn', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'legacy.xend_rules': 'warn', 'network.bridge': 'warn'},
  },
  'alpine-3.20': {
    state: 'installed',
    exitCode: 1,
    problems: {'cpu.iommu': 'warn', 'boot.loader': 'pass', 'boot.default_is_xen': 'fail', 'boot.dom0_mem': 'warn', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'network.bridge': 'warn'},
  },
  arch: {
    state: 'bare',
    exitCode: 0,
    problems: {'cpu.virtualization': 'warn', 'cpu.slat': 'skip', 'cpu.iommu': 'warn', 'boot.loader': 'warn', 'xen.installed': 'warn', 'memory.host': 'warn', 'network.bridge': 'warn'},
  },
  'ubuntu-22.04': {state: 'bare', exitCode: 0, problems: {'cpu.virtualization': 'warn', 'cpu.slat': 'skip', 'xen.installed': 'warn', 'network.bridge': 'warn'}},
  'ubuntu-24.04': {
    state: 'bare',
    exitCode: 0,
    problems: {'host.nested': 'warn', 'cpu.virtualization': 'warn', 'cpu.slat': 'skip', 'cpu.iommu': 'warn', 'xen.installed': 'warn', 'network.bridge': 'warn'},
  },
  // Xen installed by the distro's package and not set up: the packaged default entry is still Linux.
  'fedora-41': {state: 'installed', exitCode: 1, problems: {'boot.secure_boot': 'warn', 'boot.default_is_xen': 'fail', 'boot.dom0_mem': 'warn', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'network.bridge': 'warn'}},
  'fedora-41-noweak': {state: 'installed', exitCode: 1, problems: {'boot.secure_boot': 'warn', 'boot.default_is_xen': 'fail', 'boot.dom0_mem': 'warn', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'network.bridge': 'warn'}},
  'opensuse-tumbleweed': {
    state: 'installed',
    exitCode: 1,
    problems: {'cpu.slat': 'warn', 'cpu.iommu': 'warn', 'boot.default_is_xen': 'fail', 'boot.dom0_mem': 'warn', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'memory.autoballoon': 'warn', 'network.bridge': 'warn'},
  },
  'opensuse-tumbleweed-bls': {state: 'bare', exitCode: 0, problems: {'boot.secure_boot': 'warn', 'boot.loader': 'warn', 'xen.installed': 'warn', 'network.bridge': 'warn'}},
  // Stock 20_linux_xen finds no /boot/config-linux: no Xen entry until init adds its own generator.
  'arch-grub': {
    state: 'installed',
    exitCode: 1,
    problems: {'cpu.virtualization': 'warn', 'cpu.iommu': 'warn', 'boot.xen_entry': 'fail', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'memory.host': 'warn', 'network.bridge': 'warn'},
  },
  'gentoo-systemd': {state: 'installed', exitCode: 1, problems: {'boot.default_is_xen': 'fail', 'boot.dom0_mem': 'warn', 'xen.running': 'warn', 'dom0.services_enabled': 'warn', 'network.bridge': 'warn'}},
  'rocky-9': {state: 'bare', exitCode: 1, problems: {'host.distro': 'warn', 'host.kernel_dom0': 'fail', 'xen.installed': 'warn', 'network.bridge': 'warn'}},
  'unknown-distro': {state: 'bare', exitCode: 0, problems: {'host.distro': 'warn', 'cpu.slat': 'warn', 'cpu.iommu': 'warn', 'xen.installed': 'warn', 'network.bridge': 'warn'}},
  manjaro: {state: 'bare', exitCode: 0, problems: {'host.nested': 'warn', 'cpu.iommu': 'warn', 'xen.installed': 'warn', 'network.bridge': 'warn'}},
}

describe('doctor over the fixture corpus', () => {
  test.each(Object.entries(EXPECTED))('%s', async (name, expected) => {
    const outcome = await doctor(name)
    const report = outcome.document as DoctorReport
    expect(report.state).toBe(expected.state)
    expect(outcome.exitCode).toBe(expected.exitCode)
    const problems = Object.fromEntries(Object.entries(statuses(report)).filter(([id, status]) => status === 'warn' || status === 'fail' || id in expected.problems))
    expect(problems).toEqual(expected.problems)
  })
})

describe('what the checks say', () => {
  test('no VT-x is a warning that PV still works, with the firmware fix when the kernel log says it is locked off', async () => {
    expect(check((await doctor('arch')).document as DoctorReport, 'cpu.virtualization')?.detail).toMatch(/HVM and PVH guests are impossible, PV guests still work/)
    expect(check((await doctor('ubuntu-22.04')).document as DoctorReport, 'cpu.virtualization')).toMatchObject({
      detail: expect.stringMatching(/disabled by the firmware/),
      fix: expect.stringMatching(/power the machine off and on/),
    })
  })

  test('no EPT/NPT explains "cannot make domain: -3"; a 32-bit CPU fails and its dependants are skipped, not failed', async () => {
    expect(check((await doctor('opensuse-tumbleweed')).document as DoctorReport, 'cpu.slat')?.detail).toContain('cannot make domain: -3')
    const tree = makeTree()
    try {
      cpSync(fixture('alpine-3.20'), tree, {recursive: true, verbatimSymlinks: true})
      cpSync(fileURLToPath(new URL('../../fixtures/cpuinfo/atom-n270-32bit', import.meta.url)), `${tree}/proc/cpuinfo`)
      const report = (await runDoctor({root: tree, verbose: false})).document as DoctorReport
      expect(check(report, 'cpu.long_mode')?.status).toBe('fail')
      expect(check(report, 'cpu.virtualization')).toMatchObject({status: 'skip', detail: expect.stringMatching(/^needs cpu.long_mode/)})
    } finally {
      removeTree(tree)
    }
  })

  test('a dom0 is not taken for a nested guest, and its hidden VT flags are not reported missing', async () => {
    const report = (await doctor('debian-13')).document as DoctorReport
    expect(check(report, 'host.nested')).toMatchObject({status: 'pass', detail: expect.stringMatching(/Xen dom0/)})
    expect(check(report, 'cpu.virtualization')).toMatchObject({status: 'pass', detail: expect.stringMatching(/Xen reports HVM/)})
    expect(check(report, 'cpu.slat')?.status).toBe('skip')
  })

  test('the obsolete xend udev rule and an open VNC console are found, with the fix', async () => {
    expect(check((await doctor('gentoo')).document as DoctorReport, 'legacy.xend_rules')?.fix).toBe('rm /etc/udev/rules.d/xend.rules && udevadm control --reload')
    expect(check((await doctor('debian-13')).document as DoctorReport, 'guests.vnc_open')?.detail).toContain('/etc/xen/win10.cfg')
  })

  test('"cannot init xl context" in a dom0 names its cause: xenfs not mounted, or xenstored not running', async () => {
    const base = fixture('debian-13')
    const tree = makeTree()
    try {
      // The dom0 as it is, but without xenfs in /proc/mounts and with no Xen daemon running.
      cpSync(base, tree, {recursive: true, verbatimSymlinks: true})
      writeFileSync(`${tree}/proc/mounts`, readFileSync(`${tree}/proc/mounts`, 'utf8').replace(/^xenfs .*\n/m, ''))
      expect(check((await runDoctor({root: tree, verbose: false})).document as DoctorReport, 'xen.xl_context')).toMatchObject({status: 'fail', detail: expect.stringMatching(/xenfs\) is not mounted/)})
      writeFileSync(`${tree}/proc/mounts`, readFileSync(`${base}/proc/mounts`, 'utf8'))
      rmSync(`${tree}/proc/812`, {recursive: true})
      expect(check((await runDoctor({root: tree, verbose: false})).document as DoctorReport, 'xen.xl_context')).toMatchObject({status: 'fail', detail: expect.stringMatching(/xenstored is not running/)})
    } finally {
      removeTree(tree)
    }
  })

  test('whether the next kernel update keeps Xen the default: a stable id passes; SAVEDEFAULT, a versioned id, UPDATEDEFAULT=yes do not', async () => {
    const tree = makeTree()
    const kernelUpdate = async () => check((await runDoctor({root: tree, verbose: false})).document as DoctorReport, 'boot.kernel_update')
    try {
      cpSync(fixture('debian-13'), tree, {recursive: true, verbatimSymlinks: true})
      expect(await kernelUpdate()).toMatchObject({status: 'pass', detail: 'the default "xen-gnulinux-simple-9c41d0b7-2f35-4e8a-a1d6-7be02c5f3a18" names no kernel version'})
      writeFileSync(`${tree}/etc/default/grub.d/zz-local.cfg`, 'GRUB_SAVEDEFAULT=true\n')
      expect(await kernelUpdate()).toMatchObject({status: 'warn', detail: expect.stringMatching(/^GRUB_SAVEDEFAULT=true/)})
      rmSync(`${tree}/etc/default/grub.d/zz-local.cfg`)
      const cfg = `${tree}/boot/grub/grub.cfg`
      // As with GRUB_DISABLE_SUBMENU=y: the top Xen entry's id names its kernel version.
      const versioned = 'xen-gnulinux-6.12.48+deb13-amd64-advanced-9c41d0b7-2f35-4e8a-a1d6-7be02c5f3a18'
      writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('set default="Debian GNU/Linux, with Xen hypervisor"', 'set default="${saved_entry}"').replace("'xen-gnulinux-simple-9c41d0b7-2f35-4e8a-a1d6-7be02c5f3a18'", `'${versioned}'`))
      writeFileSync(`${tree}/boot/grub/grubenv`, `# GRUB Environment Block\nsaved_entry=${versioned}\n`.padEnd(1024, '#'))
      expect(await kernelUpdate()).toMatchObject({status: 'warn', detail: expect.stringContaining('names a kernel version or a position')})
      writeTreeFile(tree, '/etc/sysconfig/kernel', 'UPDATEDEFAULT=yes\n')
      expect(await kernelUpdate()).toMatchObject({status: 'fail', detail: expect.stringMatching(/^UPDATEDEFAULT=yes/)})
    } finally {
      removeTree(tree)
    }
  })

  test('every check has an explanation, and ids are unique', () => {
    expect(new Set(CATALOGUE.map((c) => c.id)).size).toBe(CATALOGUE.length)
    for (const c of CATALOGUE) expect(c.explain.length).toBeGreaterThan(80)
  })
})

describe('xensetup doctor (command)', () => {
  test('--json is one document with the facts and checks automation relies on', async () => {
    const out = await runCommand(Doctor, ['--json', '--root', fixture('debian-13')])
    const doc = JSON.parse(out.stdout)
    expect(out.exitCode).toBe(0)
    expect(doc.facts.distro).toMatchObject({id: 'debian', versionId: '13', family: 'debian', supported: true})
    expect(doc.facts.cpu).toMatchObject({vendor: 'intel', virtualization: null, slat: null, underHypervisor: false})
    expect(doc.facts.memory.totalMiB).toEqual(expect.any(Number))
    expect(doc.facts.xen).toMatchObject({installed: true, running: true, dom0: true})
    expect(doc.checks[0]).toEqual({id: expect.any(String), category: expect.any(String), status: expect.any(String), title: expect.any(String), detail: expect.any(String), fix: null})
    expect(doc.summary).toEqual({pass: expect.any(Number), warn: 1, fail: 0, skip: expect.any(Number), verdict: 'warnings'})
  })

  test('human output groups by category, marks problems with their id and fix, and ends with a verdict; exit 1 on a failure', async () => {
    const out = await runCommand(Doctor, ['--root', fixture('gentoo')])
    expect(out.exitCode).toBe(1)
    expect(out.stdout).toMatch(/^Firmware & boot\n(.*\n)*  \[FAIL\] Next boot starts Xen: the default entry is "Gentoo GNU\/Linux", not Xen  \(boot\.default_is_xen\)\n +fix: xensetup init --only boot\n/m)
    expect(out.stdout.trim().split('\n').at(-2)).toMatch(/^Summary: 1 failed, 5 warnings, \d+ passed, \d+ skipped\.$/)
  })

  test('--explain prints the long explanation; an unknown id is a usage error', async () => {
    expect((await runCommand(Doctor, ['--explain', 'cpu.slat'])).stdout).toMatch(/^cpu\.slat: Second-level address translation[\s\S]*cannot make domain: -3/)
    const bad = await runCommand(Doctor, ['--explain', 'nope'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/^xensetup: no check named nope \(hint: ids: host\.distro, /)
  })
})

describe('doctor where facts are missing', () => {
  test('a root-only grub.cfg (doctor without root) skips the boot checks instead of failing them', async () => {
    const {gatherFacts} = await import('../../../src/facts/index.js')
    const {Host} = await import('../../../src/host/host.js')
    const {evaluate} = await import('../../../src/doctor/evaluate.js')
    const facts = gatherFacts(new Host(fixture('gentoo')))
    const unreadable = {...facts, unreadable: ['/boot/grub/grub.cfg'], boot: {...facts.boot, entries: [], defaultEntry: null}}
    const results = evaluate(CATALOGUE, {facts: unreadable, state: 'installed', bridgeNextBoot: null})
    expect(results.find((c) => c.id === 'boot.xen_entry')).toMatchObject({status: 'skip', detail: expect.stringMatching(/readable only by root/)})
    expect(results.filter((c) => c.id.startsWith('boot.') && c.status === 'fail')).toEqual([])
  })

  test('an /etc/default/grub the shell cannot source fails boot.loader with the file and line, and doctor still reports', async () => {
    const tree = makeTree({
      '/etc/os-release': 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n',
      '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet\n',
      '/boot/grub/grub.cfg': '',
    })
    try {
      const outcome = await runDoctor({root: tree, verbose: false})
      expect(check(outcome.document as DoctorReport, 'boot.loader')).toMatchObject({
        status: 'fail',
        detail: '/etc/default/grub line 2: unterminated quote: grub-mkconfig cannot source it',
      })
      expect(outcome.exitCode).toBe(1)
    } finally {
      removeTree(tree)
    }
  })

  test('a --root tree without /proc has no CPU or memory verdicts, not false failures', async () => {
    const tree = makeTree({'/etc/os-release': 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'})
    try {
      const outcome = await runDoctor({root: tree, verbose: false})
      const report = outcome.document as DoctorReport
      expect(statuses(report)).toMatchObject({'cpu.long_mode': 'skip', 'memory.host': 'skip'})
      expect(outcome.exitCode).toBe(0)
    } finally {
      removeTree(tree)
    }
  })
})
