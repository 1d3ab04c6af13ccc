import {chmodSync, chownSync, closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync} from 'node:fs'
import path from 'node:path'

export interface FileOwnership {
  mode: number
  uid: number
  gid: number
}

const TEMP_MARK = '.xensetup-'

/**
 * Replace a file so that a reader (or a crash) sees either the old bytes or the new ones, never a mix:
 * write a temp file beside it, fsync, give it the old file's mode and owner, rename over, fsync the dir.
 * The directory must exist. Temps a killed run left beside the file are removed first (the run lock
 * guarantees no other xensetup is writing them).
 */
export function writeAtomic(realPath: string, bytes: Buffer, ownership: FileOwnership): void {
  const dir = path.dirname(realPath)
  const base = path.basename(realPath)
  removeStaleTemps(dir, base)
  const temp = path.join(dir, `.${base}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`)
  // 'wx' is O_CREAT|O_EXCL: it never follows a symlink planted at the temp name.
  const fd = openSync(temp, 'wx', 0o600)
  try {
    try {
      writeSync(fd, bytes)
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

function removeStaleTemps(dir: string, base: string): void {
  const prefix = `.${base}${TEMP_MARK}`
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    // Only files are ours to remove; anything else at such a name is left for the admin to see.
    if (lstatSync(path.join(dir, name)).isFile()) rmSync(path.join(dir, name), {force: true})
  }
}

/** fsync a directory so a rename inside it survives a crash. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
