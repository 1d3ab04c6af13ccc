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
    for (const argv of [['doctor', '--json', '--root', fixture], ['doctor', '--root', fixture, '-v'], ['guest', 'create', 'web1', '--vcpus', 'two', '--dry-run', '--root', fixture]]) {
      const {status, stdout, stderr} = executable(...argv)
      const reference = installed(...argv)
      expect({argv, status, stdout, stderr}).toEqual({argv, status: reference.status, stdout: reference.stdout, stderr: reference.stderr})
    }
  })
})
