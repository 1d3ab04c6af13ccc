import {literal} from '../formats/regexp.js'
import type {HostFiles} from './files.js'
import type {PackageFacts, PackageManager} from './types.js'

/**
 * RFC822-style stanzas separated by blank lines, keeping only the named fields: dpkg's status file runs
 * to megabytes of descriptions, and doctor reads it on every start. Continuation lines (leading space)
 * never match a key.
 */
function stanzas(text: string, separator: string, keys: readonly string[]): Array<Map<string, string>> {
  // One regex pass over the text is several times faster than splitting it into lines (cold, per run).
  const wanted = new RegExp(`^(${keys.join('|')})${separator}[ \\t]*(.*)$|^[ \\t]*$`, 'gm')
  const result: Array<Map<string, string>> = []
  let fields = new Map<string, string>()
  for (const [, key, value] of text.matchAll(wanted)) {
    if (key !== undefined) fields.set(key, value.trim())
    else if (fields.size > 0) {
      result.push(fields)
      fields = new Map()
    }
  }
  if (fields.size > 0) result.push(fields)
  return result
}

const DPKG_FIELDS = ['Package', 'Version', 'Status']

/**
 * The version of a stanza dpkg counts as installed: Status ends in "ok installed", wanted as `install`
 * or `hold` (still installed); removed-but-configured "deinstall ok config-files" are not.
 */
function installedVersion(fields: Map<string, string>): string | undefined {
  const version = fields.get('Version')
  return fields.get('Package') && version && /^(install|hold) ok installed$/.test(fields.get('Status') ?? '') ? version : undefined
}

/**
 * /var/lib/dpkg/status in one pass (it runs to megabytes): the installed packages (a name's first
 * installed stanza), and those a dpkg run stopped midway through (dpkg --audit's cases: half-installed,
 * unpacked, half-configured, triggers pending or awaited).
 */
function parseDpkgDatabase(text: string): {installed: Record<string, string>; unfinished: string[]} {
  const installed: Record<string, string> = {}
  const unfinished: string[] = []
  for (const fields of stanzas(text, ':', DPKG_FIELDS)) {
    const name = fields.get('Package') ?? '?'
    const version = installedVersion(fields)
    if (version !== undefined && !(name in installed)) installed[name] = version
    else if (/\s(half-installed|unpacked|half-configured|triggers-awaited|triggers-pending)$/.test(fields.get('Status') ?? '')) unfinished.push(name)
  }
  return {installed, unfinished}
}

/**
 * The installed packages of the stanzas whose Package field starts with a prefix, counted as
 * parseDpkgDatabase counts them: the text is searched for those Package lines and only their stanzas
 * are parsed.
 */
function searchDpkgDatabase(text: string, prefixes: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {}
  for (const prefix of prefixes) {
    for (const {index} of text.matchAll(new RegExp(`^Package:[ \\t]*${literal(prefix)}`, 'gm'))) {
      // The whole stanza, wherever its Package field sits in it; stanzas() splits off any neighbour.
      const end = text.indexOf('\n\n', index)
      for (const fields of stanzas(text.slice(Math.max(text.lastIndexOf('\n\n', index), 0), end === -1 ? undefined : end), ':', DPKG_FIELDS)) {
        const name = fields.get('Package') ?? ''
        const version = installedVersion(fields)
        if (name.startsWith(prefix) && version !== undefined && !(name in found)) found[name] = version
      }
    }
  }
  return found
}

/** dpkg's database of what is installed. */
export const DPKG_STATUS = '/var/lib/dpkg/status'

/**
 * Installed packages outside `leaving` whose Depends or Pre-Depends name one in it: apt would remove
 * them along with `leaving`.
 */
