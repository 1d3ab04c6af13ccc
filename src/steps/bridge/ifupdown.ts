import type {FileChange} from '../../engine/change.js'
import {StepFailure} from '../../engine/step.js'
import type {Host} from '../../host/host.js'
import {renderTemplate} from '../../render/template.js'
import type {BridgeSpec, StackConfig} from './stack.js'

const MAIN = '/etc/network/interfaces'
/** Debian's interfaces file sources every file here (`source /etc/network/interfaces.d/*`). */
const DROP_IN_DIR = '/etc/network/interfaces.d'

/** First words that start a stanza; any other line is an option of the iface stanza above it (interfaces(5)). */
const STANZA_WORD = /^(iface|mapping|auto|allow-\S+|source|source-directory|rename|no-auto-down|no-scripts)$/
/** Stanzas that list interfaces to bring up; the uplink leaves them (the bridge brings its ports up). */
const UP_LIST_WORD = /^(auto|allow-\S+)$/
/** Options about the NIC itself rather than its addresses: they stay on the uplink's manual stanza. */
const LINK_OPTIONS = new Set(['mtu', 'hwaddress'])
/** ifupdown accepts bridge-utils options spelled with either separator; ours are regenerated. */
const BRIDGE_OPTION = /^bridge[_-]/

/** One option of an iface stanza: its raw lines (several with `\` continuations), or one comment line. */
type Option = string[]

interface IfaceStanza {
  kind: 'iface'
  name: string
  family: string
  method: string
  header: string[]
  options: Option[]
}

interface UpList {
  kind: 'list'
  keyword: string
  names: string[]
  lines: string[]
}

/** Blank lines, comments between stanzas, and stanzas xensetup leaves alone, kept verbatim. */
interface Other {
  kind: 'other'
  lines: string[]
}

type Item = IfaceStanza | UpList | Other

/** An address stanza for the bridge: the uplink's family and method with the options that move with them. */
interface BridgeStanza {
  family: string
  method: string
  options: string[]
}

/**
 * ifupdown: the uplink's stanza in the file that has it is replaced, in place, by `iface <uplink> inet
 * manual` and the xenbr0 stanzas that take over its address options; the uplink also leaves auto /
 * allow-hotplug lines. Nothing else in the file changes, and the edit is a fixed point: on a file it
 * already made, the xenbr0 stanzas are the address source and render to the same text.
 */
export async function planIfupdown(host: Host, spec: BridgeSpec, offline: boolean): Promise<StackConfig> {
  const dropIns = host.list(DROP_IN_DIR).filter((name) => !name.startsWith('.')).map((name) => `${DROP_IN_DIR}/${name}`)
  const files = [MAIN, ...dropIns].map((path) => ({path, before: host.read(path) ?? null}))
  const withStanza = (name: string) => files.filter((file) => parseInterfaces(file.before ?? '').some((item) => isIface(item, name)))
  const uplinkFiles = withStanza(spec.uplink)
  if (uplinkFiles.length > 1) {
    throw new StepFailure(`${spec.uplink} has iface stanzas in several files (${uplinkFiles.map((f) => f.path).join(', ')}); keep them in one and re-run`)
  }
  // A fresh target (debootstrap) configures only lo: its uplink gets DHCP, as the installer would give it.
  // On a running host an uplink without a stanza gets its addresses from something else: guessing could cut it off.
  if (uplinkFiles.length === 0 && !offline) {
    throw new StepFailure(`no iface stanza for ${spec.uplink} in ${MAIN} or ${DROP_IN_DIR}/: ifupdown does not configure it, so its addresses are unknown; add one (e.g. "iface ${spec.uplink} inet dhcp") and re-run`)
  }
  const target = uplinkFiles[0]?.path ?? MAIN
  const stray = withStanza(spec.bridge).find((file) => file.path !== target)
  if (stray) throw new StepFailure(`${stray.path} configures ${spec.bridge} but ${spec.uplink} is in ${target}; keep both in one file and re-run`)

  const changes: FileChange[] = []
  let addressing = ''
  for (const {path, before} of files) {
    let after: string
    if (path === target) {
      const edit = await bridgedInterfaces(before ?? '', path, spec)
      after = edit.text
      addressing = edit.addressing
    } else if (before !== null) {
      after = withoutUpListNames(before, [spec.uplink, spec.bridge])
    } else {
      continue
    }
    if (after !== before) changes.push({kind: 'file', path, before, after, why: `${spec.bridge} takes over ${spec.uplink}'s addresses; ${spec.uplink} becomes its port`})
  }
  return {changes, addressing}
}

/**
 * The file with the uplink's stanza replaced by the manual uplink and the bridge; other lines untouched.
 * A file without any stanza for either gets them appended, with DHCP.
 */
