import type {NetworkStack} from '../../facts/types.js'
import type {InitContext} from '../context.js'

/** The network stack the bridge step writes for, and what must be installed for it first. */
export interface ChosenStack {
  stack: NetworkStack
  /** The distro's default, taken because the target configures its network with nothing at all. */
  byDefault: boolean
  packages: string[]
}

/** Debian's ifupdown service: enabled by the package itself, so no sign of another tool. */
const DEFAULT_STACK_SERVICES = new Set(['networking'])

/**
 * The target's own stack; under --root, a target with none at all (a minbase or container-made image:
 * no configuration and no network service enabled) gets the one its distro's installer would have set
 * up. A target whose enabled service configures the network from elsewhere (networkd or NetworkManager
 * fed at first boot) would get two tools fighting over the NIC, and a running host always keeps its
 * own: whatever gives it its address now is unknown, and writing a second configuration could cut it off.
 */
export function chosenStack({facts, options, profile}: Pick<InitContext, 'facts' | 'options' | 'profile'>): ChosenStack {
  const {stack} = facts.network
  const nothing = stack === 'unknown' && facts.network.services.every((service) => DEFAULT_STACK_SERVICES.has(service))
  if (!nothing || !options.offline || !profile.network) return {stack, byDefault: false, packages: []}
  return {stack: profile.network.default, byDefault: true, packages: profile.network.packages}
}
