import type {Facts} from '../facts/types.js'
import type {HostState} from './check.js'

export function hostState(facts: Facts): HostState {
  if (facts.xen.running) return facts.xen.dom0 ? 'dom0' : 'domU'
  return facts.xen.installed ? 'installed' : 'bare'
}

export const STATE_TITLES: Record<HostState, string> = {
  bare: 'Xen not installed',
  installed: 'Xen installed, NOT running',
  dom0: 'running as Xen dom0',
  domU: 'running as a Xen guest (domU)',
}
