import {isUtf8} from 'node:buffer'
import {chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, symlinkSync, writeSync} from 'node:fs'
import path from 'node:path'
import {type FileOwnership, writeAtomic} from './atomic-write.js'
import {canonicalInRoot, type Entry, joinRoot} from './confine.js'
import {HostPathError, isMissing} from './errors.js'
import {decodeText, readBounded, readText, type TextEncoding, type TextFile} from './read-file.js'

export {HostPathError, isMissing} from './errors.js'
export type {TextEncoding, TextFile} from './read-file.js'

/** What a read looked at: a file's bytes, what is at a path, a directory's names, a link, an owner, a head. */
export type ReadFacet = 'content' | 'kind' | 'list' | 'link' | 'owner' | `head:${number}`

/**
 * Told what every read saw (a hash, a kind, "missing", or why it could not be read), so a kept plan can
 * list what it was made from and apply can tell whether the target still reads the same.
 */
export type ReadRecorder = (target: string, facet: ReadFacet, seen: ReadSeen) => void

/** What a read saw: a word ("none", a kind, a link), or bytes the recorder keeps a hash of. */
export type ReadSeen = string | {bytes: Buffer | string}

/**
 * A machine seen through a root directory: the target xensetup configures (`--root DIR`, or `/`), or
 * the local machine running it. Every path the rest of the code uses is an absolute path on that
 * machine ("/etc/os-release"); only Host knows where it lives. Under a root every path is resolved as
 * the kernel would inside a chroot there (see canonicalInRoot), for reads and writes alike, so a tree
 * xensetup did not build cannot send either outside itself.
 */
export class Host {
  readonly root: string
  /** Set while a plan that will be kept is made: every read below reports to it. */
  recorder: ReadRecorder | null = null
  /** What each path component was, while a batch of reads runs (see readingAtOnce). */
  private seen: Map<string, Entry> | undefined

  constructor(root = '/') {
    const absolute = path.resolve(root)
    // The root itself may be a link the admin made; past it, the tree's own links stay confined.
    this.root = absolute === '/' ? '/' : realpathOr(absolute)
  }

  /** True when the target is the machine we are running on, not a tree under --root. */
  get isLive(): boolean {
    return this.root === '/'
  }

  /**
   * Runs `reads` (synchronous: nothing else can write meanwhile) with each path component looked up
   * once, not once per path: fact gathering resolves hundreds of paths under a --root, each through
   * the same few directories. Writes never run inside it.
   */
  readingAtOnce<T>(reads: () => T): T {
    if (this.seen !== undefined) return reads()
    this.seen = new Map()
    try {
      const result = reads()
      if (result instanceof Promise) throw new Error('readingAtOnce takes synchronous reads only')
      return result
    } finally {
      this.seen = undefined
    }
  }

  /** A write inside a batch of reads would go by what the batch saw, not by what is there now. */
  private notReadingAtOnce(target: string): void {
    if (this.seen !== undefined) throw new Error(`${this.display(target)}: no write while reading at once`)
  }

  /** The target-side path after following its links inside the root; failures name the path with its root. */
  canonical(target: string, followLast = true): string {
    try {
      return canonicalInRoot(this.root, target, followLast, this.seen)
    } catch (error) {
      if (error instanceof HostPathError) throw new HostPathError(this.display(target), error.problem, error.code)
      throw error
    }
  }

  /** Where a target path lives on this machine, every link followed inside the root. */
  real(target: string, followLast = true): string {
    // The live machine's paths are resolved by the kernel itself, which is also the fast path for doctor.
    return this.isLive ? target : joinRoot(this.root, this.canonical(target, followLast))
  }

  /** The path for a person: with the root it lives in, so it can be looked at as printed. */
  display(target: string): string {
    return joinRoot(this.root, target)
  }

  /** The file's text, or undefined when it does not exist or is a directory. */
  read(target: string): string | undefined {
    return this.readFile(target)?.text
  }

  /** The file's text with how it was decoded, so a rewrite keeps bytes that are not UTF-8. */
  readFile(target: string): TextFile | undefined {
    if (this.recorder === null) {
      // Nothing keeps a hash of the bytes: node's UTF-8 reader, in one call, is most of doctor's speed.
      const real = this.reachable(target)
      return real === undefined ? undefined : readText(real, this.display(target), !this.isLive)
    }
    const bytes = this.readBytes(target)
    return bytes === undefined ? undefined : decodeText(bytes)
  }

