import {releaseKind} from '../assets.js'
import {EXIT} from '../errors.js'
import {errorOutput} from '../render/output.js'
import {ACTIONS, loadAction} from './actions.js'
import {outputs, perform} from './call.js'
import {parseFast} from './fast-parse.js'
import {INTERNAL} from './internal.js'
import {dropOutputWhenReaderGoes, writeOut} from './stdout.js'
import {commandOf, type Manifest, manifestCommands} from './manifest.js'

/** oclif, started however this build starts it: the package's commands directory, or the bundle's own. */
export type Oclif = (argv: string[]) => Promise<void>

/**
 * The CLI. A command line the manifest fully describes runs its action directly: loading oclif takes
 * longer than node's own start-up, and doctor runs at logins and in monitoring loops. Help, bad input
 * and anything else go to oclif, which owns their wording.
 */
export async function main(argv: string[], oclif: Oclif): Promise<void> {
  dropOutputWhenReaderGoes()
  const [first, ...rest] = argv
  const helper = first !== undefined && Object.hasOwn(INTERNAL, first) ? INTERNAL[first] : undefined
  if (helper) return (await helper())(rest)
  if (argv.length === 1 && argv[0] === '--version') {
    writeOut(`${await versionLine()}\n`)
    return
  }
  const manifest = manifestCommands()
  if (manifest !== undefined && ((await runFast(manifest, argv)) || unknownCommandAsJson(manifest, argv))) return
  await oclif(argv)
}

/** oclif's user agent, plus what kind of release this is: an admin asking wants to know which Node runs it. */
async function versionLine(): Promise<string> {
  // package.json is read for this alone: the commands that need the version load it themselves.
  const {VERSION} = await import('../version.js')
  const kind = releaseKind()
  return `xensetup/${VERSION} ${process.platform}-${process.arch} node-${process.version}${kind ? ` (${kind})` : ''}`
}

async function runFast(manifest: Manifest, argv: string[]): Promise<boolean> {
  const command = commandOf(manifest, argv)
  if (command === undefined || !Object.hasOwn(ACTIONS, command.id)) return false
  const spec = manifest[command.id]
  const parsed = parseFast(spec, command.rest)
  if (parsed === undefined) return false
  const id = command.id as keyof typeof ACTIONS
  // As oclif's jsonEnabled: only a command with --json, and XENSETUP_CONTENT_TYPE=json asks for it too.
  const json = spec.enableJsonFlag === true && (parsed.flags.json === true || process.env.XENSETUP_CONTENT_TYPE?.toLowerCase() === 'json')
  const call = {flags: parsed.flags as {root: string}, args: parsed.args, argv: command.rest, json, ...outputs(json, writeOut)}
  await perform(await loadAction(id), call, id)
  return true
}

/** `xensetup typo --json` still answers with one JSON document, which oclif's "command not found" is not. */
function unknownCommandAsJson(manifest: Manifest, argv: string[]): boolean {
  const [command] = argv
  if (!argv.includes('--json') || command === undefined || command.startsWith('-')) return false
  if (Object.hasOwn(manifest, command) || command === 'help' || Object.keys(manifest).some((id) => id.startsWith(`${command}:`))) return false
  const commands = Object.keys(manifest).sort().map((id) => id.replaceAll(':', ' '))
  const output = errorOutput({message: `${command} is not a xensetup command`, hint: `commands: ${commands.join(', ')}; see 'xensetup --help'`, exitCode: EXIT.usage}, true)
  writeOut(output.text)
  process.exitCode = EXIT.usage
  return true
}
