import path from 'node:path'
import {naturalOrder} from '../formats/natural-order.js'
import {detectBootloader} from './bootloader.js'
import {parseExtlinuxConf} from './extlinux.js'
import type {HostFiles} from './files.js'
import {type MenuItem, flattenMenu, parseBlsEntry, parseGrubCfg, parseGrubEnv, resolveSelector} from './grub.js'
import {parseShellAssignments, unterminatedQuoteLine} from '../formats/shell.js'
import {xenOptionValue} from '../formats/xen-command-line.js'
import type {BootEntry, BootFacts, BootSelection} from './types.js'

const secureBootVariable = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c'

/** An efivarfs file: 4 bytes of attributes, then the value; SecureBoot's value is one byte, 1 = on. */
export function parseSecureBootVariable(contents: string): boolean | null {
  return contents.length < 5 ? null : contents.charCodeAt(4) === 1
}

/**
 * /etc/default/grub then each /etc/default/grub.d/*.cfg in glob order, sourced into one shell as
 * grub-mkconfig does, so later files override earlier ones and may refer to their variables.
 */
export function mergeGrubDefaults(texts: string[]): Record<string, string> {
  return texts.reduce<Record<string, string>>((vars, text) => parseShellAssignments(text, vars), {})
}

/** The first of the files the shell cannot source, with where: grub-mkconfig would stop there. */
export function grubDefaultsError(files: Array<{path: string; text: string}>): string | undefined {
  for (const {path, text} of files) {
    const line = unterminatedQuoteLine(text)
    if (line !== null) return `${path} line ${line}: unterminated quote`
  }
  return undefined
}

export function collectBoot(files: HostFiles): BootFacts {
  const firmware = files.isDirectory('/sys/firmware/efi') ? 'uefi' : 'bios'
  const secureBootVar = firmware === 'uefi' ? files.read(secureBootVariable) : undefined
  const defaults = grubDefaultsFiles(files)
  const defaultsError = grubDefaultsError(defaults)
  const loader = detectBootloader(files, firmware)
  const boot: BootFacts = {
    firmware,
    secureBoot: firmware === 'bios' ? false : secureBootVar === undefined ? null : parseSecureBootVariable(secureBootVar),
    bootloader: loader.kind,
    bootloaderEvidence: loader.evidence,
    bootloaderCandidates: loader.candidates,
    grubCfgPath: null,
    grubEnvPath: null,
    entries: [],
    defaultEntry: null,
    nextEntry: null,
    xenEntryIsDefault: null,
    grubDefaults: mergeGrubDefaults(defaults.map((file) => file.text)),
    updateDefault: parseShellAssignments(files.read('/etc/sysconfig/kernel') ?? '', {}).UPDATEDEFAULT ?? null,
    ...(defaultsError === undefined ? {} : {grubDefaultsError: defaultsError}),
  }

  // The menu read is the one the detected loader boots; an undecided GRUB/extlinux disk shows GRUB's.
  if (loader.kind === 'extlinux' && loader.extlinuxConf) return {...boot, ...extlinuxMenu(files, loader.extlinuxConf)}
  if (loader.grubCfg && ['grub', 'grub2', 'unknown'].includes(loader.kind)) return {...boot, ...grubMenu(files, loader.grubCfg), grubCfgPath: loader.grubCfg}
  return boot
}

function grubDefaultsFiles(files: HostFiles): Array<{path: string; text: string}> {
  const paths = ['/etc/default/grub', ...files.list('/etc/default/grub.d').filter((name) => name.endsWith('.cfg')).map((name) => `/etc/default/grub.d/${name}`)]
  return paths.flatMap((path) => {
    const text = files.read(path)
    return text === undefined ? [] : [{path, text}]
  })
}

