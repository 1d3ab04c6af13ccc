import path from 'node:path'

import {globMatches, isGlob} from './glob.js'
import {type SourceDirective, parseInterfaces} from './interfaces.js'

export const INTERFACES = '/etc/network/interfaces'
/** ifupdown takes relative `source` paths from the directory of its main file. */
const BASE = path.posix.dirname(INTERFACES)
/** run-parts' naming rule, which `source-directory` applies: editor backups (eth0.bak, eth0~) are skipped. */
const RUN_PARTS_NAME = /^[A-Za-z0-9_-]+$/

/** Read access to the tree the files live in (the facts' HostFiles and the steps' Host both give it). */
export interface FileTree {
  read(path: string): string | undefined
  list(dir: string): string[]
}

export interface InterfacesFile {
  path: string
  text: string
}

/**
 * /etc/network/interfaces and every file it reaches through `source` (globs) and `source-directory`,
 * recursively, in the order ifupdown reads them; missing files are left out, as ifupdown skips them.
 */
export function interfacesFiles(tree: FileTree): InterfacesFile[] {
  const files: InterfacesFile[] = []
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = tree.read(file)
    if (text === undefined) return
    files.push({path: file, text})
    for (const item of parseInterfaces(text)) if (item.kind === 'source') sourcedPaths(tree, item).forEach(visit)
  }
  visit(INTERFACES)
  return files
}

function sourcedPaths(tree: FileTree, {keyword, pattern}: SourceDirective): string[] {
  const absolute = path.posix.resolve(BASE, pattern)
  if (keyword === 'source-directory') return tree.list(absolute).filter((name) => RUN_PARTS_NAME.test(name)).map((name) => `${absolute}/${name}`)
  return expand(tree, absolute)
}

/** A path pattern expanded component by component, as the shell globs: `*` skips dot files. */
function expand(tree: FileTree, pattern: string): string[] {
  let paths = ['']
  for (const part of pattern.split('/').filter(Boolean)) {
    paths = isGlob(part)
      ? paths.flatMap((dir) =>
          tree
            .list(dir || '/')
            .filter((name) => (part.startsWith('.') || !name.startsWith('.')) && globMatches(part, name))
            .sort()
            .map((name) => `${dir}/${name}`),
        )
      : paths.map((dir) => `${dir}/${part}`)
  }
  return paths
}
