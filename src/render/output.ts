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
