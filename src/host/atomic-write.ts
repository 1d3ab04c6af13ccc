import {chmodSync, chownSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import path from 'node:path'
import {syncDirectory} from './host.js'

export interface FileOwnership {
  mode: number
  uid: number
  gid: number
}

/**
 * Replace a file so that a reader (or a crash) sees either the old bytes or the new ones, never a mix:
 * write a temp file beside it, fsync, give it the old file's mode and owner, rename over, fsync the dir.
 */
export function writeAtomic(realPath: string, text: string, ownership: FileOwnership): void {
  const dir = path.dirname(realPath)
  mkdirSync(dir, {recursive: true})
  const temp = path.join(dir, `.${path.basename(realPath)}.xensetup-${process.pid}.tmp`)
  const fd = openSync(temp, 'wx', ownership.mode)
  try {
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    chownSync(temp, ownership.uid, ownership.gid)
    chmodSync(temp, ownership.mode) // after chown, which clears setuid bits; and not subject to umask
    renameSync(temp, realPath)
    syncDirectory(dir)
  } catch (error) {
    rmSync(temp, {force: true})
    throw error
  }
}
