import type {NetworkStack} from '../../facts/types.js'
import type {InitContext} from '../context.js'

/** The network stack the bridge step writes for, and what must be installed for it first. */
export interface ChosenStack {
  stack: NetworkStack
  /** The distro's default, taken because the target configures its network with nothing at all. */
  byDefault: boolean
  packages: string[]
}

/**
 * The target's own stack; under --root, a target with none (a minbase or container-made image) gets
 * the one its distro's installer would have set up. A running host always keeps its own: whatever
 * gives it its address now is unknown, and writing a second configuration could cut it off.
 */
export function chosenStack({facts, options, profile}: Pick<InitContext, 'facts' | 'options' | 'profile'>): ChosenStack {
  const found = facts.network.stack
  if (found !== 'unknown' || !options.offline || !profile.network) return {stack: found, byDefault: false, packages: []}
  return {stack: profile.network.default, byDefault: true, packages: profile.network.packages}
}
