import {afterAll, afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {Journal, JOURNAL, fileHash} from '../../src/engine/journal.js'
import {RunLock} from '../../src/engine/lock.js'
import {Host} from '../../src/host/host.js'
import {HELPERS} from '../../src/host/helpers.js'
import {settleNetworkTrial} from '../../src/init/network-trial.js'
import {Prompter} from '../../src/init/prompter.js'
import {DECISION, OUTCOME, TRIAL} from '../../src/steps/bridge/trial.js'
import {builtCli} from '../lib/built-cli.js'
import {HOST_NS, ROUTES_4, ROUTES_6, UPLINK, createNamespaces, globalAddresses, linkExists, reach, removeNamespaces, routesVia, startServer} from '../lib/netns-lab.js'
import {makeTree, removeTree} from '../lib/tree.js'

/**
 * `init --apply-network`'s switch on trial, for real in network namespaces (test/lib/netns-lab.ts): the
 * activation helper moves the uplink onto xenbr0 and starts the detached reverter; the configuration
 * file is a tree's (--root), written and journaled the way the engine does before the activation runs.
 * Root only (namespaces need CAP_NET_ADMIN); CI is root.
 */
const asRoot = process.getuid?.() === 0
if (!asRoot) process.stderr.write('network-trial-netns: skipped, creating network namespaces needs root\n')
const describeAsRoot = asRoot ? describe : describe.skip

const INTERFACES = '/etc/network/interfaces'
const BEFORE = `auto ${UPLINK}\niface ${UPLINK} inet static\n    address 10.77.0.2/24\n    gateway 10.77.0.1\n`
const BRIDGED = `iface ${UPLINK} inet manual\n\nauto xenbr0\niface xenbr0 inet static\n    address 10.77.0.2/24\n    gateway 10.77.0.1\n    bridge_ports ${UPLINK}\n`
const SECONDS = 6

/** The admin at init's terminal, with one answer ready. */
class AnsweringPrompter extends Prompter {
  constructor(private readonly answer: boolean) {
    super(true)
  }

  override async confirm(): Promise<boolean> {
    return this.answer
  }
}

let root: string
let server: ChildProcess | undefined
let cli: string

/** The bridge step's file change as the engine applies it: backed up and journaled, then written. */
function writeBridgedConfig(): void {
  const host = new Host(root)
  const journal = new Journal(host, undefined, {command: 'init', args: ['--apply-network'], version: 'test', root, pid: process.pid})
  const backup = journal.backup(INTERFACES)
  host.write(INTERFACES, BRIDGED, 'utf8', {mode: 0o644, uid: 0, gid: 0})
  journal.record({step: 'bridge', kind: 'file', path: INTERFACES, backup, created: false, sha256: fileHash(host, INTERFACES)})
}

const activationArgv = () => [cli, HELPERS.activateBridge, UPLINK, 'xenbr0', String(SECONDS), '--root', root, INTERFACES]
const inTree = (file: string) => path.join(root, file)
const trial = () => JSON.parse(readFileSync(inTree(TRIAL), 'utf8')) as {deadline: number; reverterPid?: number; files: unknown[]}
/** The reverter still running (its pid not reused by another program meanwhile). */
const alive = (pid: number) => existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(HELPERS.networkRevert)
const journalKinds = () => readFileSync(inTree(JOURNAL), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {kind: string; command?: string})

async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (what()) return true
  return what()
}

function expectNetworkRestored(): void {
  expect(linkExists('xenbr0')).toBe(false)
  expect(globalAddresses(UPLINK)).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
  expect(routesVia('-4', UPLINK)).toEqual(ROUTES_4)
  expect(routesVia('-6', UPLINK)).toEqual(ROUTES_6)
  expect(reach('10.77.0.2')).toBe('pong')
}

function expectUplinkRestored(): void {
  expectNetworkRestored()
  expect(readFileSync(inTree(INTERFACES), 'utf8')).toBe(BEFORE)
}