  /** The file's bytes, or undefined when it does not exist or is a directory. */
  readBytes(target: string): Buffer | undefined {
    return this.observed(target, 'content', () => {
      const real = this.reachable(target)
      return real === undefined ? undefined : readBounded(real, this.display(target), !this.isLive)
    }, (found) => (found === undefined ? 'none' : {bytes: found}))
  }

  exists(target: string): boolean {
    return this.kind(target) !== undefined
  }

  isDirectory(target: string): boolean {
    return this.kind(target) === 'directory'
  }

  /**
   * Entry names of a directory, sorted; empty when it does not exist. A name that is not UTF-8 could not
   * be named back to the file system, so it is refused rather than silently passed over.
   */
  list(target: string): string[] {
    return this.observed(target, 'list', () => this.names(target), (names) => ({bytes: JSON.stringify(names)}))
  }

  private names(target: string): string[] {
    let names: Buffer[]
    try {
      names = readdirSync(this.real(target), {encoding: 'buffer'})
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
    return names
      .map((name) => {
        if (!isUtf8(name)) {
          const shown = [...name].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`)).join('')
          throw new HostPathError(this.display(target), `holds a file name that is not UTF-8 ("${shown}"); rename that file`)
        }
        return name.toString('utf8')
      })
      .sort()
  }

  /** What is at a path (links followed inside the root): a file, a directory, a block device, other; undefined when nothing. */
  kind(target: string): 'file' | 'directory' | 'block' | 'other' | undefined {
    return this.observed(target, 'kind', () => {
      const found = this.stat(target)
      if (found === undefined) return undefined
      return found.isFile() ? 'file' : found.isDirectory() ? 'directory' : found.isBlockDevice() ? 'block' : 'other'
    }, (kind) => kind ?? 'missing')
  }

  /** The first bytes of a regular file (a disk image's magic), fewer when it is shorter. */
  head(target: string, bytes: number): Buffer {
    return this.observed(target, `head:${bytes}`, () => this.firstBytes(target, bytes), (head) => ({bytes: head}))
  }

  private firstBytes(target: string, bytes: number): Buffer {
    const fd = openSync(this.real(target), constants.O_RDONLY | (this.isLive ? 0 : constants.O_NOFOLLOW))
    try {
      const buffer = Buffer.alloc(bytes)
      return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0))
    } finally {
      closeSync(fd)
    }
  }

  /** A symlink's target as stored, or undefined when the path is not a symlink. */
  readlink(target: string): string | undefined {
    return this.observed(target, 'link', () => {
      try {
        const real = this.real(target, false)
        return lstatSync(real, {throwIfNoEntry: false})?.isSymbolicLink() ? readlinkSync(real) : undefined
      } catch (error) {
        if (isMissing(error)) return undefined
        throw error
      }
    }, (link) => (link === undefined ? 'none' : `-> ${link}`))
  }

  /** Mode (permission bits), uid and gid of an existing file. */
  owner(target: string): FileOwnership | undefined {
    return this.observed(target, 'owner', () => {
      const s = this.stat(target)
      return s && {mode: s.mode & 0o7777, uid: s.uid, gid: s.gid}
    }, (o) => (o === undefined ? 'missing' : `${o.mode.toString(8)} ${o.uid}:${o.gid}`))
  }

  /**
   * Replaces a file atomically. A managed file that is a symlink inside the root is written where it
   * points, and stays a link; a dangling link or a non-file where the file should be is refused.
   */
  write(target: string, text: string, encoding: TextEncoding, ownership: FileOwnership): void {
    this.notReadingAtOnce(target)
    const destination = this.writableFile(target)
    this.mkdirs(path.posix.dirname(destination))
    writeAtomic(joinRoot(this.root, destination), Buffer.from(text, encoding), ownership)
  }

  /** Appends to a file (the journal), creating it with `mode`; never through a link at its name. */
  append(target: string, text: string, mode: number): void {
    this.notReadingAtOnce(target)
    const destination = this.writableFile(target)
    this.mkdirs(path.posix.dirname(destination), 0o700)
    const fd = openSync(joinRoot(this.root, destination), constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_NOFOLLOW, mode)
    try {
      writeSync(fd, text)
    } finally {
      closeSync(fd)
    }
  }

  /** Creates a file only if nothing is at its name: false when something is (a lock held). */
  createExclusive(target: string, text: string, mode: number): boolean {
    const destination = this.canonical(target, false)
    let fd: number | undefined
    // Twice: a run ending just now may remove the empty directory between making it and opening in it.
    for (let attempt = 0; fd === undefined; attempt++) {
      this.mkdirs(path.posix.dirname(destination), 0o700)
      try {
        fd = openSync(joinRoot(this.root, destination), 'wx', mode)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EEXIST') return false
        if (code !== 'ENOENT' || attempt > 0) throw error
      }
    }
    try {
      writeSync(fd, text)
    } finally {
      closeSync(fd)
    }
    return true
  }

  /** Removes a file (a link itself, not what it points to); nothing when it is gone already. */
  remove(target: string): void {
    this.notReadingAtOnce(target)
    rmSync(this.real(target, false), {force: true})
  }

  /** Makes `target` a symbolic link to `to` (replacing a link already there), or removes the link when `to` is null. */
  link(target: string, to: string | null): void {
    this.notReadingAtOnce(target)
    const destination = this.canonical(target, false)
    const real = joinRoot(this.root, destination)
    const found = lstatOrUndefined(real)
    if (found && !found.isSymbolicLink()) throw new HostPathError(this.display(target), 'is not a symbolic link; move it away to let xensetup manage it')
    if (to === null) {
      rmSync(real, {force: true})
      return
    }
    this.mkdirs(path.posix.dirname(destination))
    // A new link beside it, renamed over the old one: the name never goes missing.
    const temporary = `${real}.xensetup-${process.pid}`
    rmSync(temporary, {force: true})
    symlinkSync(to, temporary)
    renameSync(temporary, real)
  }

  /** Removes a directory only when it is empty (and not a link): false when it is not, or is gone. */
  removeEmptyDirectory(target: string): boolean {
    this.notReadingAtOnce(target)
    try {
      rmdirSync(this.real(target, false))
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || isMissing(error)) return false
      throw error
    }
  }

  /**
   * Creates a directory and its missing parents inside the root, whatever the umask: the parents 0755
   * (/var made 0700 would lock every daemon out of it), the directory itself with `mode`.
   */
  mkdirs(target: string, mode = 0o755): void {
    this.notReadingAtOnce(target)
    const destination = this.canonical(target)
    const parts = destination.split('/').filter(Boolean)
    let current = ''
    parts.forEach((part, index) => {
      current = `${current}/${part}`
      const real = joinRoot(this.root, current)
      const found = lstatOrUndefined(real)
      if (found?.isDirectory()) return
      if (found) throw new HostPathError(this.display(current), 'is not a directory')
      const wanted = index === parts.length - 1 ? mode : 0o755
      mkdirSync(real, {mode: wanted})
      chmodSync(real, wanted)
    })
  }

  /** A read, told to the recorder when there is one: what it saw, or why it could not read. */
  private observed<T>(target: string, facet: ReadFacet, read: () => T, seen: (value: T) => ReadSeen): T {
    const recorder = this.recorder
    if (recorder === null) return read()
    let value: T
    try {
      value = read()
    } catch (error) {
      const {code, message} = error as NodeJS.ErrnoException
      recorder(target, facet, `unreadable: ${code ?? message}`)
      throw error
    }
    recorder(target, facet, seen(value))
    return value
  }

  /** Where a file can be written: its in-root target; a dangling link or a non-file is refused. */
  private writableFile(target: string): string {
    const destination = this.canonical(target)
    const found = lstatOrUndefined(joinRoot(this.root, destination))
    if (found && !found.isFile()) throw new HostPathError(this.display(target), 'is not a regular file; xensetup writes only files')
    const link = found ? undefined : this.readlink(target)
    if (link !== undefined) throw new HostPathError(this.display(target), `is a symbolic link to ${link}, which does not exist; remove the link or create its target`)
    return destination
  }

  /** The real path, or undefined where the kernel would answer ENOENT on the way there. */
  private reachable(target: string): string | undefined {
    try {
      return this.real(target)
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  private stat(target: string) {
    try {
      // No exception for the common "not there": doctor asks about hundreds of paths that are absent.
      return statSync(this.real(target), {throwIfNoEntry: false})
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }
}

function realpathOr(absolute: string): string {
  try {
    return realpathSync(absolute)
  } catch {
    return absolute
  }
}

function lstatOrUndefined(real: string) {
  try {
    return lstatSync(real)
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}
