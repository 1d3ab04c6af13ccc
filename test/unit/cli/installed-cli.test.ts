import {describe, expect, test} from '@jest/globals'
import {spawn, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import Doctor from '../../../src/commands/doctor.js'
import {runCommand} from '../../lib/cli.js'
import {builtCli} from '../../lib/built-cli.js'

const fixture = fileURLToPath(new URL('../../fixtures/roots/gentoo', import.meta.url))
// The environment an admin's shell has: not jest's NODE_ENV=test (oclif adds developer warnings then).
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && name !== 'NODE_OPTIONS'))
const cli = (...argv: string[]) => spawnSync(process.execPath, [builtCli(), ...argv], {encoding: 'utf8', env})

describe('the installed CLI (bin/run.js)', () => {
  test('doctor through bin/run.js (its fast launcher) prints what the oclif command prints, with the same exit code', async () => {
    const out = cli('doctor', '--json', '--root', fixture)
    const command = await runCommand(Doctor, ['--json', '--root', fixture])
    expect(out.status).toBe(1)
    expect(command.exitCode).toBe(1)
    expect(out.stdout).toBe(command.stdout)
    expect(cli('doctor', '--root', fixture, '-v').stdout).toMatch(/\[SKIP\]/)
  })

  test('doctor flags the fast path does not know go to oclif: help, and a typo as a one-line usage error', () => {
    expect(cli('doctor', '--help').stdout).toMatch(/^Check that this host can run Xen/)
    const typo = cli('doctor', '--jsn')
    expect(typo.status).toBe(2)
    expect(typo.stderr).toBe("xensetup: Nonexistent flag: --jsn (hint: see 'xensetup doctor --help')\n")
  })

  test('--help lists init and doctor; an unknown command is an error', () => {
    expect(cli('--help').stdout).toMatch(/COMMANDS\n(.*\n)*\s+doctor\s+Check that this host(.*\n)*\s+init\s+Turn this host/)
    expect(cli('frobnicate').status).not.toBe(0)
  })

  test('--version names the version and the Node that runs it (a package directory: no release kind)', () => {
    const out = cli('--version')
    expect(out.status).toBe(0)
    expect(out.stdout).toBe(`xensetup/0.1.0 ${process.platform}-${process.arch} node-${process.version}\n`)
  })

  test('every command line the fast path runs gives what oclif gives: guest create refuses a bad --vcpus in one line, exit 2', () => {
    const fast = cli('guest', 'create', 'web1', '--vcpus', 'two', '--dry-run', '--root', fixture)
    expect(fast.status).toBe(2)
    expect(fast.stderr).toBe("xensetup: --vcpus two is not a whole number of at least 1 (hint: e.g. --vcpus 2)\n")
    const stop = cli('guest', 'stop', 'web1', '--timeout', '0', '--root', fixture, '--json')
    expect(stop.status).toBe(2)
    expect(JSON.parse(stop.stdout)).toEqual({error: {message: '--timeout 0 is not a whole number of at least 1', hint: 'e.g. --timeout 2', exitCode: 2}})
  })

  test('the hidden helpers answer a bad call with their usage, not as commands', () => {
    const helper = cli('__activate-bridge')
    expect(helper.status).toBe(2)
    expect(helper.stderr).toBe('usage: xensetup __activate-bridge <uplink> <bridge> <revert-after-seconds> [--root DIR] [FILE...]\n')
  })

  test('names of JavaScript built-ins are unknown commands like any other: one line, or one JSON document, exit 2', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const plain = cli(name)
      expect({name, status: plain.status, lines: plain.stderr.trim().split('\n').length}).toEqual({name, status: 2, lines: 1})
      const json = cli(name, '--json')
      expect(JSON.parse(json.stdout)).toMatchObject({error: {message: `${name} is not a xensetup command`, exitCode: 2}})
    }
  })

  test('a reader that goes away (| head) ends the output, not the run: no crash, the exit code of the command', async () => {
    const child = spawn(process.execPath, [builtCli(), 'doctor', '--verbose', '--root', fixture], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdout.destroy()
    const status = await new Promise((resolve) => child.on('close', resolve))
    expect({status, stderr}).toEqual({status: 1, stderr: ''})
  })
})
