import {readFileSync} from 'node:fs'

/**
 * The commands oclif's manifest describes, read without loading oclif; undefined without a manifest
 * (a development tree), where oclif finds the commands itself.
 */
export function manifestCommands(manifest: URL): Record<string, {flags?: Record<string, unknown>}> | undefined {
  try {
    return JSON.parse(readFileSync(manifest, 'utf8')).commands ?? {}
  } catch {
    return undefined
  }
}
