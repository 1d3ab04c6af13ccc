import {lstatSync, readlinkSync} from 'node:fs'
import {HostPathError, isMissing} from './errors.js'

/** Linux's own limit (MAXSYMLINKS): a longer chain is a loop. */
const MAX_SYMLINKS = 40

/** What lstat found at a real path: a link's target, null for anything else, false for nothing. */
export type Entry = string | null | false

/**
 * A target path resolved under `root` the way the kernel resolves it inside a chroot at `root`: an
 * absolute link starts again at the root, `..` never climbs above it. So nothing the tree holds can lead
 * a read or a write out of it. Returns the target-side path ("/etc/default/grub.d/x.cfg"); components
 * that do not exist are kept as written. With `followLast` false a final symlink is not followed.
 * `seen` keeps what each component was, for a batch of reads of a tree nothing writes meanwhile.
 */
export function canonicalInRoot(root: string, target: string, followLast = true, seen?: Map<string, Entry>): string {
  if (!target.startsWith('/')) throw new Error(`target paths are absolute: ${target}`)
  const pending = target.split('/').filter((part) => part !== '' && part !== '.')
  const resolved: string[] = []
  let links = 0
  while (pending.length > 0) {
    const part = pending.shift() as string
    if (part === '..') {
      resolved.pop()
      continue
    }
    if (pending.length === 0 && !followLast) {
      resolved.push(part)
      break
    }
    const real = joinRoot(root, `/${[...resolved, part].join('/')}`)
    let entry = seen?.get(real)
    if (entry === undefined) {
      entry = lookUp(real, target)
      seen?.set(real, entry)
    }
    if (entry === false) {
      // Nothing exists below a missing directory, so plain names after it are safe to keep as written.
      // The kernel answers ENOENT to a `..` after one; so does this, rather than resolve what follows
      // lexically past links it never looked at.
      if (pending.includes('..')) throw new HostPathError(target, 'cannot be reached: a link in its path leads through a missing directory and `..`', 'ENOENT')
      resolved.push(part, ...pending)
      break
    }
    const link = entry
    if (link === null) {
      resolved.push(part)
      continue
    }
    if (++links > MAX_SYMLINKS) throw new HostPathError(target, 'has too many levels of symbolic links')
    if (link.startsWith('/')) resolved.length = 0
    pending.unshift(...link.split('/').filter((piece) => piece !== '' && piece !== '.'))
  }
  return `/${resolved.join('/')}`
}

function lookUp(real: string, target: string): Entry {
  try {
    const found = lstatSync(real, {throwIfNoEntry: false})
    if (found === undefined) return false
    return found.isSymbolicLink() ? readlinkSync(real) : null
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENAMETOOLONG' || code === 'ELOOP') throw new HostPathError(target, 'cannot be resolved: the path its links lead to is too long or loops')
    if (!isMissing(error)) throw error
    return false
  }
}

/** Where a target-side path lives on this machine. */
export function joinRoot(root: string, target: string): string {
  return root === '/' ? target : target === '/' ? root : `${root}${target}`
}
