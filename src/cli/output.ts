import {safeText} from '../render/safe-text.js'
import {Host} from '../host/host.js'
import {EXIT, UserError} from './errors.js'

/**
 * The target machine; a --root that is empty, missing or not a directory is a usage error (an empty
 * one would otherwise mean the working directory). A root that resolves to / is the live machine.
 */
export function openHost(root: string): Host {
  if (root.trim() === '') throw new UserError('--root is empty', 'give the directory that holds the target root file system, or leave --root out for this machine', EXIT.usage)
  const host = new Host(root)
  if (!host.isDirectory('/')) {
    throw new UserError(`--root ${root} is not a directory`, 'give the directory that holds the target root file system', EXIT.usage)
  }
  return host
}

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
