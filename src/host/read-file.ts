import {isUtf8} from 'node:buffer'
import {closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync} from 'node:fs'
import {HostPathError, isMissing} from './errors.js'

/** Larger than any configuration or package database xensetup reads; a bigger "file" is not one. */
export const MAX_READ_BYTES = 32 * 1024 * 1024

const scratch = Buffer.allocUnsafe(256 * 1024)

export type TextEncoding = 'utf8' | 'latin1'

export interface TextFile {
  text: string
  /**
   * latin1 when the bytes are not valid UTF-8: every byte then maps to one character, so a file
   * written back with the same encoding keeps the bytes outside xensetup's edits exactly.
   */
  encoding: TextEncoding
}

/**
 * A regular file's bytes, or undefined when it is missing or a directory. Reading stops at
 * MAX_READ_BYTES whatever the size said: /proc files report 0, and a file can grow while it is read.
 */
export function readBounded(real: string, shown: string, noFollow: boolean): Buffer | undefined {
  return withOpenFile(real, shown, noFollow, (fd, size) => {
    // Small files (hundreds of sysfs and proc attributes, whose size reads 0) go through one scratch buffer;
    // a big one (dpkg's database) straight into a buffer of its size plus one, so its end costs no copy.
    let buffer: Buffer = size < scratch.length ? scratch : Buffer.allocUnsafe(size + 1)
    let total = 0
    for (;;) {
      if (total === buffer.length) buffer = grown(buffer, shown)
      const count = readSync(fd, buffer, total, buffer.length - total, null)
      if (count === 0) break
      total += count
    }
    return buffer === scratch ? Buffer.from(scratch.subarray(0, total)) : buffer.subarray(0, total)
  })
}

/**
 * A regular file's text, as decodeText(readBounded(...)) gives it, read by node's UTF-8 reader in one
 * call instead of a loop of reads: half the time over the hundreds of small files doctor reads. Only
 * its size bounds it (a /proc file is read whole). That reader puts U+FFFD for bytes that are not
 * UTF-8, so text holding one is read again as bytes to decide.
 */
export function readText(real: string, shown: string, noFollow: boolean): TextFile | undefined {
  const text = withOpenFile(real, shown, noFollow, (fd) => readFileSync(fd, 'utf8'))
  if (text === undefined) return undefined
  if (!text.includes('\ufffd')) return {text, encoding: 'utf8'}
  const bytes = readBounded(real, shown, noFollow)
  return bytes === undefined ? undefined : decodeText(bytes)
}

/**
 * Runs `read` on a regular file opened for reading, or gives undefined when it is missing or a
 * directory. A FIFO, device or socket is refused before it is opened (opening /dev/watchdog arms it; a
 * FIFO blocks) and again after, in case one was put there meanwhile; so is a file over MAX_READ_BYTES.
 * Opened never blocking, and under a root never through a link put there meanwhile.
 */
function withOpenFile<T>(real: string, shown: string, noFollow: boolean, read: (fd: number, size: number) => T): T | undefined {
  let fd: number
  try {
    if (!isRegularFile(real, shown)) return undefined
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0))
  } catch (error) {
    if (isMissing(error)) return undefined
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new HostPathError(shown, 'changed into a symbolic link while being read')
    throw error
  }
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) return undefined
    if (!stat.isFile()) throw new HostPathError(shown, 'is not a regular file')
    if (stat.size > MAX_READ_BYTES) throw tooLarge(shown)
    return read(fd, stat.size)
  } finally {
    closeSync(fd)
  }
}

function tooLarge(shown: string): HostPathError {
  return new HostPathError(shown, `is larger than ${MAX_READ_BYTES / 2 ** 20} MiB; it is not a configuration file`)
}

/** A full buffer twice as big, for a file still growing while it is read; never past MAX_READ_BYTES. */
function grown(full: Buffer, shown: string): Buffer {
  if (full.length > MAX_READ_BYTES) throw tooLarge(shown)
  const bigger = Buffer.allocUnsafe(Math.min(full.length * 2, MAX_READ_BYTES + 1))
  full.copy(bigger)
  return bigger
}

/** False when nothing is there or a directory is; throws for anything that is neither a file nor a directory. */
function isRegularFile(real: string, shown: string): boolean {
  // No exception for the common "not there": doctor asks about hundreds of files that are absent.
  const stat = statSync(real, {throwIfNoEntry: false})
  if (stat === undefined || stat.isDirectory()) return false
  if (!stat.isFile()) throw new HostPathError(shown, `is not a regular file (${kindOf(stat)})`)
  return true
}

function kindOf(stat: {isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean}): string {
  if (stat.isFIFO()) return 'a FIFO'
  if (stat.isCharacterDevice()) return 'a character device'
  if (stat.isBlockDevice()) return 'a block device'
  if (stat.isSocket()) return 'a socket'
  return 'not a file'
}

// isUtf8 validates without building a string, several times faster than a fatal TextDecoder on dpkg's database.
export function decodeText(bytes: Buffer): TextFile {
  return isUtf8(bytes) ? {text: bytes.toString('utf8'), encoding: 'utf8'} : {text: bytes.toString('latin1'), encoding: 'latin1'}
}
