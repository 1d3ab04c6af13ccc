import {parseArgs} from 'node:util'
import type {ManifestArg, ManifestCommand, ManifestFlag} from './manifest.js'

/** Properties the fast path reproduces; a flag or arg with anything else (env, a default…) is oclif's. */
const UNDERSTOOD = new Set(['name', 'type', 'char', 'default', 'multiple', 'delimiter', 'options', 'exclusive', 'dependsOn', 'summary', 'description', 'helpGroup', 'hasDynamicHelp', 'allowNo'])
const UNDERSTOOD_ARG = new Set(['name', 'description', 'required', 'options'])

export interface Parsed {
  flags: Record<string, unknown>
  args: Record<string, string>
}

/**
 * Parses a command's argv from its manifest entry alone, giving exactly what oclif's parser gives for a
 * valid command line (defaults, comma-delimited multiples) without loading oclif. Anything it is not
 * sure of returns undefined and goes to oclif, which owns help, errors and their wording: an unknown or
 * repeated flag, a value outside a flag's options, a missing argument, `--`, a flag with a property
 * this does not know.
 */
export function parseFast(command: ManifestCommand, argv: string[]): Parsed | undefined {
  const flags = Object.values(command.flags)
  const argSpecs = Object.values(command.args)
  if (command.strict === false || flags.some(notUnderstood) || argSpecs.some((arg) => Object.keys(arg).some((key) => !UNDERSTOOD_ARG.has(key))) || argv.includes('--')) return undefined
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({args: argv, options: parseOptions(flags), strict: true, allowPositionals: true, tokens: true})
  } catch {
    return undefined
  }
  const values = flagValues(flags, parsed)
  const args = argValues(argSpecs, parsed.positionals)
  if (values === undefined || args === undefined || !relationsHold(flags, new Set(Object.keys(parsed.values)))) return undefined
  return {flags: values, args}
}

function notUnderstood(flag: ManifestFlag): boolean {
  return Object.keys(flag).some((key) => !UNDERSTOOD.has(key)) || flag.allowNo === true || flag.hasDynamicHelp === true
}

function parseOptions(flags: ManifestFlag[]) {
  return Object.fromEntries(
    flags.map((flag) => [flag.name, {type: flag.type === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: true, ...(flag.char ? {short: flag.char} : {})}]),
  )
}

function flagValues(flags: ManifestFlag[], parsed: ReturnType<typeof parseArgs>): Record<string, unknown> | undefined {
  const values: Record<string, unknown> = {}
  const positionalsAfterMultiple = afterMultiple(flags, parsed.tokens ?? [])
  // oclif lets a multiple flag take the words after it as more values: leave such lines to it.
  if (positionalsAfterMultiple) return undefined
  for (const flag of flags) {
    const given = parsed.values[flag.name] as Array<string | boolean> | undefined
    if (given === undefined) {
      if (flag.default !== undefined) values[flag.name] = flag.default
      continue
    }
    if (flag.type === 'boolean') {
      if (given.length > 1) return undefined
      values[flag.name] = true
      continue
    }
    const words = flag.multiple ? (given as string[]).flatMap((value) => (flag.delimiter ? value.split(flag.delimiter) : [value])) : (given as string[])
    if ((!flag.multiple && words.length > 1) || words.some((word) => word === '' || (flag.options !== undefined && !flag.options.includes(word)))) return undefined
    values[flag.name] = flag.multiple ? words : words[0]
  }
  return values
}

function afterMultiple(flags: ManifestFlag[], tokens: NonNullable<ReturnType<typeof parseArgs>['tokens']>): boolean {
  const multiple = new Set(flags.filter((flag) => flag.multiple).map((flag) => flag.name))
  const first = tokens.findIndex((token) => token.kind === 'option' && multiple.has(token.name))
  return first !== -1 && tokens.slice(first).some((token) => token.kind === 'positional')
}

function argValues(specs: ManifestArg[], positionals: string[]): Record<string, string> | undefined {
  if (positionals.length > specs.length) return undefined
  const args: Record<string, string> = {}
  for (const [index, spec] of specs.entries()) {
    const value = positionals[index]
    if (value === undefined) {
      if (spec.required) return undefined
      continue
    }
    if (spec.options !== undefined && !spec.options.includes(value)) return undefined
    args[spec.name] = value
  }
  return args
}

function relationsHold(flags: ManifestFlag[], given: Set<string>): boolean {
  return flags.every(
    (flag) => !given.has(flag.name) || ((flag.exclusive ?? []).every((other) => !given.has(other)) && (flag.dependsOn ?? []).every((other) => given.has(other))),
  )
}
