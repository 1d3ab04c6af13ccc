import {HostFiles} from '../facts/files.js'
import {leftoversOf} from '../facts/run-state.js'
import type {LockRecord} from '../facts/types.js'
import type {Host} from '../host/host.js'

/** Removes what a killed run left in the target (see leftoversOf); returns the paths removed. */
export function cleanLeftovers(target: Host, stale: LockRecord): string[] {
  return leftoversOf(new HostFiles(target), stale).map((path) => {
    target.remove(path)
    return path
  })
}
