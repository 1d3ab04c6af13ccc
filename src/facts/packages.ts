import type {HostFiles} from './files.js'
import type {PackageFacts} from './types.js'

/** RFC822-style stanzas separated by blank lines; continuation lines (leading space) are dropped. */
function stanzas(text: string, separator: string): Array<Map<string, string>> {
  return text.split(/\n\s*\n/).map((block) => {
    const fields = new Map<string, string>()
    for (const line of block.split('\n')) {
      const at = line.indexOf(separator)
      if (at > 0 && !line.startsWith(' ') && !line.startsWith('\t')) fields.set(line.slice(0, at), line.slice(at + separator.length).trim())
    }
    return fields
  })
}

/**
 * /var/lib/dpkg/status: packages whose Status ends in "ok installed" (wanted as `install`, or `hold`,
 * which is still installed). Removed-but-configured packages ("deinstall ok config-files") are left out.
 */
export function parseDpkgStatus(text: string): Record<string, string> {
  const installed: Record<string, string> = {}
  for (const fields of stanzas(text, ':')) {
    const name = fields.get('Package')
    const version = fields.get('Version')
    if (name && version && /^(install|hold) ok installed$/.test(fields.get('Status') ?? '') && !(name in installed)) {
      installed[name] = version
    }
  }
  return installed
}

/** /lib/apk/db/installed: one stanza per package, `P:` name and `V:` version. */
export function parseApkInstalled(text: string): Record<string, string> {
  const installed: Record<string, string> = {}
  for (const fields of stanzas(text, ':')) {
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
  const dpkg = files.read('/var/lib/dpkg/status')
  if (dpkg !== undefined) return {manager: 'dpkg', inventoryAvailable: true, installed: parseDpkgStatus(dpkg)}
  const apk = files.read('/lib/apk/db/installed')
  if (apk !== undefined) return {manager: 'apk', inventoryAvailable: true, installed: parseApkInstalled(apk)}
  if (files.isDirectory('/var/lib/pacman/local')) {
    return {manager: 'pacman', inventoryAvailable: true, installed: parsePacmanLocal(files.list('/var/lib/pacman/local'))}
  }
  if (files.isDirectory('/var/db/pkg')) {
    const installed = files
      .list('/var/db/pkg')
      .map((category) => parsePortageInstalled(category, files.list(`/var/db/pkg/${category}`)))
    return {manager: 'portage', inventoryAvailable: true, installed: Object.assign({}, ...installed)}
  }
  // The rpm database is Berkeley DB / SQLite: listing it needs rpm itself, which facts must not spawn.
  if (files.isDirectory('/var/lib/rpm') || files.isDirectory('/usr/lib/sysimage/rpm')) {
    return {manager: 'rpm', inventoryAvailable: false, installed: {}}
  }
  return {manager: 'unknown', inventoryAvailable: false, installed: {}}
}
