import {afterEach, describe, expect, test} from '@jest/globals'
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import Init from '../../../src/commands/init.js'
import {runDoctor} from '../../../src/doctor/run-doctor.js'
import {JOURNAL, Journal} from '../../../src/engine/journal.js'
import {Host, HostPathError} from '../../../src/host/host.js'
import {runCommand} from '../../lib/cli.js'
import {makeTree, removeTree} from '../../lib/tree.js'

/** Odd trees found in review: each must give a clear failure naming the path, or work, never a crash. */
let root: string
afterEach(() => {
  // GNU rm walks with openat, so it also removes trees too deep to be named from /.
  execFileSync('rm', ['-rf', root])
  removeTree(root)
})

const DEBIAN = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'

describe('directories xensetup creates', () => {
  test('missing parents of its state directory are made 0755, the state directory itself 0700', () => {
    root = makeTree({'/etc/hostname': 'box\n'})
    const previous = process.umask(0o077)
    try {
      new Journal(new Host(root), 'run-1').record({kind: 'intent', step: 'x', change: 'write /etc/x'})
    } finally {
      process.umask(previous)
    }
    const mode = (dir: string) => (statSync(path.join(root, dir)).mode & 0o777).toString(8)
    expect([mode('var'), mode('var/lib'), mode('var/lib/xensetup')]).toEqual(['755', '755', '700'])
    expect(statSync(path.join(root, JOURNAL)).mode & 0o777).toBe(0o600)
  })
})

describe('names and paths the kernel would trip over', () => {
  test('a file name that is not UTF-8 is refused naming its directory, not skipped', () => {
    root = makeTree({'/etc/network/interfaces': 'source /etc/network/interfaces.d/*\n'})
    mkdirSync(path.join(root, 'etc/network/interfaces.d'))
    writeFileSync(Buffer.from(`${root}/etc/network/interfaces.d/up\xfflink`, 'latin1'), 'iface eno1 inet static\n    address 10.0.0.5/24\n')
    expect(() => new Host(root).list('/etc/network/interfaces.d')).toThrow(HostPathError)
    expect(() => new Host(root).list('/etc/network/interfaces.d')).toThrow(new RegExp(`^${root}/etc/network/interfaces.d holds a file name that is not UTF-8 \\("up\\\\xfflink"\\); rename that file$`))
  })

  test('the bridge step on such a tree fails naming the directory instead of configuring the uplink twice', async () => {
    root = makeTree({
      '/etc/os-release': DEBIAN,
      '/etc/network/interfaces': 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n',
      '/sys/class/net/eno1/address': '52:54:00:12:34:56\n',
    })
    mkdirSync(path.join(root, 'etc/network/interfaces.d'))
    writeFileSync(Buffer.from(`${root}/etc/network/interfaces.d/up\xfflink`, 'latin1'), 'allow-hotplug eno1\niface eno1 inet static\n    address 10.0.0.5/24\n')
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', root, '--only', 'bridge', '--uplink', 'eno1'])
    const bridge = JSON.parse(out.stdout).steps[0]
    expect(bridge).toMatchObject({status: 'failed', error: expect.stringContaining(`${root}/etc/network/interfaces.d holds a file name that is not UTF-8`)})
    expect(out.exitCode).toBe(1)
  })

  test('a chain of links whose resolved path exceeds PATH_MAX is a HostPathError; doctor completes', async () => {
    root = makeTree({'/etc/hostname': 'box\n'})
    // 17 nested directories of 250 characters: ~4.3 KB, past PATH_MAX once the root is in front.
    const long = 'a'.repeat(250)
    // Too long to name from /: made one level at a time, as the kernel resolves it.
    const cwd = process.cwd()
    try {
      process.chdir(root)
      for (let level = 0; level < 17; level++) {
        mkdirSync(long)
        process.chdir(long)
      }
      writeFileSync('os-release', DEBIAN)
    } finally {
      process.chdir(cwd)
    }
    // Each link is short; only what they resolve to together is too long.
    symlinkSync(`/${Array.from({length: 14}, () => long).join('/')}`, path.join(root, 'x'))
    symlinkSync(`/x/${long}/${long}/${long}/os-release`, path.join(root, 'etc/os-release'))
    expect(() => new Host(root).read('/etc/os-release')).toThrow(HostPathError)
    const outcome = await runDoctor({root, verbose: false})
    expect(outcome.text).toMatch(/^xensetup doctor: /)
  })
})

describe('a journal that cannot be written', () => {
  test('fails the step naming it, and still releases the lock', async () => {
    root = makeTree({'/etc/os-release': DEBIAN, '/etc/xen/xl.conf': 'autoballoon="on"\n'})
    mkdirSync(path.join(root, 'var/lib/xensetup'), {recursive: true})
    execFileSync('mkfifo', [path.join(root, JOURNAL)])
    const out = await runCommand(Init, ['--json', '--yes', '--root', root, '--only', 'xenfs'])
    expect(out.exitCode).toBe(1)
    expect(JSON.parse(out.stdout).steps[0]).toMatchObject({status: 'failed', error: `${root}${JOURNAL} is not a regular file; xensetup writes only files`})
    expect(readdirSync(path.join(root, 'var/lib/xensetup'))).toEqual(['journal.jsonl'])
  })
})

describe('leftovers that are not files', () => {
  test('a directory at a temp file name is left alone, and the write still succeeds', () => {
    root = makeTree({'/etc/xen/xl.conf': 'autoballoon="on"\n'})
    mkdirSync(path.join(root, 'etc/xen/.xl.conf.xensetup-1-a.tmp'))
    new Host(root).write('/etc/xen/xl.conf', 'autoballoon="off"\n', 'utf8', {mode: 0o644, uid: 0, gid: 0})
    expect(readdirSync(path.join(root, 'etc/xen')).sort()).toEqual(['.xl.conf.xensetup-1-a.tmp', 'xl.conf'])
  })
})
