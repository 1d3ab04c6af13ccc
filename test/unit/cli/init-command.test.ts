import {afterEach, describe, expect, test} from '@jest/globals'
import {fileURLToPath} from 'node:url'
import Init from '../../../src/commands/init.js'
import {gatherBlockFacts} from '../../../src/facts/index.js'
import {Host} from '../../../src/host/host.js'
import {makeTree, removeTree, snapshot} from '../../lib/tree.js'
import {runCommand} from '../../lib/cli.js'
import {GRUB_INSTALLED} from '../../lib/init-context.js'

const DEBIAN_12 = {
  '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
  '/proc/meminfo': 'MemTotal:        8167500 kB\nMemFree:         6000000 kB\n',
  '/proc/cpuinfo': 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx ept\n\n',
  '/proc/net/route': 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n',
  '/sys/class/net/eth0/address': '52:54:00:12:34:56\n',
  '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n',
  ...GRUB_INSTALLED,
}

let root: string
afterEach(() => removeTree(root))

describe('xensetup init (command)', () => {
  test('--dry-run --json prints exactly one JSON plan and writes nothing', async () => {
    root = makeTree(DEBIAN_12)
    const before = snapshot(root)
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', root, '--skip', 'bridge'])
    const plan = JSON.parse(out.stdout)
    expect(out.exitCode).toBe(0)
    expect(plan).toMatchObject({mode: 'dry-run', result: 'planned', distro: {id: 'debian', versionId: '12', family: 'debian'}})
    expect(plan.steps.map((s: {id: string; status: string}) => [s.id, s.status])).toEqual([
      ['packages', 'pending'],
      ['boot', 'pending'],
      ['services', 'pending'],
      ['xenfs', 'pending'],
      ['lvm', 'skipped'],
    ])
    const apt = plan.steps[0].changes.map((c: {argv: string[]}) => c.argv)
    expect(apt[1]).toEqual(expect.arrayContaining(['apt-get', 'install', 'xen-system-amd64', 'qemu-system-xen']))
    expect(snapshot(root)).toEqual(before)
  })

  test('--only and --skip take comma-separated lists too', async () => {
    root = makeTree(DEBIAN_12)
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', root, '--only', 'boot,xenfs'])
    expect(JSON.parse(out.stdout).steps.map((s: {id: string}) => s.id)).toEqual(['boot', 'xenfs'])
  })

  test('the plan shows dom0_mem from the facts: 1 GiB + 5% of 7976 MiB, rounded up to 256 MiB', async () => {
    root = makeTree(DEBIAN_12)
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', root, '--only', 'boot'])
    const diff = JSON.parse(out.stdout).steps[0].changes.find((c: {path?: string}) => c.path?.endsWith('zz-xensetup.cfg')).diff
    expect(diff).toContain('+GRUB_CMDLINE_XEN_DEFAULT="${GRUB_CMDLINE_XEN_DEFAULT:+$GRUB_CMDLINE_XEN_DEFAULT }dom0_mem=1536M,max:1536M dom0_max_vcpus=1-')
  })

  test.each([
    [['--root', '/nonexistent/xensetup'], 2, /--root \/nonexistent\/xensetup is not a directory/],
    [['--bogus'], 2, /Nonexistent flag: --bogus/],
    [['--dom0-mem', 'lots'], 2, /--dom0-mem lots is not a size/],
    [['--dom0-mem', '64G'], 2, /is not less than the host's 7976 MiB/],
    [['--dom0-mem', '128M'], 2, /below 512M/],
    [['--uplink', 'eth9'], 2, /--uplink eth9: no such interface.*this host has: eth0/],
    [['--vg-name', '-bad'], 2, /--vg-name -bad is not a valid volume group name/],
    [['--dom0-mem', '2048B'], 2, /--dom0-mem 2048B is not a size/],
    [['--dom0-max-vcpus', '4-1'], 2, /--dom0-max-vcpus 4-1 is not a count or a min-max range/],
    [['--only', 'nope'], 2, /Expected --only=nope to be one of/],
    [['--revert-after', '5'], 2, /--revert-after 5: not a whole number of seconds from 10 to 3600/],
    [['--revert-after', '2m'], 2, /--revert-after 2m: not a whole number of seconds from 10 to 3600/],
  ])('bad input %j: one line with a hint, exit %i', async (argv, code, message) => {
    root = makeTree(DEBIAN_12)
    const args = argv[0] === '--root' ? ['--dry-run', ...argv] : ['--dry-run', '--root', root, ...argv]
    const out = await runCommand(Init, args)
    expect(out.exitCode).toBe(code)
    expect(out.stdout).toBe('')
    expect(out.stderr).toMatch(message)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/\(hint: .+\)/)
  })

  test('a step that cannot be done as asked stops the run before anything changes (the root disk as --vg-device: exit 4)', async () => {
    root = makeTree(DEBIAN_12)
    const rootDisk = gatherBlockFacts(new Host('/')).devices.find((d) => d.isRootDisk && d.type !== 'part')
    expect(rootDisk).toBeDefined()
    const before = snapshot(root)
    const out = await runCommand(Init, ['--root', root, '--yes', '--skip', 'bridge', '--vg-device', rootDisk!.path])
    expect(out.exitCode).toBe(4)
    expect(out.stdout).toMatch(new RegExp(`! lvm: .*\\n    refused: --vg-device ${rootDisk!.path} is the disk that holds the running system`))
    expect(out.stdout).toMatch(/lvm cannot be done as asked: nothing will be applied/)
    expect(snapshot(root)).toEqual(before)
  })

  test('a --vg-device that does not exist is a usage error', async () => {
    root = makeTree(DEBIAN_12)
    const out = await runCommand(Init, ['--dry-run', '--root', root, '--vg-device', '/dev/xensetup-no-such-disk'])
    expect(out.exitCode).toBe(2)
    expect(out.stderr).toBe('xensetup: --vg-device /dev/xensetup-no-such-disk does not exist (hint: list the disks with lsblk and give an empty one)\n')
  })

  test('a re-run on a running dom0 keeps the dom0 size in force (meminfo there shows only dom0\'s share)', async () => {
    const dom0 = fileURLToPath(new URL('../../fixtures/roots/debian-13', import.meta.url))
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', dom0, '--only', 'boot'])
    expect(out.stderr).toBe('')
    const boot = JSON.parse(out.stdout).steps[0]
    const dropIn = boot.changes.find((c: {path?: string}) => c.path?.endsWith('zz-xensetup.cfg'))
    expect(dropIn.diff).toContain('dom0_mem=4096M,max:4096M dom0_max_vcpus=')
  })

  test('errors under --json are one JSON document with the exit code', async () => {
    root = makeTree(DEBIAN_12)
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', root, '--dom0-mem', 'lots'])
    expect(out.exitCode).toBe(2)
    expect(JSON.parse(out.stdout)).toEqual({error: {message: '--dom0-mem lots is not a size', hint: expect.any(String), exitCode: 2}})
  })

  test('an unsupported distribution is refused with exit 3', async () => {
    root = makeTree({...DEBIAN_12, '/etc/os-release': 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'})
    const out = await runCommand(Init, ['--dry-run', '--root', root])
    expect(out.exitCode).toBe(3)
    expect(out.stderr).toMatch(/^xensetup: Rocky Linux.*\(hint: run `xensetup doctor`/)
  })
})
