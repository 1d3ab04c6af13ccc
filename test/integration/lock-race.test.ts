import {afterEach, describe, expect, test} from '@jest/globals'
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {LOCK, RunLock} from '../../src/engine/lock.js'
import {Host, HostPathError} from '../../src/host/host.js'
import {builtCli} from '../lib/built-cli.js'
import {GRUB_INSTALLED, machine} from '../lib/init-context.js'
import {makeTree, removeTree, writeTreeFile} from '../lib/tree.js'

/**
 * The run lock (src/engine/lock.ts) when two runs find the same stale lock: only one takes it over, the
 * other reports it held (exit 75), and no run ever removes another run's live lock, at takeover or at
 * release. The races are made real with strace delaying one process at the chosen moment, so that part
 * needs root (as CI is) and strace; the lock's own rules are checked in this process as well.
 */
const asRoot = process.getuid?.() === 0
const hasStrace = spawnSync('strace', ['-V']).status === 0
if (!asRoot) process.stderr.write('lock-race: the races between processes are skipped, they run as root only (as in CI)\n')
else if (!hasStrace) process.stderr.write('lock-race: the races between processes are skipped, strace is not installed\n')
const describeRaces = asRoot && hasStrace ? describe : describe.skip

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
const DEAD_PID = 999999
const STALE = `{"pid":${DEAD_PID},"startTicks":1,"startedAt":"x","command":"init","made":[]}\n`
const TAKEOVER = `${LOCK}.takeover`

let root: string
afterEach(() => removeTree(root))

const at = (target: string) => path.join(root, target)
const lockText = () => readFileSync(at(LOCK), 'utf8')
const lockOf = () => new RunLock(new Host(root), new Host('/'))

