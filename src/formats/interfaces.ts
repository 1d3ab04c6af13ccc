/**
 * interfaces(5), as ifupdown and ifupdown-ng read it: stanzas kept with their raw lines, so an editor
 * can change one stanza and write every other line back as it was.
 */
import {continuedLines} from './lines.js'

/** First words that start a stanza; any other line is an option of the iface stanza above it. */
const STANZA_WORD = /^(iface|mapping|auto|allow-\S+|source|source-directory|rename|no-auto-down|no-scripts)$/
/** Stanzas that list interfaces to bring up. */
const UP_LIST_WORD = /^(auto|allow-\S+)$/

/** One option of an iface stanza: its raw lines (several with `\` continuations), or one comment line. */
export type Option = string[]

export interface IfaceStanza {
  kind: 'iface'
  name: string
  family: string
  method: string
  header: string[]
  options: Option[]
}

export interface UpList {
  kind: 'list'
  keyword: string
  names: string[]
  lines: string[]
}

/** `source PATTERN` or `source-directory DIR`: more stanzas live in the files they name. */
export interface SourceDirective {
  kind: 'source'
  keyword: 'source' | 'source-directory'
  pattern: string
  lines: string[]
}

/** Blank lines, comments between stanzas, and stanzas nobody edits, kept verbatim. */
export interface Other {
  kind: 'other'
  lines: string[]
}

export type Item = IfaceStanza | UpList | SourceDirective | Other

/** The file as items; comments and blank lines after a stanza's last option are not part of it. */
export function parseInterfaces(text: string): Item[] {
  const items: Item[] = []
  let stanza: IfaceStanza | null = null
  let trailing: Option[] = []
  const flushTrailing = () => {
    for (const lines of trailing) items.push({kind: 'other', lines})
    trailing = []
  }
  for (const lines of continuedLines(text)) {
    const first = lines.join(' ').trim()
    const word = firstWord(lines)
    if (first === '' || first.startsWith('#')) {
      if (stanza) trailing.push(lines)
      else items.push({kind: 'other', lines})
    } else if (STANZA_WORD.test(word)) {
      flushTrailing()
      stanza = null
      const [, ...args] = first.replaceAll('\\', ' ').split(/\s+/)
      if (word === 'iface' && args.length >= 3) {
        stanza = {kind: 'iface', name: args[0], family: args[1], method: args[2], header: lines, options: []}
        items.push(stanza)
      } else if (UP_LIST_WORD.test(word)) {
        items.push({kind: 'list', keyword: word, names: args, lines})
      } else if ((word === 'source' || word === 'source-directory') && args.length > 0) {
        items.push({kind: 'source', keyword: word, pattern: args.join(' '), lines})
      } else {
        items.push({kind: 'other', lines})
      }
    } else if (stanza) {
      stanza.options.push(...trailing, lines)
      trailing = []
    } else {
      items.push({kind: 'other', lines})
    }
  }
  flushTrailing()
  return items
}

/** Interfaces with an iface stanza, loopback excluded, in file order. */
export function ifaceNames(text: string): string[] {
  const names = parseInterfaces(text).flatMap((item) => (item.kind === 'iface' && item.name !== 'lo' ? [item.name] : []))
  return [...new Set(names)]
}

/** The raw lines of an item, as they stood in the file. */
export function itemLines(item: Item): string[] {
  if (item.kind === 'iface') return [...item.header, ...item.options.flat()]
  return item.lines
}

export function isIface(item: Item, name: string): item is IfaceStanza {
  return item.kind === 'iface' && item.name === name
}

export function firstWord(lines: Option): string {
  return lines[0].trim().split(/\s+/)[0]
}

/** The file with `names` removed from auto / allow-* lines; a line left empty goes. */
export function withoutUpListNames(text: string, names: string[]): string {
  if (text === '') return text
  const lines = parseInterfaces(text).flatMap((item) => (item.kind === 'list' ? listLines(item, names) : itemLines(item)))
  return `${lines.join('\n')}\n`
}

/** An up-list's lines without `names`: untouched when it lists none of them, gone when it lists only them. */
export function listLines(list: UpList, names: string[]): string[] {
  const kept = list.names.filter((name) => !names.includes(name))
  if (kept.length === list.names.length) return list.lines
  return kept.length === 0 ? [] : [`${list.keyword} ${kept.join(' ')}`]
}
