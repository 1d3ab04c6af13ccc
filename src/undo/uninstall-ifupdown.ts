import type {FileChange} from '../engine/change.js'
import {interfacesFiles} from '../formats/interfaces-sources.js'
import {type IfaceStanza, type Item, firstWord, isIface, itemLines, parseInterfaces} from '../formats/interfaces.js'
import type {Host} from '../host/host.js'

const BRIDGE = 'xenbr0'
/** The options xensetup's interfaces block gives the bridge: with them a stanza is known to be its own. */
const SIGNATURE = ['bridge_ports', 'bridge_hw', 'bridge_stp', 'bridge_fd', 'bridge_maxwait']
const BRIDGE_OPTION = /^bridge[_-]/

/**
 * ifupdown without the journal's original: xensetup's xenbr0 stanzas given back to the uplink they
 * bridge (their address method and options, the uplink's own link options from its manual stanza), the
 * uplink brought up where xenbr0 was, and its manual stanza gone. Files listed in `skip` are restored
 * from backups instead.
 */
export function ifupdownUndo(host: Host, skip: Set<string>): FileChange[] {
  return interfacesFiles(host).flatMap(({path, text}) => {
    if (skip.has(path)) return []
    const after = uplinkRestored(text)
    return after === text ? [] : [{kind: 'file' as const, path, before: text, after, why: `${BRIDGE}'s addresses go back to the NIC it bridged`}]
  })
}

/** The text with every xensetup xenbr0 stanza turned back into the uplink's; unchanged without one. */
export function uplinkRestored(text: string): string {
  const items = parseInterfaces(text)
  const bridges = items.filter((item): item is IfaceStanza => isIface(item, BRIDGE))
  const uplink = bridges.map(portOf).find((port) => port !== undefined)
  if (uplink === undefined || !bridges.some(isOurs)) return text
  const manual = items.filter((item): item is IfaceStanza => isIface(item, uplink) && item.method === 'manual')
  const linkOptions = manual.flatMap((stanza) => stanza.options)
  const lines: string[] = []
  let first = true
  items.forEach((item, index) => {
    if (manual.includes(item as IfaceStanza)) return
    // The blank line xensetup's block puts between the manual uplink and the bridge goes with it.
    if (isBlank(item) && manual.includes(items[index - 1] as IfaceStanza)) return
    if (item.kind === 'list' && item.names.includes(BRIDGE)) {
      const names = [...new Set(item.names.map((name) => (name === BRIDGE ? uplink : name)))]
      lines.push(`${item.keyword} ${names.join(' ')}`)
    } else if (isIface(item, BRIDGE)) {
      const options = item.options.filter((option) => !BRIDGE_OPTION.test(firstWord(option)))
      lines.push(`iface ${uplink} ${item.family} ${item.method}`, ...(first ? linkOptions : []).flat(), ...options.flat())
      first = false
    } else lines.push(...itemLines(item))
  })
  return `${lines.join('\n')}\n`
}

function portOf(stanza: IfaceStanza): string | undefined {
  const ports = stanza.options.find((option) => /^bridge[_-]ports$/.test(firstWord(option)))
  const names = ports?.join(' ').trim().split(/\s+/).slice(1) ?? []
  return names.length === 1 && names[0] !== 'none' ? names[0] : undefined
}

function isOurs(stanza: IfaceStanza): boolean {
  const words = stanza.options.map(firstWord)
  return SIGNATURE.every((word) => words.includes(word))
}

function isBlank(item: Item | undefined): boolean {
  return item?.kind === 'other' && item.lines.every((line) => line.trim() === '')
}
