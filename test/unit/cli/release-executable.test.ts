import {describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {builtCli, releaseExecutable} from '../../lib/built-cli.js'

const fixture = fileURLToPath(new URL('../../fixtures/roots/gentoo', import.meta.url))
// An admin's environment: no NODE_OPTIONS (jest's would also make V8 turn the executable's code cache down).
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && name !== 'NODE_OPTIONS'))
const executable = (...argv: string[]) => spawnSync(releaseExecutable(), argv, {encoding: 'utf8', env})
const installed = (...argv: string[]) => spawnSync(process.execPath, [builtCli(), ...argv], {encoding: 'utf8', env})

/** The executable starts the bundle through scripts/sea-main.cjs, with V8's code for a doctor run. */
describe('the single executable (release/xensetup-linux-x64)', () => {
  test('V8 takes the code cache built with it, and it says what it is', () => {
    expect(executable('__code-cache').stdout).toBe('accepted\n')
    expect(executable('--version').stdout).toBe(`xensetup/0.1.0 ${process.platform}-${process.arch} node-${process.version} (single executable)\n`)
  })

  test('with that code, doctor and a usage error give what the installed CLI gives', () => {
    // What each run must show, so that two identical crashes cannot pass: the gentoo root has a failing check (exit 1).
    const cases = [
      {argv: ['doctor', '--json', '--root', fixture], status: 1, shows: '"schemaVersion"'},
      {argv: ['doctor', '--root', fixture, '-v'], status: 1, shows: 'Summary: 1 failed'},
      {argv: ['guest', 'create', 'web1', '--vcpus', 'two', '--dry-run', '--root', fixture], status: 2, shows: '--vcpus two is not a whole number'},
    ]
    for (const {argv, status: expected, shows} of cases) {
      const {status, stdout, stderr} = executable(...argv)
      const reference = installed(...argv)
      expect({argv, status: reference.status, shown: (reference.stdout + reference.stderr).includes(shows)}).toEqual({argv, status: expected, shown: true})
      expect({argv, status, stdout, stderr}).toEqual({argv, status: reference.status, stdout: reference.stdout, stderr: reference.stderr})
    }
  })
})
