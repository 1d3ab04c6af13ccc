import {readAsset} from '../assets.js'

export interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  summary?: string
  description?: string
  hidden?: boolean
  char?: string
  default?: unknown
  multiple?: boolean
  delimiter?: string
  options?: string[]
  exclusive?: string[]
  dependsOn?: string[]
  [other: string]: unknown
}

export interface ManifestArg {
  name: string
  description?: string
  required?: boolean
  options?: string[]
  [other: string]: unknown
}

export interface ManifestCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  strict?: boolean
  enableJsonFlag?: boolean
  flags: Record<string, ManifestFlag>
  args: Record<string, ManifestArg>
  [other: string]: unknown
}

export type Manifest = Record<string, ManifestCommand>

/**
 * The commands as oclif's manifest describes them (what `npm run build` wrote), read without loading
 * oclif; undefined without a manifest (a development tree), where oclif finds the commands itself.
 */
export function manifestCommands(): Manifest | undefined {
  try {
    return JSON.parse(readAsset('oclif.manifest.json')).commands ?? {}
  } catch {
    return undefined
  }
}

/** The command an argv names ("guest create …" or "guest:create …"), with the words after it. */
export function commandOf(manifest: Manifest, argv: string[]): {id: string; rest: string[]} | undefined {
  const [first, second] = argv
  if (first === undefined || first.startsWith('-')) return undefined
  if (Object.hasOwn(manifest, first)) return {id: first, rest: argv.slice(1)}
  const nested = second === undefined ? undefined : `${first}:${second}`
  if (nested !== undefined && Object.hasOwn(manifest, nested)) return {id: nested, rest: argv.slice(2)}
  return undefined
}