describeAsRoot('the live switch on trial (init --apply-network): confirmed, or put back', () => {
  beforeEach(async () => {
    cli = builtCli()
    removeNamespaces()
    createNamespaces()
    server = await startServer()
    root = makeTree({[INTERFACES]: BEFORE})
    writeBridgedConfig()
  })

  afterEach(() => {
    const pid = existsSync(inTree(TRIAL)) ? trial().reverterPid : undefined
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL')
    server?.kill()
    removeNamespaces()
    removeTree(root)
  })

  afterAll(removeNamespaces)

  test('confirmed in time (xensetup confirm-network): xenbr0 keeps the network, the configuration stays, the journal says so', async () => {
    const activated = spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()], {encoding: 'utf8'})
    expect(activated.status).toBe(0)
    expect(activated.stdout).toMatch(/xenbr0 now carries xsup0's addresses and routes, on trial/)
    expect(globalAddresses('xenbr0')).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
    const confirmed = spawnSync(process.execPath, [cli, 'confirm-network', '--root', root], {encoding: 'utf8'})
    expect({status: confirmed.status, stdout: confirmed.stdout}).toEqual({status: 0, stdout: "Confirmed: xenbr0 keeps xsup0's addresses and routes; nothing will be put back.\n"})

    await sleep(SECONDS * 1000 + 1500)
    const {reverterPid} = trial()
    expect(reverterPid).toEqual(expect.any(Number))
    expect(alive(reverterPid as number)).toBe(false)
    expect(existsSync(inTree(OUTCOME))).toBe(false)
    expect(globalAddresses('xenbr0')).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
    expect(readFileSync(inTree(INTERFACES), 'utf8')).toBe(BRIDGED)
    expect(reach('10.77.0.2')).toBe('pong')
    expect(journalKinds().filter((entry) => entry.kind === 'network-confirmed')).toEqual([expect.objectContaining({bridge: 'xenbr0', uplink: UPLINK, via: 'command'})])
  })

  test('not confirmed: at the deadline the uplink gets its addresses and routes back, the file its old text; confirming then is too late (exit 1)', async () => {
    const activated = spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()], {encoding: 'utf8'})
    expect(activated.status).toBe(0)
    expect(linkExists('xenbr0')).toBe(true)
    expect(await waitFor(() => existsSync(inTree(OUTCOME)), SECONDS * 1000 + 15_000)).toBe(true)
    expect(JSON.parse(readFileSync(inTree(OUTCOME), 'utf8'))).toEqual({problems: []})
    expectUplinkRestored()
    // The revert is a run of its own, with the bridged file backed up (rollback could redo it).
    expect(journalKinds().filter((entry) => entry.kind === 'run-start').map((entry) => entry.command)).toEqual(['init', 'network-revert'])
    const late = spawnSync(process.execPath, [cli, 'confirm-network', '--root', root], {encoding: 'utf8'})
    expect(late.status).toBe(1)
    expect(late.stderr).toMatch(/too late: the switch to xenbr0 is put back/)
  })

  test.each([
    [true, "kept: xenbr0 carries xsup0's network", 'confirmed'],
    [false, 'put back: xsup0 has its addresses and routes, and the network configuration is as before', 'revert'],
  ])('on init\'s terminal, answering %s settles it at once', async (answer, note, decision) => {
    const activated = spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()], {encoding: 'utf8'})
    expect(activated.status).toBe(0)
    const started = Date.now()
    expect(await settleNetworkTrial(new Host(root), new AnsweringPrompter(answer))).toBe(note)
    expect(readFileSync(inTree(DECISION), 'utf8')).toBe(`${decision}\n`)
    // Settled by the answer, not by the deadline.
    expect(Date.now() - started).toBeLessThan(SECONDS * 1000)
    if (answer) expect(globalAddresses('xenbr0')).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
    else expectUplinkRestored()
  })

  test('a switch that cannot be put on trial (its record cannot be written) is put back at once: exit 1, the uplink as it was', async () => {
    // /run/xensetup a file: the trial's record has nowhere to go.
    mkdirSync(inTree('/run'))
    writeFileSync(inTree('/run/xensetup'), '')
    const activated = spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()], {encoding: 'utf8'})
    expect(activated.status).toBe(1)
    expect(activated.stderr).toMatch(/^the switch could not be put on trial \(.*\); xsup0 was restored\n$/)
    expectNetworkRestored()
  })

  test('confirmed from another session while init\'s prompt is open: the prompt\'s "no" does not undo it', async () => {
    expect(spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()]).status).toBe(0)
    expect(spawnSync(process.execPath, [cli, 'confirm-network', '--root', root]).status).toBe(0)
    expect(await settleNetworkTrial(new Host(root), new AnsweringPrompter(false))).toBe("kept: xenbr0 carries xsup0's network")
    expect(globalAddresses('xenbr0')).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
  })

  test('the run lock held at the deadline: the network goes back at once, the files stay and the outcome says why', async () => {
    // A run of another xensetup, alive (this test process), holding the target's lock for the whole trial.
    const lock = new RunLock(new Host(root), new Host('/'))
    expect('acquired' in lock.acquire('init')).toBe(true)
    try {
      expect(spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()]).status).toBe(0)
      // The network is put back at the deadline, before the lock wait (a minute) ends.
      // The last command the revert runs: the IPv6 default route back on the uplink.
      expect(await waitFor(() => routesVia('-6', UPLINK).length > 0, SECONDS * 1000 + 10_000)).toBe(true)
      expectNetworkRestored()
      expect(readFileSync(inTree(INTERFACES), 'utf8')).toBe(BRIDGED)
    } finally {
      lock.release()
    }
    expect(await waitFor(() => existsSync(inTree(OUTCOME)), 10_000)).toBe(true)
    // Released within the reverter's wait: it takes the lock and puts the file back too.
    expect(JSON.parse(readFileSync(inTree(OUTCOME), 'utf8'))).toEqual({problems: []})
    expect(readFileSync(inTree(INTERFACES), 'utf8')).toBe(BEFORE)
  })

  test('a file edited during the trial is not overwritten by the revert: kept, and named in the outcome', async () => {
    expect(spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()]).status).toBe(0)
    const edited = `${BRIDGED}# the admin's own line\n`
    writeFileSync(inTree(INTERFACES), edited)
    expect(await waitFor(() => existsSync(inTree(OUTCOME)), SECONDS * 1000 + 15_000)).toBe(true)
    expectNetworkRestored()
    expect(readFileSync(inTree(INTERFACES), 'utf8')).toBe(edited)
    expect(JSON.parse(readFileSync(inTree(OUTCOME), 'utf8'))).toEqual({problems: [`${inTree(INTERFACES)} changed since the switch wrote it: left as it is`]})
  })

  test('a file the journal has no backup of: nothing is switched (exit 1), since it could not be put back', async () => {
    const activated = spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv(), '/etc/network/interfaces.d/xenbr0'], {encoding: 'utf8'})
    expect(activated.status).toBe(1)
    expect(activated.stderr).toBe(`${inTree('/etc/network/interfaces.d/xenbr0')} has no backup in the journal's last run, so it could not be put back\n`)
    expect(linkExists('xenbr0')).toBe(false)
    expect(existsSync(inTree(TRIAL))).toBe(false)
  })

  test('a journal line a killed run left half written does not stand in the way: the backups are read past it', async () => {
    removeTree(root)
    root = makeTree({[INTERFACES]: BEFORE, [JOURNAL]: '{"run":"20261201T000000Z-1","at":"2026-12-01T00:00:00Z","kind":"run-st'})
    writeBridgedConfig()
    expect(spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()]).status).toBe(0)
    expect(trial()).toMatchObject({files: [{path: INTERFACES, backup: expect.stringMatching(/^\/var\/lib\/xensetup\/backups\/.*\/etc\/network\/interfaces$/)}]})
  })

  test('with --yes (no terminal) init only says how and by when to confirm', async () => {
    spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, ...activationArgv()], {encoding: 'utf8'})
    expect(await settleNetworkTrial(new Host(root), new Prompter(false))).toMatch(/^xenbr0 carries xsup0's network on trial: it is put back at .* unless you run `xensetup confirm-network` \(from a new SSH session/)
    expect(existsSync(inTree(DECISION))).toBe(false)
  })

  test.each(['SIGKILL', 'SIGHUP'] as const)('the session that ran it killed (%s, the whole process group): the detached reverter still puts it back', async (signal) => {
    // init's session: a process group of its own whose leader runs the activation, then waits.
    const session = spawn('bash', ['-c', 'ip netns exec "$0" "$@"; sleep 300', HOST_NS, process.execPath, ...activationArgv()], {detached: true, stdio: 'ignore'})
    expect(await waitFor(() => existsSync(inTree(TRIAL)) && trial().reverterPid !== undefined, 20_000)).toBe(true)
    expect(linkExists('xenbr0')).toBe(true)
    process.kill(-session.pid!, signal)
    expect(await waitFor(() => existsSync(inTree(OUTCOME)), SECONDS * 1000 + 15_000)).toBe(true)
    expectUplinkRestored()
  })
})
