import type {Host} from '../host/host.js'
import type {FileChange} from './change.js'
import {MalformedBlockError, withManagedBlock} from './managed-block.js'
import {StepFailure} from './step.js'

/** The change that makes a whole file (one xensetup owns) hold `content`; none when it already does. */
export function wholeFile(host: Host, path: string, content: string, why: string, mode?: number, secret = false): FileChange[] {
  const current = host.readFile(path)
  const before = current?.text ?? null
  return before === content ? [] : [{kind: 'file', path, before, after: content, encoding: current?.encoding, mode, why, ...(secret ? {secret: true as const} : {})}]
}

/** The change that removes a file (its original is backed up like any other); none when it is gone. */
export function absentFile(host: Host, path: string, why: string): FileChange[] {
  const current = host.readFile(path)
  return current === undefined ? [] : [{kind: 'file', path, before: current.text, after: null, encoding: current.encoding, why}]
}

/** The change that makes the owner's managed block in a shared file hold `body`, other bytes untouched. */
export function managedBlock(host: Host, path: string, owner: string, body: string, why: string): FileChange[] {
  const current = host.readFile(path)
  const before = current?.text ?? null
  let after: string
  try {
    after = withManagedBlock(before, owner, body)
  } catch (error) {
    if (!(error instanceof MalformedBlockError)) throw error
    throw new StepFailure(`${host.display(path)}: ${error.message}; restore the pair of markers (or remove both) and re-run`)
  }
  return before === after ? [] : [{kind: 'file', path, before, after, encoding: current?.encoding, why}]
}
