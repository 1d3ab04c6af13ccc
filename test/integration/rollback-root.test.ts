import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import History from '../../src/commands/history.js'
import Init from '../../src/commands/init.js'
import Rollback from '../../src/commands/rollback.js'
import {parseDpkgStatus} from '../../src/facts/packages.js'
import {runCommand} from '../lib/cli.js'
import {asRoot, DebianImage} from './lib/debian-image.js'
import {differingPaths, etcBootState, localUplink} from './lib/root-state.js'

// Needs root for debootstrap, chroot, mount and losetup; CI runs as root, so there it always runs.
const whenRoot = asRoot ? describe : describe.skip
const MINUTES = 60_000
/** LVM in the image's chroot sees every loop device of this machine: a name no other test's group has. */
const VG = `xsrollback${process.pid}`
/**
 * Rebuilt by initramfs-tools' dpkg trigger whenever a package with an initramfs hook (lvm2) comes or
 * goes: the package manager's output, like its logs, never the same bytes twice.
 */
const REBUILT_BY_DPKG_TRIGGERS = /^boot\/initrd\.img-/

/**
 * What may differ besides: the initramfs, and metadata backups lvm2's postinst (vgcfgbackup) wrote in the
 * image of volume groups that are not this test's (the chroot sees every loop device of this machine,
 * other tests' groups included), with the directories that hold them.
 */
function unexpected(diff: string[]): string[] {
  const foreign = diff.filter((key) => key.startsWith('etc/lvm/backup/') && key !== 'etc/lvm/backup/' && key !== `etc/lvm/backup/${VG}`)
  return diff.filter((key) => !REBUILT_BY_DPKG_TRIGGERS.test(key) && !foreign.includes(key) && !(foreign.length > 0 && ['etc/lvm/', 'etc/lvm/backup/'].includes(key)))
}
const UPLINK = localUplink()

function installed(root: string): Set<string> {
  const status = readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8')
  return new Set(Object.keys(parseDpkgStatus(status)))
}

whenRoot('rollback --root on a real Debian 12 root: init, then its reverse', () => {
  const image = new DebianImage('bookworm')
  let pristine: Record<string, string>
  let pristinePackages: Set<string>
  const cli = async (command: typeof Init | typeof Rollback | typeof History, ...argv: string[]) => {
    const out = await runCommand(command, ['--root', image.mnt, '--json', ...argv])
    return {...out, doc: JSON.parse(out.stdout)}
  }
  const init = async (...extra: string[]) => {
    const out = await cli(Init, '--yes', '--uplink', UPLINK, '--dom0-mem', '1024M', '--vg-device', image.vgDevice, '--vg-name', VG, ...extra)
    if (out.exitCode !== 0) throw new Error(`init failed: ${out.stdout}`)
    return out.doc.run as string
  }
  const journal = () => readFileSync(path.join(image.mnt, 'var/lib/xensetup/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
  const report = (paths: string[]) => process.stderr.write(`differing from the snapshot:\n${paths.join('\n')}\n`)

  beforeAll(() => {
    image.create()
    pristine = etcBootState(image.mnt)
    pristinePackages = installed(image.mnt)
  }, 20 * MINUTES)
  afterAll(() => image.destroy())

  test('init, then rollback --packages: the run\'s packages purged, etc/ and boot/ as before except dpkg\'s own state', async () => {
    const initRun = await init()
    const brought = [...installed(image.mnt)].filter((name) => !pristinePackages.has(name))
    expect(brought).toEqual(expect.arrayContaining(['xen-system-amd64', 'lvm2']))
    expect(journal().find((entry) => entry.run === initRun && entry.kind === 'packages').installed).toEqual(expect.arrayContaining(brought))

    const {doc, exitCode, stdout} = await cli(Rollback, '--yes', '--packages')
    if (exitCode !== 0) throw new Error(`rollback --packages failed: ${stdout}`)
    expect(doc).toMatchObject({result: 'ok', rollsBack: initRun})
    expect([...installed(image.mnt)].filter((name) => !pristinePackages.has(name))).toEqual([])
    const diff = unexpected(differingPaths(pristine, etcBootState(image.mnt)))
    if (diff.length > 0) report(diff)
    expect(diff).toEqual([])
    expect(journal().find((entry) => entry.run === doc.run && entry.kind === 'run-start')).toMatchObject({command: 'rollback', rollsBack: initRun})
  }, 30 * MINUTES)

  test('packages first, then the rest: a file changed since is refused (exit 4); rollback returns etc/ and boot/ exactly to after the packages', async () => {
    // The package manager's own changes (files its scripts make: rc.d links, ld.so.cache, /etc/default/xen)
    // are a run of their own here (with the bridge and the VG, whose packages it installs), so the
    // rollback of the rest is compared with no exception at all.
    const packagesRun = await init('--only', 'packages,bridge,lvm')
    const afterPackages = etcBootState(image.mnt)
    process.stderr.write(`what the packages run changed (the package manager's files, the bridge, the VG):\n${differingPaths(pristine, afterPackages).join('\n')}\n`)
    const initRun = await init()
    const xlConf = path.join(image.mnt, 'etc/xen/xl.conf')
    const configured = readFileSync(xlConf, 'utf8')
    writeFileSync(xlConf, `${configured}# an admin's edit\n`)
    const before = etcBootState(image.mnt)
    const refused = await cli(Rollback, '--yes')
    expect(refused.exitCode).toBe(4)
    expect(refused.doc.steps.find((step: {id: string}) => step.id === 'files').error).toMatch(/changed since the run .*etc\/xen\/xl.conf.*--force[\s\S]*an admin's edit/)
    expect(etcBootState(image.mnt)).toEqual(before)
    writeFileSync(xlConf, configured)

    const {doc, exitCode, stdout} = await cli(Rollback, '--yes')
    if (exitCode !== 0) throw new Error(`rollback failed: ${stdout}`)
    expect(doc).toMatchObject({result: 'ok', rollsBack: initRun})
    const diff = differingPaths(afterPackages, etcBootState(image.mnt))
    if (diff.length > 0) report(diff)
    expect(diff).toEqual([])
    const history = await cli(History)
    expect(history.doc.runs.find((run: {id: string}) => run.id === initRun)).toMatchObject({command: 'init', result: 'ok', rolledBackBy: doc.run})
    expect(history.doc.runs.find((run: {id: string}) => run.id === doc.run)).toMatchObject({command: 'rollback', rollsBack: initRun})
    // The same run again is refused; the default is now the packages run, whose packages --packages purges.
    expect((await cli(Rollback, '--yes', initRun)).exitCode).toBe(2)
    const last = await cli(Rollback, '--yes', '--packages')
    if (last.exitCode !== 0) throw new Error(`rollback --packages failed: ${last.stdout}`)
    expect(last.doc).toMatchObject({result: 'ok', rollsBack: packagesRun})
    expect([...installed(image.mnt)].filter((name) => !pristinePackages.has(name))).toEqual([])
    expect(existsSync(path.join(image.mnt, `etc/lvm/backup/${VG}`))).toBe(false)
    const end = unexpected(differingPaths(pristine, etcBootState(image.mnt)))
    if (end.length > 0) report(end)
    expect(end).toEqual([])
    expect((await cli(Rollback, '--yes')).doc).toMatchObject({rollsBack: null, steps: []})
  }, 30 * MINUTES)
})
