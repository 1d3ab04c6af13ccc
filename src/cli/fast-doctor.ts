import {parseArgs} from 'node:util'
import {manifestCommands} from './manifest.js'
import {runDoctor} from '../doctor/run-doctor.js'
import {jsonText, reportError} from '../render/output.js'

interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  char?: string
  default?: string
}

/**
 * doctor runs at every login of some admins and in monitoring loops, and loading oclif alone takes
 * longer than node's own start-up. So bin/run.js hands plain doctor invocations here: the flags are the
 * ones oclif's manifest declares for the command (one definition), parsed with node:util. Anything this
 * does not understand (--help, a typo) returns false and oclif handles it, with its messages.
 */
export function fastDoctor(argv: string[], manifest: URL): boolean {
  const flags = doctorFlags(manifest)
  if (!flags) return false
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({args: argv, options: parseOptions(flags), strict: true, allowPositionals: false}).values
  } catch {
    return false
  }
  const json = values.json === true
  try {
    const outcome = runDoctor({
      root: typeof values.root === 'string' ? values.root : (flags.root?.default ?? '/'),
      verbose: values.verbose === true,
      explain: typeof values.explain === 'string' ? values.explain : undefined,
    })
    process.exitCode = outcome.exitCode
    process.stdout.write(json ? jsonText(outcome.document) : outcome.text)
  } catch (error) {
    // Whatever went wrong is one line (or one JSON document), as oclif's commands report it.
    reportError(error, json)
  }
  return true
}

function doctorFlags(manifest: URL): Record<string, ManifestFlag> | undefined {
  return manifestCommands(manifest)?.doctor?.flags as Record<string, ManifestFlag> | undefined
}

function parseOptions(flags: Record<string, ManifestFlag>) {
  return Object.fromEntries(
    Object.values(flags).map((flag) => [flag.name, {type: flag.type === 'boolean' ? ('boolean' as const) : ('string' as const), ...(flag.char ? {short: flag.char} : {})}]),
  )
}