describe('RunLock: takeover is a compare-and-remove, release removes only its own lock', () => {
  test('a stale lock is taken over: what it held is handed back, and no claim file is left', () => {
    root = makeTree({[LOCK]: STALE})
    const lock = lockOf()
    expect(lock.acquire('init')).toEqual({acquired: true, stale: {pid: DEAD_PID, startTicks: 1, startedAt: 'x', command: 'init', made: []}})
    expect(JSON.parse(lockText())).toMatchObject({pid: process.pid, command: 'init'})
    expect(existsSync(at(TAKEOVER))).toBe(false)
    lock.release()
    expect(existsSync(at(LOCK))).toBe(false)
  })

  test("release() of a run whose lock was taken over leaves the other run's lock alone", () => {
    root = makeTree()
    const first = lockOf()
    const second = lockOf()
    expect(first.acquire('first')).toEqual({acquired: true, stale: null})
    // The first run's record replaced by one of a run that is gone: the second run takes that over.
    writeTreeFile(root, LOCK, STALE)
    expect(second.acquire('second')).toMatchObject({acquired: true, stale: {pid: DEAD_PID}})
    const secondLock = lockText()
    first.noteMade('/usr/sbin/policy-rc.d')
    first.release()
    expect(lockText()).toBe(secondLock)
    second.release()
    expect(existsSync(at(LOCK))).toBe(false)
  })

  test('release() after the lock file was overwritten with another record: the file stays as it is', () => {
    root = makeTree()
    const lock = lockOf()
    lock.acquire('init')
    const other = `${JSON.stringify({pid: process.pid, startTicks: null, startedAt: 'another run', command: 'init', made: []})}\n`
    writeTreeFile(root, LOCK, other)
    lock.release()
    expect(lockText()).toBe(other)
  })

  test('a lock held by a live run stays held, even while another run holds the takeover claim', () => {
    root = makeTree()
    const holder = lockOf()
    holder.acquire('init')
    const held = lockText()
    expect(lockOf().acquire('init')).toMatchObject({held: {pid: process.pid, command: 'init'}})
    expect(lockText()).toBe(held)
  })

  test('a stale lock another live run is taking over: held, by that run, and nothing removed', () => {
    const taker = {pid: process.pid, startTicks: null, startedAt: '2024-01-01T00:00:00Z', command: 'init', made: []}
    root = makeTree({[LOCK]: STALE, [TAKEOVER]: JSON.stringify(taker)})
    expect(lockOf().acquire('init')).toEqual({held: taker})
    expect(lockText()).toBe(STALE)
    expect(existsSync(at(TAKEOVER))).toBe(true)
  })

  test('a takeover claim left by a killed run (whole, or empty: killed between create and write) is taken over too', () => {
    for (const claim of [STALE, '']) {
      root = makeTree({[LOCK]: STALE, [TAKEOVER]: claim})
      const lock = lockOf()
      expect(lock.acquire('init')).toMatchObject({acquired: true, stale: {pid: DEAD_PID}})
      expect(existsSync(at(TAKEOVER))).toBe(false)
      expect(existsSync(at(`${TAKEOVER}.takeover`))).toBe(false)
      lock.release()
      removeTree(root)
    }
  })

  test('claims left by runs killed while taking over a killed takeover: one line naming the file to remove', () => {
    root = makeTree({[LOCK]: STALE, [TAKEOVER]: STALE, [`${TAKEOVER}.takeover`]: STALE})
    const shown = at(`${TAKEOVER}.takeover`)
    expect(() => lockOf().acquire('init')).toThrow(new RegExp(`^${shown} was left by a xensetup run killed while it took over .*remove it \\(rm ${shown}\\) and run again$`))
    expect(lockText()).toBe(STALE)
  })

  test('a directory, FIFO or link at the lock path: a one-line HostPathError naming it and how to remove it', () => {
    const cases: Array<[string, (real: string) => void, string]> = [
      ['a directory', (real) => mkdirSync(real), 'rm -r'],
      ['a FIFO', (real) => execFileSync('mkfifo', [real]), 'rm'],
      ['a symbolic link', (real) => symlinkSync('elsewhere', real), 'rm'],
    ]
    for (const [kind, make, remove] of cases) {
      root = makeTree({'/var/lib/xensetup/journal.jsonl': ''})
      make(at(LOCK))
      const shown = at(LOCK)
      let error: unknown
      try {
        lockOf().acquire('init')
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(HostPathError)
      expect((error as HostPathError).message).toBe(`${shown} is ${kind}, not a lock file xensetup made: remove it (${remove} ${shown}) and run again`)
      expect(lstatSync(at(LOCK))).toBeDefined() // left where it was, for the admin
      removeTree(root)
    }
  })
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function start(argv: string[]): {done: Promise<Run>} {
  const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return {done: new Promise((resolve) => child.on('exit', (code) => resolve({code, stdout, stderr})))}
}

/** xensetup init on the tree, writing one file (xenfs edits /etc/xen/xl.conf): no command runs. */
const init = () => [process.execPath, builtCli(), 'init', '--root', root, '--yes', '--only', 'xenfs']

/** The same, under strace injecting a delay (µs) into the given syscalls, optionally only on `paths`. */
const slowed = (syscalls: string, delay: number, when: string, paths: string[] = [], trace = '/dev/null') => [
  'strace', '-f', '-qq', '-o', trace, ...paths.flatMap((p) => ['-P', p]),
  '-e', `trace=${syscalls}`, '-e', `inject=${syscalls}:delay_enter=${delay}:when=${when}`, '--', ...init(),
]

/** Polls `what` until it holds; the last answer is the one asserted (a second look could see a later state). */
async function until(what: () => boolean, ms = 20_000): Promise<void> {
  let held = what()
  for (let waited = 0; !held && waited < ms; waited += 25) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    held = what()
  }
  expect(held).toBe(true)
}

/** The state letter of a process (/proc/PID/stat field 3), or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return undefined
  }
}

/**
 * Waits until the xensetup run under strace is held in its delayed syscall: stopped by its tracer ("t")
 * for a second on end. Every traced syscall stops it briefly, and on a loaded machine such a stop can
 * last a few hundred milliseconds; the injected delay lasts seconds. The run is found by its command line
 * (node running the CLI on this tree), not as strace's child: strace may start it through a process of
 * its own that is gone a moment later.
 */
async function stalled(): Promise<void> {
  const cli = builtCli()
  const run = () =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .find((pid) => {
        try {
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
          return args[0] === process.execPath && args[1] === cli && args.includes(root)
        } catch {
          return false
        }
      })
  let pid: string | undefined
  await until(() => (pid = run()) !== undefined)
  let since = Date.now()
  await until(() => {
    if (stateOf(Number(pid)) !== 't') since = Date.now()
    return Date.now() - since >= 1000
  })
}

const runStarts = () =>
  readFileSync(at('var/lib/xensetup/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((entry) => entry.kind === 'run-start')

function staleTree(): string {
  return makeTree(machine(DEBIAN, {...GRUB_INSTALLED, '/etc/xen/xl.conf': '#autoballoon="auto"\n', [LOCK]: STALE}))
}

/** One run went ahead, the other exited 75 naming it; one run-start; nothing of the lock left behind. */
function expectOneRun(winner: Run, loser: Run): void {
  expect(runStarts()).toHaveLength(1)
  const winnerPid = runStarts()[0].pid
  expect(winner.stderr).toBe('')
  expect(winner.code).toBe(0)
  expect(winner.stdout).toContain(`note: took over the lock of a run that is gone (pid ${DEAD_PID}, started x)`)
  expect(loser.code).toBe(75)
  expect(loser.stdout).toBe('')
  expect(loser.stderr).toMatch(new RegExp(`^xensetup: another xensetup run holds ${at(LOCK)} \\(init, pid ${winnerPid}, started [^)]+\\) \\(hint: [^\\n]+\\)\\n$`))
  expect(existsSync(at(LOCK))).toBe(false)
  expect(existsSync(at(TAKEOVER))).toBe(false)
}

describeRaces('two real runs race for one stale lock (strace makes the race happen)', () => {
  test('the second run comes while the first is inside its takeover (its unlink of the stale lock delayed): exit 75', async () => {
    root = staleTree()
    const first = start(slowed('unlink,unlinkat', 3_000_000, '1'))
    await stalled()
    const second = await start(init()).done
    expectOneRun(await first.done, second)
  }, 60_000)

  test('a run that read the stale lock, then stalled while another took it over, finds the live lock: exit 75', async () => {
    root = staleTree()
    // The late run: its look at the dead holder's /proc entry takes 4 s. It is acquire() deciding whether
    // the lock it has just read is stale (the facts are read only once the lock is held), which is where
    // the unconditional remove used to come next.
    const trace = `${root}.strace`
    const late = start(slowed('statx,newfstatat,stat', 4_000_000, '1', [`/proc/${DEAD_PID}/stat`], trace))
    await stalled()
    // The run that wins meanwhile, slowed once it holds the lock (its first rename: the backup of xl.conf)
    // so that it is still running when the late one wakes up.
    const winner = start(slowed('rename,renameat,renameat2', 6_000_000, '1'))
    const [lateRun, winnerRun] = [await late.done, await winner.done]
    // The late run had read the stale lock before the winner replaced it: it looked at the dead pid, once.
    expect(readFileSync(trace, 'utf8').split('\n').filter((line) => line.includes(`/proc/${DEAD_PID}/stat`))).toHaveLength(1)
    removeTree(trace)
    expectOneRun(winnerRun, lateRun)
  }, 60_000)

  test('a directory at the lock path: one line naming it and what to remove, exit 1, nothing written', async () => {
    root = makeTree(machine(DEBIAN, {...GRUB_INSTALLED, '/etc/xen/xl.conf': '#autoballoon="auto"\n'}))
    mkdirSync(at(LOCK), {recursive: true})
    writeFileSync(at(`${LOCK}/inside`), '')
    const run = await start(init()).done
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`xensetup: ${at(LOCK)} is a directory, not a lock file xensetup made: remove it (rm -r ${at(LOCK)}) and run again\n`)
    expect(readFileSync(at('etc/xen/xl.conf'), 'utf8')).toBe('#autoballoon="auto"\n')
    expect(existsSync(at('var/lib/xensetup/journal.jsonl'))).toBe(false)
  }, 60_000)
})
