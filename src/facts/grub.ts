import {splitWords} from '../formats/shell.js'
import {xenOptionValue} from '../formats/xen-command-line.js'
import type {BootEntry} from './types.js'

/** One menu item as GRUB sees it: entries and submenus share one index space per level. */
export interface MenuItem {
  kind: 'entry' | 'submenu'
  title: string
  id: string | null
  children: MenuItem[]
  /** Words of each command inside an entry (`linux /vmlinuz root=...`). */
  commands: string[][]
}

export interface GrubConfig {
  menu: MenuItem[]
  /** 00_header's `set default=...` (the first one outside the next_entry branch), verbatim: "0", "${saved_entry}". */
  defaultSelector: string | null
}

/**
 * grub.cfg as written by grub-mkconfig. `blsEntries` (Fedora's /boot/loader/entries) are placed where the
 * `blscfg` command stands, as GRUB's blscfg module does at boot.
 */
export function parseGrubCfg(text: string, blsEntries: MenuItem[] = []): GrubConfig {
  const top: MenuItem[] = []
  // Each open brace: the menu item it belongs to, or null for if-less blocks like `function x {`.
  const stack: Array<MenuItem | null> = []
  let defaultSelector: string | null = null
  const currentLevel = () => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const frame = stack[i]
      if (frame) return frame.children
    }
    return top
  }

  for (const line of text.replace(/\\\r?\n/g, '').split('\n')) {
    const words = splitWords(line)
    if (words.length === 0) continue
    const [command] = words
    const innermost = stack.at(-1)
    if ((command === 'menuentry' || command === 'submenu') && words.at(-1) === '{') {
      const item = menuItem(command === 'menuentry' ? 'entry' : 'submenu', words)
      currentLevel().push(item)
      stack.push(item)
    } else if (command === '}') {
      stack.pop()
    } else if (words.at(-1) === '{') {
      stack.push(null)
    } else if (innermost?.kind === 'entry') {
      innermost.commands.push(words)
    } else if (command === 'blscfg') {
      currentLevel().push(...blsEntries)
    } else if (command === 'set' && words[1]?.startsWith('default=')) {
      const value = words[1].slice('default='.length)
      // Skipped: 00_header's one-shot branch `set default="${next_entry}"` (grubenv's next_entry is read
      // separately) and later runtime-conditional overrides such as Fedora's boot-counting fallback.
      if (value !== '${next_entry}') defaultSelector ??= value
    }
  }
  return {menu: top, defaultSelector}
}

function menuItem(kind: MenuItem['kind'], words: string[]): MenuItem {
  const idFlag = words.findIndex((word) => word === '$menuentry_id_option' || word === '--id')
  return {kind, title: words[1] ?? '', id: idFlag > 0 ? (words[idFlag + 1] ?? null) : null, children: [], commands: []}
}

/** A Boot Loader Specification entry (/boot/loader/entries/<id>.conf): `key value` lines. */
export function parseBlsEntry(id: string, text: string): MenuItem {
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^(\w+)\s+(.*)$/.exec(line.trim())
    if (match && !fields.has(match[1])) fields.set(match[1], match[2].trim())
  }
  const kernel = fields.get('linux')
  const commands = kernel ? [['linux', kernel, ...(fields.get('options') ?? '').split(/\s+/).filter(Boolean)]] : []
  return {kind: 'entry', title: fields.get('title') ?? id, id, children: [], commands}
}

/** grubenv: a 1 KiB block of `key=value` lines padded with '#'. */
export function parseGrubEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=')
    if (!line.startsWith('#') && equals > 0) env[line.slice(0, equals)] = line.slice(equals + 1)
  }
  return env
}

const multibootCommands = new Set(['multiboot', 'multiboot2', 'xen_hypervisor'])
const moduleCommands = new Set(['module', 'module2', 'xen_module'])
const linuxCommands = new Set(['linux', 'linuxefi', 'linux16'])
/** Words 20_linux_xen puts on the Xen/kernel lines that are not arguments of the booted image. */
const grubFiller = new Set(['placeholder', '${xen_rm_opts}', '--nounzip'])

/** What an entry boots, from its commands: a Xen entry loads the hypervisor with multiboot and Linux as the first module. */
export function describeEntry(item: MenuItem, indexPath: string, submenus: string[]): BootEntry {
  const entry: BootEntry = {title: item.title, id: item.id, indexPath, submenus, isXen: false}
  for (const [command, , ...args] of item.commands) {
    const imageArgs = args.filter((word) => !grubFiller.has(word) && !word.startsWith('--')).join(' ')
    if (multibootCommands.has(command)) {
      entry.isXen = true
      entry.xenArgs = imageArgs
      const dom0Mem = xenOptionValue(imageArgs, 'dom0_mem')
      if (dom0Mem !== undefined) entry.dom0Mem = dom0Mem
    } else if (entry.isXen && moduleCommands.has(command) && entry.kernelArgs === undefined) {
      entry.kernelArgs = imageArgs
    } else if (linuxCommands.has(command)) {
      entry.kernelArgs = imageArgs
    }
  }
  return entry
}

/** Every bootable entry, depth first, with its GRUB index path ("1>0"). */
export function flattenMenu(menu: MenuItem[], parentPath = '', submenus: string[] = []): BootEntry[] {
  return menu.flatMap((item, index) => {
    const indexPath = parentPath ? `${parentPath}>${index}` : String(index)
    return item.kind === 'entry'
      ? [describeEntry(item, indexPath, submenus)]
      : flattenMenu(item.children, indexPath, [...submenus, item.title])
  })
}

/**
 * The entry a GRUB `default` selector names: `>`-separated parts, each an index, a title or an id,
 * descending into submenus. Undefined when nothing matches (GRUB then boots the first entry).
 */
export function resolveSelector(menu: MenuItem[], selector: string): {item: MenuItem; indexPath: string} | undefined {
  if (selector === '') return undefined
  let level = menu
  const path: number[] = []
  const parts = selector.split('>')
  for (const [position, part] of parts.entries()) {
    const index = /^\d+$/.test(part) ? Number(part) : level.findIndex((item) => item.title === part || item.id === part)
    const item = level[index]
    if (!item) return undefined
    path.push(index)
    if (position === parts.length - 1) return item.kind === 'entry' ? {item, indexPath: path.join('>')} : undefined
    if (item.kind !== 'submenu') return undefined
    level = item.children
  }
  return undefined
}
