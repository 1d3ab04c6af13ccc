import {EXIT, UserError} from '../errors.js'
import {safeText} from './safe-text.js'

/** JSON exactly as oclif's logJson prints it (pretty, uncoloured when piped), so both paths agree. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

export interface ErrorReport {
  message: string
  hint: string | null
  exitCode: number
}

/** One line for a person, or one JSON document for automation: never a stack trace. */
export function errorOutput(error: ErrorReport, json: boolean): {stream: 'stdout' | 'stderr'; text: string} {
  if (json) return {stream: 'stdout', text: jsonText({error})}
  return {stream: 'stderr', text: `${safeText(`xensetup: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`)}\n`}
}

/**
 * Reports an error as the command's outcome: a UserError with its hint and exit code, anything else by
 * the first line of its message with `fallback`'s code and hint (its stack only with XENSETUP_DEBUG).
 */
export function reportError(error: unknown, json: boolean, fallback: {exitCode: number; hint: string | null} = {exitCode: EXIT.failure, hint: null}): void {
  const known = error instanceof UserError
  const exitCode = known ? error.exitCode : fallback.exitCode
  // oclif reports flag errors over several lines ("See more help with --help"): the first says it.
  const message = ((error as Error)?.message || String(error)).split('\n')[0].replace(/^Error: /, '')
  process.exitCode = exitCode
  if (!known && exitCode !== EXIT.usage && process.env.XENSETUP_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`)
  const output = errorOutput({message, hint: known ? error.hint : fallback.hint, exitCode}, json)
  process[output.stream].write(output.text)
}
