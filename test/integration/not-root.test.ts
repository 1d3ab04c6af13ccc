import {afterEach, describe, expect, test} from '@jest/globals'
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {builtCli} from '../lib/built-cli.js'
import {GRUB_INSTALLED, machine} from '../lib/init-context.js'
import {makeTree, removeTree, snapshot} from '../lib/tree.js'

/**
 * A real run by a user who is not root, switched to with setpriv (so the test itself must be root; CI
 * is): it must stop before its first change with exit 77, however far it got.
 */
const asRoot = process.getuid?.() === 0
if (!asRoot) process.stderr.write('not-root: skipped, switching to another user needs root\n')
const describeAsRoot = asRoot ? describe : describe.skip

const NOBODY = '65534'
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'

let root: string
afterEach(() => removeTree(root))

function asNobody(...args: string[]) {
  return spawnSync('setpriv', ['--reuid', NOBODY, '--regid', NOBODY, '--clear-groups', '--', process.execPath, builtCli(), 'init', '--root', root, ...args], {
    encoding: 'utf8',
    env: {...process.env, HOME: tmpdir()},
  })
}

describeAsRoot('init as a user who is not root', () => {
  test('on a tree the user owns: the plan would run commands in it, so exit 77 before anything is written', () => {
    root = makeTree(machine(DEBIAN, GRUB_INSTALLED))
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, root])
    const before = snapshot(root)
    const run = asNobody('--yes', '--only', 'boot', '--dom0-mem', '1024M')
    expect(run.status).toBe(77)
    expect(run.stderr).toBe(`xensetup: running the plan's commands inside ${root} needs root (hint: run it with sudo, or look first with --dry-run)\n`)
    expect(snapshot(root)).toEqual(before)
  })

  test('on a tree only root may write: the lock cannot be taken, exit 77; a dry run still works', () => {
    root = makeTree(machine(DEBIAN, GRUB_INSTALLED))
    chmodSync(root, 0o755) // readable by all, writable by root only, as a mounted image usually is
    const before = snapshot(root)
    const run = asNobody('--yes', '--only', 'boot', '--dom0-mem', '1024M')
    expect(run.status).toBe(77)
    expect(run.stderr).toMatch(new RegExp(`^xensetup: cannot take ${root}/var/lib/xensetup/lock: permission denied \\(hint: `))
    const dry = asNobody('--dry-run', '--only', 'boot', '--dom0-mem', '1024M')
    expect(dry.status).toBe(0)
    expect(dry.stdout).toContain('Nothing was changed (dry run).')
    expect(snapshot(root)).toEqual(before)
  })
})
