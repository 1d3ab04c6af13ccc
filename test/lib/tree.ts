import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

/** A throw-away directory standing in for a machine's root, filled from a {path: content} map. */
export function makeTree(files: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'xensetup-tree-'))
  for (const [file, content] of Object.entries(files)) writeTreeFile(root, file, content)
  return root
}

export function writeTreeFile(root: string, file: string, content: string): void {
  const real = path.join(root, file)
  mkdirSync(path.dirname(real), {recursive: true})
  writeFileSync(real, content)
}

export function removeTree(root: string): void {
  rmSync(root, {recursive: true, force: true})
}

/**
 * Every directory, file and link under root with its mode, size and mtime (links: their target): equal
 * snapshots mean nothing was written, not even an empty directory made.
 */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const real = path.join(dir, name)
      const stat = lstatSync(real)
      if (stat.isDirectory()) {
        out[`${path.relative(root, real)}/`] = `dir ${(stat.mode & 0o7777).toString(8)}`
        walk(real)
      } else out[path.relative(root, real)] = stat.isSymbolicLink() ? `-> ${readlinkSync(real)}` : `${stat.size}:${stat.mtimeMs}`
    }
  }
  walk(root)
  return out
}
