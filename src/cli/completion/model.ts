import type {Manifest, ManifestArg, ManifestFlag} from '../manifest.js'

/**
 * What both shells complete, from oclif's manifest: the command tree with each command's flags and args
 * and how their values complete. The scripts are static: completing a word never runs xensetup, so it
 * is instant and works offline, whatever state the install is in.
 */
export const BIN = 'xensetup'
// @oclif/plugin-help adds `help`, which the project's manifest does not list.
const HELP = {name: 'help', summary: `Display help for ${BIN}.`}

/**
 * The manifest tells that a flag takes a value but not what kind, so paths are keyed on names: a
 * directory for --root, a file (or device) for the flags below; other values (--memory, --mac, a guest
 * name, a run id) are free text, where listing file names would only get in the way. Positional args are
 * free text except FILE_ARGS (apply FILE).
 */
const DIRECTORY_FLAGS = new Set(['root'])
const FILE_FLAGS = new Set(['out', 'iso', 'kernel', 'ramdisk', 'disk-path', 'vg-device'])
const FILE_ARGS = new Set(['file'])

/** How a value completes: from the options (commaSeparated: several, as "a,b"), as a path, or not at all. */
export type Value =
  | {kind: 'choice'; options: readonly string[]; commaSeparated: boolean}
  | {kind: 'file' | 'directory' | 'text'}

export interface Flag {
  name: string
  char?: string
  summary: string
  repeatable: boolean
  /** Undefined for a boolean flag, which takes no value. */
  value?: Value
}

export interface Arg {
  name: string
  required: boolean
  value: Value
}

export interface Command {
  id: string
  flags: Flag[]
  args: Arg[]
}

/** A word that names a topic or a command. */
export interface Entry {
  name: string
  summary: string
}

export interface Model {
  /** The entries one word below each topic id; '' is the top level. */
  below: Map<string, Entry[]>
  commands: Command[]
}

export function buildModel(manifest: Manifest, topics: Record<string, {description: string}>): Model {
  const visible = Object.entries(manifest).filter(([, command]) => !command.hidden)
  const commands = visible.map(([id, command]) => ({
    id,
    flags: Object.entries(command.flags)
      .filter(([, flag]) => !flag.hidden)
      .map(([name, flag]) => toFlag(name, flag)),
    args: Object.entries(command.args).map(([name, arg]) => toArg(name, arg)),
  }))
  const below = new Map<string, Entry[]>([['', [HELP]]])
  for (const [id, command] of visible) {
    // Every prefix of a command id is a topic, whether or not package.json describes it.
    const words = id.split(':')
    words.forEach((name, depth) => {
      const parent = words.slice(0, depth).join(':')
      const path = words.slice(0, depth + 1).join(':')
      const summary = path === id ? summaryOf(command) : topics[path]?.description ?? ''
      const siblings = below.get(parent) ?? []
      if (!siblings.some((entry) => entry.name === name)) siblings.push({name, summary})
      below.set(parent, siblings)
    })
  }
  return {below, commands}
}

function toFlag(name: string, flag: ManifestFlag): Flag {
  const repeatable = Boolean(flag.multiple)
  const base = {name, char: flag.char, summary: summaryOf(flag), repeatable}
  if (flag.type === 'boolean') return base
  if (flag.options) return {...base, value: {kind: 'choice', options: flag.options, commaSeparated: repeatable && flag.delimiter === ','}}
  return {...base, value: {kind: DIRECTORY_FLAGS.has(name) ? 'directory' : FILE_FLAGS.has(name) ? 'file' : 'text'}}
}

function toArg(name: string, arg: ManifestArg): Arg {
  const required = Boolean(arg.required)
  if (arg.options) return {name, required, value: {kind: 'choice', options: arg.options, commaSeparated: false}}
  return {name, required, value: {kind: FILE_ARGS.has(name) ? 'file' : 'text'}}
}

function summaryOf(item: {summary?: string; description?: string}): string {
  return (item.summary ?? item.description ?? '').split('\n')[0]
}
