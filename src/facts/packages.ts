import type {HostFiles} from './files.js'
import type {PackageFacts} from './types.js'

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

/**
 * /var/lib/dpkg/status in one pass (it runs to megabytes, read on every doctor start): packages whose
 * Status ends in "ok installed" (wanted as `install`, or `hold`, which is still installed; removed-but-
 * configured "deinstall ok config-files" are left out), and those a dpkg run stopped midway through
 * (dpkg --audit's cases: half-installed, unpacked, half-configured, triggers pending or awaited).
 */
function parseDpkgDatabase(text: string): {installed: Record<string, string>; unfinished: string[]} {
  const installed: Record<string, string> = {}
  const unfinished: string[] = []
  for (const fields of stanzas(text, ':', ['Package', 'Version', 'Status'])) {
    const name = fields.get('Package')
    const version = fields.get('Version')
    const status = fields.get('Status') ?? ''
    if (name && version && /^(install|hold) ok installed$/.test(status) && !(name in installed)) installed[name] = version
    else if (/\s(half-installed|unpacked|half-configured|triggers-awaited|triggers-pending)$/.test(status)) unfinished.push(name ?? '?')
  }
  return {installed, unfinished}
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
  const dpkg = files.read(DPKG_STATUS)
  if (dpkg !== undefined) {
    const journal = files.list('/var/lib/dpkg/updates').some((name) => /^\d+$/.test(name)) ? ['journal'] : []
    const {installed, unfinished} = parseDpkgDatabase(dpkg)
    return {manager: 'dpkg', inventoryAvailable: true, installed, unfinished: [...unfinished, ...journal]}
  }
  const apk = files.read('/lib/apk/db/installed')
  if (apk !== undefined) return {manager: 'apk', inventoryAvailable: true, installed: parseApkInstalled(apk), unfinished: []}
  if (files.isDirectory('/var/lib/pacman/local')) {
    return {manager: 'pacman', inventoryAvailable: true, installed: parsePacmanLocal(files.list('/var/lib/pacman/local')), unfinished: []}
  }
  if (files.isDirectory('/var/db/pkg')) {
    const installed = files
      .list('/var/db/pkg')
      .map((category) => parsePortageInstalled(category, files.list(`/var/db/pkg/${category}`)))
    return {manager: 'portage', inventoryAvailable: true, installed: Object.assign({}, ...installed), unfinished: []}
  }
  // The rpm database is Berkeley DB / SQLite: listing it needs rpm itself, which facts must not spawn.
  if (files.isDirectory('/var/lib/rpm') || files.isDirectory('/usr/lib/sysimage/rpm')) {
    return {manager: 'rpm', inventoryAvailable: false, installed: {}, unfinished: []}
  }
  return {manager: 'unknown', inventoryAvailable: false, installed: {}, unfinished: []}
}
