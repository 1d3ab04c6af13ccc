import {readAsset} from '../assets.js'

import type {HostFiles} from './files.js'
import {parseShellAssignments} from '../formats/shell.js'
import type {DistroFacts, DistroFamily} from './types.js'

export type OsRelease = Omit<DistroFacts, 'supported' | 'supportNote'>

/** os-release IDs that name a family, checked against ID first and then each ID_LIKE entry. */
const familyById: Record<string, DistroFamily> = {
  debian: 'debian',
  ubuntu: 'debian',
  fedora: 'fedora',
  rhel: 'rhel',
  centos: 'rhel',
  rocky: 'rhel',
  almalinux: 'rhel',
  ol: 'rhel',
  suse: 'suse',
  opensuse: 'suse',
  'opensuse-leap': 'suse',
  'opensuse-tumbleweed': 'suse',
  sles: 'suse',
  sled: 'suse',
  arch: 'arch',
  alpine: 'alpine',
  gentoo: 'gentoo',
}

/** /etc/os-release (os-release(5)); defaults are the ones the spec prescribes for missing keys. */
export function parseOsRelease(text: string): OsRelease {
  const vars = parseShellAssignments(text)
  const nonEmpty = (key: string) => (vars[key] ? vars[key] : null)
  const id = vars.ID || 'linux'
  const idLike = (vars.ID_LIKE ?? '').split(/\s+/).filter(Boolean)
  return {
    id,
    versionId: nonEmpty('VERSION_ID'),
    name: vars.NAME || 'Linux',
    prettyName: vars.PRETTY_NAME || 'Linux',
    codename: nonEmpty('VERSION_CODENAME') ?? nonEmpty('UBUNTU_CODENAME'),
    idLike,
    family: distroFamily(id, idLike),
  }
}

export function distroFamily(id: string, idLike: string[]): DistroFamily {
  for (const candidate of [id, ...idLike]) {
    const family = familyById[candidate]
    if (family) return family
  }
  return 'unknown'
}

export interface SupportRule {
  match: {id?: string | string[]; family?: DistroFamily; versionIds?: string[]; minVersion?: string}
  supported: boolean
  reason: string
}

/** First matching rule decides; no match means unsupported. */
export function decideSupport(distro: OsRelease, rules: SupportRule[]): {supported: boolean; supportNote: string} {
  const rule = rules.find((candidate) => ruleMatches(candidate.match, distro))
  if (!rule) return {supported: false, supportNote: `No rule in distros/support.json covers ${distro.id} ${distro.versionId ?? ''}`.trim()}
  return {supported: rule.supported, supportNote: rule.reason}
}

function ruleMatches(match: SupportRule['match'], distro: OsRelease): boolean {
  if (match.id !== undefined && ![match.id].flat().includes(distro.id)) return false
  if (match.family !== undefined && match.family !== distro.family) return false
  if (match.versionIds !== undefined && !(distro.versionId && match.versionIds.includes(distro.versionId))) return false
  if (match.minVersion !== undefined && !(distro.versionId && compareVersions(distro.versionId, match.minVersion) >= 0)) {
    return false
  }
  return true
}

/** Dotted numeric comparison ("15.6" < "16"); non-numeric parts count as 0. */
function compareVersions(a: string, b: string): number {
  const left = a.split('.').map((part) => Number.parseInt(part, 10) || 0)
  const right = b.split('.').map((part) => Number.parseInt(part, 10) || 0)
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

export function parseSupportRules(json: string): SupportRule[] {
  const data = JSON.parse(json) as {rules?: unknown}
  if (!Array.isArray(data.rules)) throw new Error('distros/support.json: "rules" must be an array')
  for (const rule of data.rules as SupportRule[]) {
    if (typeof rule?.match !== 'object' || typeof rule.supported !== 'boolean' || typeof rule.reason !== 'string') {
      throw new Error(`distros/support.json: malformed rule ${JSON.stringify(rule)}`)
    }
  }
  return data.rules as SupportRule[]
}

let bundledRules: SupportRule[] | undefined

/** The rules shipped with xensetup (not the target's). */
export function bundledSupportRules(): SupportRule[] {
  bundledRules ??= parseSupportRules(readAsset('distros/support.json'))
  return bundledRules
}

export function collectDistro(files: HostFiles, rules: SupportRule[] = bundledSupportRules()): DistroFacts {
  // os-release(5): /etc/os-release takes precedence; /usr/lib/os-release is the fallback.
  const text = files.read('/etc/os-release') ?? files.read('/usr/lib/os-release') ?? ''
  const release = parseOsRelease(text)
  return {...release, ...decideSupport(release, rules)}
}
