import type {Host} from '../host/host.js'
import type {FileChange} from './change.js'
import {withManagedBlock} from './managed-block.js'

/** The change that makes a whole file (one xensetup owns) hold `content`; none when it already does. */
export function wholeFile(host: Host, path: string, content: string, why: string, mode?: number): FileChange[] {
  const before = host.read(path) ?? null
  return before === content ? [] : [{kind: 'file', path, before, after: content, mode, why}]
}

/** The change that makes the owner's managed block in a shared file hold `body`, other lines untouched. */
export function managedBlock(host: Host, path: string, owner: string, body: string, why: string): FileChange[] {
  const before = host.read(path) ?? null
  const after = withManagedBlock(before, owner, body)
  return before === after ? [] : [{kind: 'file', path, before, after, why}]
}