function grubMenu(files: HostFiles, cfgPath: string): Partial<BootFacts> {
  const text = files.read(cfgPath)
  // Root-only grub.cfg (Fedora installs it 0600): the menu is unknown, not empty.
  if (text === undefined) return {}
  const envPath = path.posix.join(path.posix.dirname(cfgPath), 'grubenv')
  const envText = files.read(envPath)
  const env = envText === undefined ? {} : parseGrubEnv(envText)
  const config = parseGrubCfg(text, blsEntries(files))
  const entries = flattenMenu(config.menu)

  // GRUB_DEFAULT=saved makes 00_header write `set default="${saved_entry}"`, filled from grubenv at boot.
  const fromConfig = config.defaultSelector ?? ''
  const defaultEntry = fromConfig.includes('${saved_entry}')
    ? select(config.menu, entries, fromConfig.replace('${saved_entry}', env.saved_entry ?? ''), 'grubenv')
    : select(config.menu, entries, fromConfig, 'grub.cfg')
  const nextEntry = env.next_entry ? select(config.menu, entries, env.next_entry, 'grubenv') : null
  return {
    grubEnvPath: envText === undefined ? null : envPath,
    entries,
    defaultEntry,
    nextEntry,
    xenEntryIsDefault: bootsXen(entries, defaultEntry),
  }
}

/** Fedora-style BLS snippets; GRUB lists them newest version first. */
function blsEntries(files: HostFiles): MenuItem[] {
  return files
    .list('/boot/loader/entries')
    .filter((name) => name.endsWith('.conf'))
    .sort((a, b) => naturalOrder(b, a))
    .map((name) => parseBlsEntry(name.slice(0, -'.conf'.length), files.read(`/boot/loader/entries/${name}`) ?? ''))
}

function select(menu: MenuItem[], entries: BootEntry[], raw: string, source: BootSelection['source']): BootSelection {
  const match = resolveSelector(menu, raw)
  // GRUB boots the first entry when the selector is empty or names nothing.
  const booted = match ? entries.find((entry) => entry.indexPath === match.indexPath) : entries[0]
  return selection(raw, source, match !== undefined, booted)
}

function selection(raw: string, source: BootSelection['source'], matched: boolean, booted: BootEntry | undefined): BootSelection {
  return {raw, source, matched, resolvedTitle: booted?.title, resolvedId: booted?.id ?? undefined, resolvedIndexPath: booted?.indexPath}
}

function bootsXen(entries: BootEntry[], selected: BootSelection | null): boolean | null {
  if (entries.length === 0 || selected === null) return null
  return entries.find((entry) => entry.indexPath === selected.resolvedIndexPath)?.isXen ?? false
}

function extlinuxMenu(files: HostFiles, configPath: string): Partial<BootFacts> {
  const text = files.read(configPath)
  if (text === undefined) return {}
  const {entries, defaultLabel} = parseExtlinuxConf(text)
  const booted = entries.find((entry) => entry.id === defaultLabel)
  const defaultEntry = defaultLabel === null ? null : selection(defaultLabel, 'extlinux.conf', booted !== undefined, booted)
  return {entries, defaultEntry, xenEntryIsDefault: bootsXen(entries, defaultEntry)}
}

/**
 * The Xen entry that matters: the default one when the default boots Xen (the admin may have chosen a
 * variant from the submenu), else the top-level Xen entry GRUB's generator writes first.
 */
export function xenEntry(boot: Pick<BootFacts, 'entries' | 'defaultEntry'>): BootEntry | undefined {
  const xen = boot.entries.filter((entry) => entry.isXen)
  return (
    xen.find((entry) => entry.id !== null && entry.id === boot.defaultEntry?.resolvedId) ??
    xen.find((entry) => entry.submenus.length === 0 && entry.id !== null) ??
    xen[0]
  )
}

/** The value of a Xen option on an entry's command line: the last one, as Xen reads them in order. */
export function xenOption(entry: BootEntry, name: string): string | undefined {
  return xenOptionValue(entry.xenArgs ?? '', name)
}

/**
 * Whether a menu entry id names a kernel version (xen-gnulinux-6.11.4-301.fc41.x86_64-advanced-<uuid>):
 * such an entry is gone once that kernel is removed. UUID-based ids have no dotted numbers.
 */
export function namesKernelVersion(id: string): boolean {
  return /\d+\.\d+/.test(id)
}
