import type {CommandChange} from '../engine/change.js'
import {StepRefusal} from '../engine/step.js'
import {DPKG_STATUS, dpkgDependents, parseDpkgStatus} from '../facts/packages.js'
import type {Host} from '../host/host.js'

/** Which of `names` dpkg lists as installed now; undefined on a target without dpkg's database. */
export function stillInstalled(host: Host, names: string[]): string[] | undefined {
  const status = host.read(DPKG_STATUS)
  if (status === undefined) return undefined
  const installed = parseDpkgStatus(status)
  return names.filter((name) => name in installed)
}

/**
 * The command that purges exactly `names` (argv from the distro profile). A package outside them that
 * depends on one of them would be removed by apt too: that is refused, naming it.
 */
export function purgePackages(host: Host, purge: string[], names: string[], rewrites: string[], why: string): CommandChange[] {
  if (names.length === 0) return []
  const leaving = new Set(names)
  const dependents = dpkgDependents(host.read(DPKG_STATUS) ?? '', leaving)
  if (dependents.length > 0) {
    throw new StepRefusal(`purging ${names.join(', ')} would also remove ${dependents.join(', ')}, which depend on them and were not installed by that run; leave out --packages, or remove those first`)
  }
  return [{kind: 'command', argv: [...purge, ...names], why, rewrites}]
}

/** Files dpkg lists for the packages (their .list and .conffiles): the package manager's to remove, not a rollback's to restore. */
export function filesOfPackages(host: Host, names: string[]): Set<string> {
  const info = '/var/lib/dpkg/info'
  const wanted = new Set(names)
  const files = new Set<string>()
  for (const entry of host.list(info)) {
    const match = /^([^:]+)(?::[^.]+)?\.(list|conffiles)$/.exec(entry)
    if (!match || !wanted.has(match[1])) continue
    for (const line of (host.read(`${info}/${entry}`) ?? '').split('\n')) if (line.trim() !== '') files.add(line.trim().split(' ')[0])
  }
  return files
}