async function bridgedInterfaces(text: string, path: string, spec: BridgeSpec): Promise<{text: string; addressing: string}> {
  const items = parseInterfaces(text)
  const uplinkStanzas = items.filter((item): item is IfaceStanza => isIface(item, spec.uplink))
  const bridgeStanzas = items.filter((item): item is IfaceStanza => isIface(item, spec.bridge))
  const configured = uplinkStanzas.filter((stanza) => stanza.method !== 'manual')
  if (configured.length > 0 && bridgeStanzas.length > 0) {
    throw new StepFailure(`${path} gives addresses to both ${spec.uplink} and ${spec.bridge}; remove one of them and re-run`)
  }
  if (uplinkStanzas.length > 0 && configured.length === 0 && bridgeStanzas.length === 0) {
    throw new StepFailure(`${path}: ${spec.uplink} is "inet manual", so there is no address to move to ${spec.bridge}; configure ${spec.uplink} (dhcp or static) first`)
  }
  // A first run takes the uplink's own options; a re-run finds them already on the bridge.
  const fromUplink = configured.length > 0
  const manualOptions = uplinkStanzas.filter((stanza) => stanza.method === 'manual').flatMap((stanza) => stanza.options)
  const sourceOptions = fromUplink ? configured.flatMap((stanza) => stanza.options) : []
  const uplinkOptions = [...manualOptions, ...sourceOptions.filter(isLinkOption)].map(tidy)
  const source: Array<Pick<IfaceStanza, 'family' | 'method' | 'options'>> = fromUplink ? configured : bridgeStanzas
  const stanzas: BridgeStanza[] = (source.length > 0 ? source : [{family: 'inet', method: 'dhcp', options: []}]).map((stanza) => ({
    family: stanza.family,
    method: stanza.method,
    options: stanza.options.filter((option) => !isLinkOption(option) && !BRIDGE_OPTION.test(firstWord(option))).map(tidy),
  }))
  // bridge_hw also takes an interface name: under --root, where the MAC is unknown, bridge-utils looks it up at ifup.
  const block = await renderTemplate('bridge/interfaces-block', {...spec, hw: spec.mac ?? spec.uplink, uplinkOptions, stanzas})
  return {text: spliceBlock(items, block, spec), addressing: describe(stanzas)}
}

/**
 * Puts `block` where the uplink's first iface stanza was (or the bridge's, or at the end when neither
 * has one) and drops their other stanzas.
 */
function spliceBlock(items: Item[], block: string, spec: BridgeSpec): string {
  const uplinkAt = items.findIndex((item) => isIface(item, spec.uplink))
  const anchor = uplinkAt !== -1 ? uplinkAt : items.findIndex((item) => isIface(item, spec.bridge))
  const names = [spec.uplink, spec.bridge]
  const replaced = items.map((item, index) => index === anchor || isIface(item, spec.uplink) || isIface(item, spec.bridge) || emptiedList(item, names))
  const blockLines = block.replace(/\n$/, '').split('\n')
  const lines: string[] = []
  items.forEach((item, index) => {
    if (index === anchor) lines.push(...blockLines)
    else if (replaced[index] || isBlankBetween(items, replaced, index)) return
    else if (item.kind === 'list') lines.push(...listLines(item, names))
    else lines.push(...itemLines(item))
  })
  if (anchor === -1) lines.push(...(lines.length > 0 && lines.at(-1)?.trim() !== '' ? [''] : []), ...blockLines)
  return `${lines.join('\n')}\n`
}

/** The file with `names` removed from auto / allow-* lines; a line left empty goes. */
function withoutUpListNames(text: string, names: string[]): string {
  if (text === '') return text
  const items = parseInterfaces(text)
  const lines = items.flatMap((item) => (item.kind === 'list' ? listLines(item, names) : itemLines(item)))
  return `${lines.join('\n')}\n`
}

function listLines(list: UpList, names: string[]): string[] {
  const kept = list.names.filter((name) => !names.includes(name))
  if (kept.length === list.names.length) return list.lines
  return kept.length === 0 ? [] : [`${list.keyword} ${kept.join(' ')}`]
}

/**
 * A blank line between two replaced items belongs to the old layout (e.g. between the uplink's inet and
 * inet6 stanzas): dropping it lets the rendered block keep its own spacing, run after run.
 */
function isBlankBetween(items: Item[], replaced: boolean[], index: number): boolean {
  if (!isBlank(items[index])) return false
  const neighbour = (step: number) => {
    let at = index + step
    while (at >= 0 && at < items.length && isBlank(items[at])) at += step
    return at >= 0 && at < items.length && replaced[at]
  }
  return neighbour(-1) && neighbour(1)
}

/** interfaces(5) as a list of items; comments and blank lines after a stanza's last option are not part of it. */
function parseInterfaces(text: string): Item[] {
  const items: Item[] = []
  let stanza: IfaceStanza | null = null
  let trailing: Option[] = []
  const flushTrailing = () => {
    for (const lines of trailing) items.push({kind: 'other', lines})
    trailing = []
  }
  for (const lines of logicalLines(text)) {
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

/** Raw lines grouped so that a line ending in `\` travels with the lines it continues onto. */
function logicalLines(text: string): string[][] {
  if (text === '') return []
  const raw = text.replace(/\n$/, '').split('\n')
  const groups: string[][] = []
  let open: string[] | null = null
  for (const line of raw) {
    if (open) open.push(line)
    else groups.push((open = [line]))
    if (!line.endsWith('\\')) open = null
  }
  return groups
}

function itemLines(item: Item): string[] {
  if (item.kind === 'iface') return [...item.header, ...item.options.flat()]
  return item.lines
}

function isIface(item: Item, name: string): boolean {
  return item.kind === 'iface' && item.name === name
}

function emptiedList(item: Item, names: string[]): boolean {
  return item.kind === 'list' && item.names.length > 0 && item.names.every((name) => names.includes(name))
}

function isBlank(item: Item): boolean {
  return item.kind === 'other' && item.lines.every((line) => line.trim() === '')
}

function firstWord(lines: Option): string {
  return lines[0].trim().split(/\s+/)[0]
}

function isLinkOption(option: Option): boolean {
  return LINK_OPTIONS.has(firstWord(option))
}

/** Option lines re-indented the way the template writes them. */
function tidy(option: Option): string {
  return option.map((line) => line.trim()).join('\n    ')
}

function describe(stanzas: BridgeStanza[]): string {
  return stanzas
    .map((stanza) => {
      const address = stanza.options.find((option) => option.startsWith('address '))
      return stanza.method === 'static' && address ? `static ${address.split(/\s+/)[1]}` : `${stanza.family} ${stanza.method}`
    })
    .join(', ')
}
