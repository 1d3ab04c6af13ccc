import {createHash} from 'node:crypto'
import {lstatSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import path from 'node:path'

/**
 * The NIC of this machine's default route: roots are configured with an uplink named like a local NIC,
 * which facts read through the chroot's bind mounts must never mistake for the target's.
 */
export function localUplink(): string {
  const route = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((line) => line.split('\t'))
  return route.find((fields) => fields[1] === '00000000')?.[0] ?? 'lo'
}

/**
 * Every directory, file and link under the root's etc/ and boot/: mode and owner, a file's content hash,
 * a link's target. Keys are relative to the root, directories end in "/".
 */
export function etcBootState(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(root, dir))) {
      const relative = `${dir}/${name}`
      const real = path.join(root, relative)
      const stat = lstatSync(real)
      const owner = `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`
      if (stat.isSymbolicLink()) out[relative] = `-> ${readlinkSync(real)}`
      else if (stat.isDirectory()) {
        out[`${relative}/`] = owner
        walk(relative)
      } else out[relative] = `${owner} ${createHash('sha256').update(readFileSync(real)).digest('hex')}`
    }
  }
  for (const top of ['etc', 'boot']) walk(top)
  return out
}

/** The paths whose entry differs between two states (present in one only, or different), sorted. */
export function differingPaths(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]).sort()
}

/** Each differing path with what it was and is, for a failure message that says what changed. */
export function differences(before: Record<string, string>, after: Record<string, string>): string[] {
  return differingPaths(before, after).map((key) => `${key}: ${before[key] ?? 'absent'} => ${after[key] ?? 'absent'}`)
}
