import {POLICY_RC_D, POLICY_RC_D_TEXT} from '../host/chroot.js'
import type {Host} from '../host/host.js'
import type {LockRecord} from './lock.js'

/**
 * What a killed run left in the target, from its lock: the policy-rc.d it made (recognised by its text,
 * so an admin's own policy-rc.d is never removed). Returns the paths removed.
 */
export function cleanLeftovers(target: Host, stale: LockRecord): string[] {
  return leftoversOf(target, stale).map((path) => {
    target.remove(path)
    return path
  })
}

/** The leftovers still present, for doctor and for the next run. */
export function leftoversOf(target: Host, stale: LockRecord): string[] {
  return stale.made.filter((path) => path === POLICY_RC_D && target.read(path) === POLICY_RC_D_TEXT)
}