export function dpkgDependents(text: string, leaving: ReadonlySet<string>): string[] {
  return stanzas(text, ':', ['Package', 'Status', 'Depends', 'Pre-Depends']).flatMap((fields) => {
    const name = fields.get('Package')
    if (!name || leaving.has(name) || !/^(install|hold) ok installed$/.test(fields.get('Status') ?? '')) return []
    const clauses = [fields.get('Pre-Depends'), fields.get('Depends')].flatMap((list) => (list ? list.split(/[,|]/) : []))
    return clauses.some((clause) => leaving.has(clause.trim().split(/[\s(:]/)[0])) ? [name] : []
  })
}

/**
 * dpkg's database, parsed whole only when all of it is wanted (`doctor --json`, the packages step):
 * doctor's checks ask about a few names among hundreds of stanzas, and parsing them all was most of
 * its start-up.
 */
function dpkgInventory(text: string, journal: boolean): PackageFacts {
  let parsed: ReturnType<typeof parseDpkgDatabase> | undefined
  const whole = () => (parsed ??= parseDpkgDatabase(text))
  return {
    manager: 'dpkg',
    inventoryAvailable: true,
    get installed() {
      return whole().installed
    },
    get unfinished() {
      return journal ? [...whole().unfinished, 'journal'] : whole().unfinished
    },
    startingWith: (...prefixes) => (parsed ? pick(parsed.installed, prefixes) : searchDpkgDatabase(text, prefixes)),
  }
}

/** An inventory read whole: every database but dpkg's is a list of names already. */
function listed(manager: PackageManager, installed: Record<string, string>, inventoryAvailable = true): PackageFacts {
  return {manager, inventoryAvailable, installed, unfinished: [], startingWith: (...prefixes) => pick(installed, prefixes)}
}

function pick(installed: Record<string, string>, prefixes: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(installed).filter(([name]) => prefixes.some((prefix) => name.startsWith(prefix))))
}

/** The installed packages of /var/lib/dpkg/status, name to version. */
export function parseDpkgStatus(text: string): Record<string, string> {
  return parseDpkgDatabase(text).installed
}

/** /lib/apk/db/installed: one stanza per package, `P:` name and `V:` version. */
export function parseApkInstalled(text: string): Record<string, string> {
  const installed: Record<string, string> = {}
  for (const fields of stanzas(text, ':', ['P', 'V'])) {
    const name = fields.get('P')
    const version = fields.get('V')
    if (name && version) installed[name] = version
  }
  return installed
}

/**
 * pacman's local database has one directory per package named `<name>-<pkgver>-<pkgrel>`; neither pkgver
 * nor pkgrel may contain '-', so the name is everything before the second-to-last dash. Reading each
 * `desc` would give the same answer at one file read per package.
 */
export function parsePacmanLocal(directories: string[]): Record<string, string> {
  const installed: Record<string, string> = {}
  for (const directory of directories) {
    const match = /^(.+)-([^-]+-[^-]+)$/.exec(directory)
    if (match) installed[match[1]] = match[2]
  }
  return installed
}

/** Gentoo version syntax (PMS §3.2) anchored at the end, so names containing "-<digit>" stay intact. */
const portageVersion = /^(.+)-(\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)\d*)*(?:-r\d+)?)$/

/** /var/db/pkg/<category>/<name>-<version>/ directories, keyed `category/name`. */
export function parsePortageInstalled(category: string, directories: string[]): Record<string, string> {
  const installed: Record<string, string> = {}
  for (const directory of directories) {
    const match = portageVersion.exec(directory)
    if (match) installed[`${category}/${match[1]}`] = match[2]
  }
  return installed
}

export function collectPackages(files: HostFiles): PackageFacts {
  const dpkg = files.readLatin1(DPKG_STATUS)
  if (dpkg !== undefined) return dpkgInventory(dpkg, files.list('/var/lib/dpkg/updates').some((name) => /^\d+$/.test(name)))
  const apk = files.readLatin1('/lib/apk/db/installed')
  if (apk !== undefined) return listed('apk', parseApkInstalled(apk))
  if (files.isDirectory('/var/lib/pacman/local')) return listed('pacman', parsePacmanLocal(files.list('/var/lib/pacman/local')))
  if (files.isDirectory('/var/db/pkg')) {
    const installed = files
      .list('/var/db/pkg')
      .map((category) => parsePortageInstalled(category, files.list(`/var/db/pkg/${category}`)))
    return listed('portage', Object.assign({}, ...installed))
  }
  // The rpm database is Berkeley DB / SQLite: listing it needs rpm itself, which facts must not spawn.
  if (files.isDirectory('/var/lib/rpm') || files.isDirectory('/usr/lib/sysimage/rpm')) return listed('rpm', {}, false)
  return listed('unknown', {}, false)
}
