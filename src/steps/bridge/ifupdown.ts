import type {FileChange} from '../../engine/change.js'
import {StepFailure} from '../../engine/step.js'
import {INTERFACES, interfacesFiles} from '../../formats/interfaces-sources.js'
import {type IfaceStanza, type Item, type Option, firstWord, isIface, itemLines, listLines, parseInterfaces, withoutUpListNames} from '../../formats/interfaces.js'
import type {Host} from '../../host/host.js'
import {renderTemplate} from '../../render/template.js'
import type {BridgeSpec, StackConfig} from './stack.js'

/** Options about the NIC itself rather than its addresses: they stay on the uplink's manual stanza. */
const LINK_OPTIONS = new Set(['mtu', 'hwaddress'])
/** ifupdown accepts bridge-utils options spelled with either separator; ours are regenerated. */
const BRIDGE_OPTION = /^bridge[_-]/

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
  const sourced = interfacesFiles(host).map(({path, text}) => ({path, before: text as string | null}))
  // Without the main file there is nothing sourced either: the bridge goes into a new main file.
  const files = sourced.length > 0 ? sourced : [{path: INTERFACES, before: null}]
  // It starts as ifupdown's postinst writes it, so installing ifupdown first leads to the same file.
  const newFile = sourced.length > 0 ? '' : await renderTemplate('bridge/interfaces-new', {})
  const withStanza = (name: string) => files.filter((file) => parseInterfaces(file.before ?? '').some((item) => isIface(item, name)))
  const uplinkFiles = withStanza(spec.uplink)
  if (uplinkFiles.length > 1) {
    throw new StepFailure(`${spec.uplink} has iface stanzas in several files (${uplinkFiles.map((f) => f.path).join(', ')}); keep them in one and re-run`)
  }
  // A fresh target (debootstrap) configures only lo: its uplink gets DHCP, as the installer would give it.
  // On a running host an uplink without a stanza gets its addresses from something else: guessing could cut it off.
  if (uplinkFiles.length === 0 && !offline) {
    throw new StepFailure(`no iface stanza for ${spec.uplink} in ${INTERFACES} or the files it sources: ifupdown does not configure it, so its addresses are unknown; add one (e.g. "iface ${spec.uplink} inet dhcp") and re-run`)
  }
  const target = uplinkFiles[0]?.path ?? INTERFACES
  const stray = withStanza(spec.bridge).find((file) => file.path !== target)
  if (stray) throw new StepFailure(`${stray.path} configures ${spec.bridge} but ${spec.uplink} is in ${target}; keep both in one file and re-run`)

  const changes: FileChange[] = []
  let addressing = ''
  for (const {path, before} of files) {
    let after: string
    if (path === target) {
      const edit = await bridgedInterfaces(before ?? newFile, path, spec)
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
  const uplinkStanzas = items.filter((item) => isIface(item, spec.uplink))
  const bridgeStanzas = items.filter((item) => isIface(item, spec.bridge))
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
  // bridge_hw also takes an interface name, which bridge-utils looks up at ifup: written under --root, where
  // the MAC is unknown, and kept where it names the uplink (the same MAC), so a file made offline is converged.
  const namesUplink = bridgeStanzas.some((stanza) => stanza.options.some((option) => /^bridge[_-]hw$/.test(firstWord(option)) && option[0].trim().split(/\s+/)[1] === spec.uplink))
  const block = await renderTemplate('bridge/interfaces-block', {...spec, hw: spec.mac === null || namesUplink ? spec.uplink : spec.mac, uplinkOptions, stanzas})
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

function emptiedList(item: Item, names: string[]): boolean {
  return item.kind === 'list' && item.names.length > 0 && item.names.every((name) => names.includes(name))
}

function isBlank(item: Item): boolean {
  return item.kind === 'other' && item.lines.every((line) => line.trim() === '')
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
