import {readFileSync, readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/** test/fixtures/roots: one directory per fake machine. */
export const rootsDir = fileURLToPath(new URL('../../fixtures/roots/', import.meta.url))

export function rootNames(): string[] {
  return readdirSync(rootsDir, {withFileTypes: true})
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
}

/** A file of a fixture root, by its absolute path on that machine. */
export function fixture(root: string, target: string): string {
  return readFileSync(`${rootsDir}${root}${target}`, 'utf8')
}
