import {closeSync, constants, fstatSync, openSync, readSync, statSync} from 'node:fs'
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
 * A regular file's bytes, or undefined when it is missing or a directory. A FIFO, device or socket is
 * refused before it is opened (opening /dev/watchdog arms it; a FIFO blocks), and reading stops at
 * MAX_READ_BYTES: /proc files report size 0, so the size cannot be trusted up front.
 */
export function readBounded(real: string, shown: string, noFollow: boolean): Buffer | undefined {
  let fd: number
  try {
    if (!regularOrDirectory(real, shown)) return undefined
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
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      // One scratch buffer for every read: doctor reads hundreds of small sysfs and proc files.
      const count = readSync(fd, scratch, 0, scratch.length, null)
      if (count === 0) break
      total += count
      if (total > MAX_READ_BYTES) throw new HostPathError(shown, `is larger than ${MAX_READ_BYTES / 2 ** 20} MiB; it is not a configuration file`)
      chunks.push(Buffer.from(scratch.subarray(0, count)))
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)
  } finally {
    closeSync(fd)
  }
}

/** False for a directory; throws for anything that is neither a file nor a directory. */
function regularOrDirectory(real: string, shown: string): boolean {
  const stat = statSync(real)
  if (stat.isDirectory()) return false
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

const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})

export function decodeText(bytes: Buffer): TextFile {
  try {
    return {text: utf8.decode(bytes), encoding: 'utf8'}
  } catch {
    return {text: bytes.toString('latin1'), encoding: 'latin1'}
  }
}
