import {afterEach, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import Doctor from '../../../src/commands/doctor.js'
import Init from '../../../src/commands/init.js'
import {LOCK} from '../../../src/engine/lock.js'
import {builtCli} from '../../lib/built-cli.js'
import {runCommand} from '../../lib/cli.js'
import {GRUB_INSTALLED} from '../../lib/init-context.js'
import {makeTree, removeTree, snapshot, writeTreeFile} from '../../lib/tree.js'

// The environment an admin's shell has: not jest's NODE_ENV=test nor its NODE_OPTIONS.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && name !== 'NODE_OPTIONS'))
const cli = (...argv: string[]) => spawnSync(process.execPath, [builtCli(), ...argv], {encoding: 'utf8', env, timeout: 60_000})

/** Raw control characters other than newline and tab: C0, DEL and C1. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

const MACHINE = {
  '/proc/meminfo': 'MemTotal:        8167500 kB\nMemFree:         6000000 kB\n',
  '/proc/cpuinfo': 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx ept\n\n',
  '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n',
}
const DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n'
const HOSTILE_OS = 'NAME="\x1b[31mEvil\x07OS\x1b]0;owned\x07"\nPRETTY_NAME="\x1b[2J\x1b[HEvil\rOS\x9b1m"\nID=evilos\nVERSION_ID="1"\n'

let root: string | undefined
afterEach(() => {
  if (root) removeTree(root)
  root = undefined
})

describe('--root given as an empty string', () => {
  test.each([
    ['init', Init, ['--dry-run']],
    ['doctor', Doctor, []],
  ] as const)('%s --root "": exit 2, one line with a hint', async (_name, command, extra) => {
    const out = await runCommand(command, ['--root', '', ...extra])
    expect(out.exitCode).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toBe('xensetup: --root is empty (hint: give the directory that holds the target root file system, or leave --root out for this machine)\n')
  })

  test.each([
    ['init', Init, ['--dry-run']],
    ['doctor', Doctor, []],
  ] as const)('%s --root "" --json: one JSON error document', async (_name, command, extra) => {
    const out = await runCommand(command, ['--root', '', '--json', ...extra])
    expect(out.exitCode).toBe(2)
    expect(out.stderr).toBe('')
    expect(JSON.parse(out.stdout)).toEqual({error: {message: '--root is empty', hint: expect.stringMatching(/leave --root out/), exitCode: 2}})
  })

  test('--root of blanks is empty too, not the working directory', async () => {
    const out = await runCommand(Init, ['--root', '   ', '--dry-run'])
    expect(out.exitCode).toBe(2)
    expect(out.stderr).toMatch(/^xensetup: --root is empty \(hint: /)
  })

  test('the installed doctor (its fast launcher) says the same', () => {
    const out = cli('doctor', '--root', '')
    expect(out.status).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toBe('xensetup: --root is empty (hint: give the directory that holds the target root file system, or leave --root out for this machine)\n')
    const json = cli('doctor', '--root', '', '--json')
    expect(json.status).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({error: {message: '--root is empty', exitCode: 2}})
  })
})

describe('an unknown command (the installed CLI)', () => {
  test('nosuch --json: exactly one JSON document with message, hint and exit code 2', () => {
    const out = cli('nosuch', '--json')
    expect(out.status).toBe(2)
    expect(out.stderr).toBe('')
    expect(JSON.parse(out.stdout)).toEqual({
      error: {message: 'nosuch is not a xensetup command', hint: expect.stringMatching(/apply, completion, confirm-network, doctor, guest console, guest create, .*init, rollback, uninstall; see 'xensetup --help'/), exitCode: 2},
    })
    // One document: nothing before or after it.
    expect(out.stdout.trim().startsWith('{')).toBe(true)
    expect(out.stdout.trim().endsWith('}')).toBe(true)
  })

  test('--json anywhere after the unknown command still gives the JSON document', () => {
    const out = cli('nosuch', '--root', '/', '--json')
    expect(out.status).toBe(2)
    expect(JSON.parse(out.stdout)).toMatchObject({error: {message: 'nosuch is not a xensetup command', exitCode: 2}})
  })

  test("nosuch without --json: oclif's one-line error, exit 2, nothing on stdout", () => {
    const out = cli('nosuch')
    expect(out.status).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/command nosuch not found/)
  })

  test('a known command with --json is not taken for an unknown one', () => {
    const out = cli('doctor', '--json', '--root', '/nonexistent/xensetup-root')
    expect(out.status).toBe(2)
    expect(JSON.parse(out.stdout)).toMatchObject({error: {message: '--root /nonexistent/xensetup-root is not a directory', exitCode: 2}})
  })
})

describe('control characters from the target reach the terminal escaped', () => {
  test("init on a tree whose os-release NAME carries escapes: refused as unsupported (exit 3), the message escaped", async () => {
    root = makeTree({...MACHINE, ...GRUB_INSTALLED, '/etc/os-release': HOSTILE_OS})
    const before = snapshot(root)
    const out = await runCommand(Init, ['--dry-run', '--root', root])
    expect(out.exitCode).toBe(3)
    expect(out.stderr).not.toMatch(RAW_CONTROL)
    expect(out.stderr).toMatch(/^xensetup: \\x1b\[31mEvil\\x07OS\\x1b\]0;owned\\x07 1: .*\(hint: run `xensetup doctor`/)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(snapshot(root)).toEqual(before)
  })

  test('the same refusal with --json: valid JSON, no raw control byte, the name intact once parsed', async () => {
    root = makeTree({...MACHINE, ...GRUB_INSTALLED, '/etc/os-release': HOSTILE_OS})
    const out = await runCommand(Init, ['--dry-run', '--json', '--root', root])
    expect(out.exitCode).toBe(3)
    expect(out.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/)
    expect(JSON.parse(out.stdout).error).toMatchObject({message: expect.stringContaining('\x1b[31mEvil\x07OS'), exitCode: 3})
  })

  test('the installed CLI prints the refusal escaped too', () => {
    root = makeTree({...MACHINE, ...GRUB_INSTALLED, '/etc/os-release': HOSTILE_OS})
    const out = cli('init', '--dry-run', '--root', root)
    expect(out.status).toBe(3)
    expect(out.stderr).not.toMatch(RAW_CONTROL)
    expect(out.stderr).toContain('\\x1b[31mEvil')
  })

  test('a lock held by a live run whose command field carries escapes: exit 75, the message escaped', async () => {
    root = makeTree({...MACHINE, '/etc/os-release': DEBIAN_12})
    const lock = {pid: process.pid, startTicks: null, startedAt: '2024-01-01T00:00:00Z', command: 'init\x1b]0;owned\x07\x1b[2J', made: []}
    writeTreeFile(root, LOCK, `${JSON.stringify(lock)}\n`)
    const out = await runCommand(Init, ['--root', root, '--yes', '--only', 'boot'])
    expect(out.exitCode).toBe(75)
    expect(out.stderr).toMatch(/another xensetup run holds .*lock \(init\\x1b\]0;owned\\x07\\x1b\[2J, pid \d+/)
    expect(out.stderr).not.toMatch(RAW_CONTROL)
    // The lock of the live run is left alone.
    expect(existsSync(path.join(root, LOCK))).toBe(true)
  })

  test("a stale lock from the tree: the takeover notice is escaped (its startedAt is the tree's text)", async () => {
    // No GRUB: the boot step cannot be planned, so the run stops before anything is applied.
    root = makeTree({...MACHINE, '/etc/os-release': DEBIAN_12})
    const lock = {pid: 2147483646, startTicks: 1, startedAt: '\x1b]0;owned\x07\x1b[2J', command: 'init', made: []}
    writeTreeFile(root, LOCK, `${JSON.stringify(lock)}\n`)
    const out = await runCommand(Init, ['--root', root, '--yes', '--only', 'boot'])
    expect(out.exitCode).toBe(1)
    expect(out.stdout).toMatch(/took over the lock of a run that is gone \(pid 2147483646/)
    expect(out.stdout).not.toMatch(RAW_CONTROL)
  })

  test("doctor's report on a tree whose PRETTY_NAME carries escapes shows them escaped", async () => {
    root = makeTree({...MACHINE, '/etc/os-release': HOSTILE_OS})
    const out = await runCommand(Doctor, ['--root', root])
    expect(out.stdout).toMatch(/^xensetup doctor: /)
    expect(out.stdout).not.toMatch(RAW_CONTROL)
  })
})
