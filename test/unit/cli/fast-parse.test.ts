import {describe, expect, test} from '@jest/globals'
import {Config} from '@oclif/core'
import {ACTIONS} from '../../../src/cli/actions.js'
import {parseFast} from '../../../src/cli/fast-parse.js'
import {commandOf, manifestCommands, type ManifestCommand, type ManifestFlag} from '../../../src/cli/manifest.js'
import {builtCli, REPO} from '../../lib/built-cli.js'

builtCli() // the manifest read here is the one `npm run build` wrote from the current sources
const manifest = manifestCommands()!

/** What oclif's own parser makes of the line for the command, or 'error' where oclif refuses it. */
async function oclifParse(config: Config, id: string, argv: string[]): Promise<{flags: unknown; args: unknown} | 'error'> {
  const CommandClass = (await config.findCommand(id)!.load()) as unknown as new (argv: string[], config: Config) => {parse(c: unknown): Promise<{flags: unknown; args: unknown}>}
  const command = new CommandClass(argv, config)
  try {
    const {flags, args} = await command.parse(CommandClass)
    return {flags, args}
  } catch {
    return 'error'
  }
}

function valueFor(flag: ManifestFlag): string {
  return flag.options?.[0] ?? (flag.name === 'root' ? '/tmp' : 'x1')
}

/** Lines oclif accepts and lines it refuses, from each command's flags and args in the manifest. */
function samples(command: ManifestCommand): string[][] {
  const required = Object.values(command.args).filter((arg) => arg.required).map((arg) => arg.options?.[0] ?? 'web1')
  const flags = Object.values(command.flags)
  const one = flags.map((flag) => [...required, ...(flag.type === 'boolean' ? [`--${flag.name}`] : [`--${flag.name}`, valueFor(flag)])])
  const lines = [
    [...required],
    ...one,
    // every flag given at once, in = form, shorts by their char
    [...required, ...flags.map((flag) => (flag.type === 'boolean' ? (flag.char ? `-${flag.char}` : `--${flag.name}`) : `--${flag.name}=${valueFor(flag)}`))],
    // refused: an unknown flag, a repeated flag, a value outside the options, a missing or extra argument
    [...required, '--no-such-flag'],
    [...required, '--root', '/a', '--root', '/b'],
    [...required, 'extra', 'words', 'beyond', 'args'],
    Object.keys(command.args).length > 0 ? [] : ['unexpected'],
    ...flags.filter((flag) => flag.options).map((flag) => [...required, `--${flag.name}`, 'not-an-option']),
    ...flags.filter((flag) => flag.multiple).map((flag) => [...required, `--${flag.name}`, `${flag.options![0]},${flag.options![1]}`, `--${flag.name}=${flag.options![2]}`]),
    ...flags.filter((flag) => flag.type === 'option').map((flag) => [...required, `--${flag.name}`]),
    [...required, '--json', '--', '--root'],
  ]
  return lines
}

describe('the fast path parses exactly as oclif does, or leaves the line to oclif', () => {
  test('every command in the manifest has an action, and every action a command', () => {
    expect(Object.keys(ACTIONS).sort()).toEqual(Object.keys(manifest).sort())
  })

  test.each(Object.keys(manifest))('%s: for each sample line, the same flags and args as oclif, or undefined', async (id) => {
    const config = await Config.load(REPO)
    const handledFast: string[][] = []
    for (const argv of samples(manifest[id])) {
      const fast = parseFast(manifest[id], argv)
      const reference = await oclifParse(config, id, argv)
      if (fast === undefined) continue
      expect({argv, parsed: reference === 'error' ? 'error' : {flags: reference.flags, args: reference.args}}).toEqual({argv, parsed: fast})
      handledFast.push(argv)
    }
    // The plain lines (no flags, each flag alone, all of them) are the fast path's to run.
    expect(handledFast.length).toBeGreaterThanOrEqual(Object.keys(manifest[id].flags).length)
  })

  test('a repeated flag, a value outside the options, a dependsOn or exclusive broken go to oclif', () => {
    const create = manifest['guest:create']
    expect(parseFast(create, ['web1', '--console'])).toBeUndefined()
    expect(parseFast(create, ['web1', '--disk', '4G', '--disk-path', '/dev/x'])).toBeUndefined()
    expect(parseFast(create, ['web1', '--type', 'kvm'])).toBeUndefined()
    expect(parseFast(create, ['web1', '--memory', '1G', '--memory', '2G'])).toBeUndefined()
    expect(parseFast(create, ['web1', '--console', '--start'])).toMatchObject({flags: {console: true, start: true}})
  })

  test('the command is found by its words or by its oclif id', () => {
    expect(commandOf(manifest, ['guest', 'create', 'web1'])).toEqual({id: 'guest:create', rest: ['web1']})
    expect(commandOf(manifest, ['guest:list', '--json'])).toEqual({id: 'guest:list', rest: ['--json']})
    expect(commandOf(manifest, ['guest'])).toBeUndefined()
    expect(commandOf(manifest, ['--help'])).toBeUndefined()
  })
})
