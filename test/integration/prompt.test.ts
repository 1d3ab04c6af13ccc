import {afterEach, describe, expect, test} from '@jest/globals'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {builtCli} from '../lib/built-cli.js'
import {GRUB_INSTALLED, machine} from '../lib/init-context.js'
import {makeTree, removeTree, snapshot, writeTreeFile} from '../lib/tree.js'

/**
 * init on a real terminal (tmux), as an admin runs it: the plan, then "Apply these changes?". What
 * happens while the question waits must not slip into what is applied.
 */
const hasTmux = spawnSync('tmux', ['-V']).status === 0
if (!hasTmux) process.stderr.write('prompt: skipped, needs tmux for a terminal\n')
const describeWithTmux = hasTmux ? describe : describe.skip

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
const SOCKET = `xensetup-test-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], {encoding: 'utf8'}).trim()

let root: string
afterEach(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  removeTree(root)
})

async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (done()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${tmux('capture-pane', '-p', '-t', 's')}`)
}

/**
 * Runs the CLI on the pane's terminal and records its pid and exit status in files: tmux's own
 * pane_dead_status is not reliably set by the time the pane is reported dead.
 */
const RECORDER = `
const {spawn} = require('node:child_process')
const {writeFileSync} = require('node:fs')
const [record, ...argv] = process.argv.slice(1)
const child = spawn(process.execPath, argv, {stdio: 'inherit'})
writeFileSync(record + '.pid', String(child.pid))
child.on('exit', (code, signal) => writeFileSync(record + '.status', signal ? signal : String(code)))
`

let record: string

/** Starts init in a terminal and waits for its question; the pane stays for its screen to be read. */
async function initAtPrompt(): Promise<void> {
  record = path.join(root, '..', `${path.basename(root)}.init`)
  tmux('new-session', '-d', '-s', 's', '-x', '200', '-y', '50', process.execPath, '-e', RECORDER, record, builtCli(), 'init', '--root', root, '--only', 'boot', '--dom0-mem', '1024M', ';', 'set-option', '-t', 's', 'remain-on-exit', 'on')
  await until('the question', () => tmux('capture-pane', '-p', '-t', 's').includes('Apply these changes?'))
}

const initPid = () => Number(readFileSync(`${record}.pid`, 'utf8'))

async function exitStatus(): Promise<string> {
  await until('the exit', () => existsSync(`${record}.status`))
  const status = readFileSync(`${record}.status`, 'utf8')
  rmSync(`${record}.status`)
  rmSync(`${record}.pid`)
  return status
}

describeWithTmux('init at its question on a terminal', () => {
  test('SIGTERM while it asks: exit 130, nothing changed', async () => {
    root = makeTree(machine(DEBIAN, GRUB_INSTALLED))
    const before = snapshot(root)
    await initAtPrompt()
    expect(tmux('capture-pane', '-p', '-t', 's')).toContain(`create ${root}/etc/default/grub.d/zz-xensetup.cfg`)
    process.kill(initPid(), 'SIGTERM')
    expect(await exitStatus()).toBe('130')
    expect(snapshot(root)).toEqual(before)
  }, 60_000)

  test('a file the plan edits changes while it asks: "yes" applies nothing and names the file', async () => {
    root = makeTree(machine(DEBIAN, GRUB_INSTALLED))
    await initAtPrompt()
    // Someone else writes a file the shown plan creates, between the diff and the answer.
    writeTreeFile(root, '/etc/default/grub.d/zz-xensetup.cfg', 'GRUB_DEFAULT=0\n')
    // Answer as a person does: the "y" shows in the question line before Enter takes it.
    tmux('send-keys', '-t', 's', 'y')
    await until('the typed answer', () => / y\s*$/m.test(tmux('capture-pane', '-p', '-t', 's')))
    tmux('send-keys', '-t', 's', 'Enter')
    const status = await exitStatus()
    const screen = tmux('capture-pane', '-p', '-J', '-t', 's', '-S', '-200')
    expect({status, screen}).toMatchObject({status: '1'})
    expect(screen.replaceAll('\n', '')).toContain(`Changed since the plan was shown: ${root}/etc/default/grub.d/zz-xensetup.cfg. Nothing was applied`)
    expect(readFileSync(path.join(root, 'etc/default/grub.d/zz-xensetup.cfg'), 'utf8')).toBe('GRUB_DEFAULT=0\n')
    expect(existsSync(path.join(root, 'etc/default/grub.d/00-xensetup.cfg'))).toBe(false)
    expect(existsSync(path.join(root, 'var/lib/xensetup/journal.jsonl'))).toBe(false)
  }, 60_000)
})
