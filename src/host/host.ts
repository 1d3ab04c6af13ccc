import {closeSync, existsSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import path from 'node:path'

/**
 * The machine xensetup looks at and changes, seen through a root directory. Every path the rest of the
 * code uses is an absolute path on the target ("/etc/os-release"); only Host knows where that lives,
 * so a plain directory tree can stand in for a whole machine.
 */
export class Host {
  readonly root: string

  constructor(root = '/') {
    this.root = path.resolve(root)
  }

  /** True when the target is the machine we are running on, not a tree under --root. */
  get isLive(): boolean {
    return this.root === '/'
  }

  /** Where a target path lives on this machine. */
  real(target: string): string {
    if (!target.startsWith('/')) throw new Error(`host paths are absolute: ${target}`)
    return this.isLive ? target : path.join(this.root, target)
  }

  /** The file's text, or undefined when it does not exist or is not readable as a file. */
  read(target: string): string | undefined {
    try {
      return readFileSync(this.real(target), 'utf8')
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  exists(target: string): boolean {
    return existsSync(this.real(target))
  }

  isDirectory(target: string): boolean {
    try {
      return statSync(this.real(target)).isDirectory()
    } catch {
      return false
    }
  }

  /** Entry names of a directory, sorted; empty when it does not exist. */
  list(target: string): string[] {
    try {
      return readdirSync(this.real(target)).sort()
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
  }

  /** A symlink's target as stored, or undefined when the path is not a symlink. */
  readlink(target: string): string | undefined {
    try {
      return lstatSync(this.real(target)).isSymbolicLink() ? readlinkSync(this.real(target)) : undefined
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  /** Mode (permission bits), uid and gid of an existing file. */
  owner(target: string): {mode: number; uid: number; gid: number} | undefined {
    try {
      const s = statSync(this.real(target))
      return {mode: s.mode & 0o7777, uid: s.uid, gid: s.gid}
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
}

/** fsync a directory so a rename inside it survives a crash. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
