import {EXIT} from '../errors.js'
import {errorOutput} from '../render/output.js'
import {manifestCommands} from './manifest.js'

/**
 * `xensetup typo --json` must still answer with one JSON document, which oclif's own "command not
 * found" text is not. Returns true when it answered.
 */
export function unknownCommandAsJson(argv: string[], manifest: URL): boolean {
  const [command] = argv
  if (!argv.includes('--json') || command === undefined || command.startsWith('-')) return false
  const commands = manifestCommands(manifest)
  if (commands === undefined) return false
  if (command in commands || command === 'help' || Object.keys(commands).some((id) => id.startsWith(`${command}:`))) return false
  const output = errorOutput({message: `${command} is not a xensetup command`, hint: `commands: ${Object.keys(commands).sort().map((id) => id.replaceAll(':', ' ')).join(', ')}; see 'xensetup --help'`, exitCode: EXIT.usage}, true)
  process.stdout.write(output.text)
  process.exitCode = EXIT.usage
  return true
}
