import type {Change} from '../engine/change.js'
import type {Step} from '../engine/step.js'
import type {InitContext} from './context.js'

/**
 * The distro's Xen services enabled at boot. Every one of them is conditional on a Xen boot
 * (/proc/xen/capabilities), so enabling them before the first Xen boot is harmless on native boots.
 */
export const servicesStep: Step<InitContext> = {
  id: 'services',
  title: 'Enable the Xen services',
  plan({facts, profile}) {
    const known = facts.xen.services
    // Before Xen is installed (a dry run) the profile is all we know; after, enable only what shipped.
    const wanted = profile.services.enable.filter((name) => !facts.xen.installed || name in known)
    const disabled = wanted.filter((name) => known[name] !== true)
    const enabled = wanted.filter((name) => known[name] === true)
    const state = enabled.length > 0 ? `enabled: ${enabled.join(', ')}` : undefined
    if (disabled.length === 0) return {changes: [], state}
    const why = `start ${disabled.join(', ')} on every Xen boot`
    const changes: Change[] =
      profile.services.manager === 'systemd'
        ? [{kind: 'command', argv: ['systemctl', 'enable', ...disabled], why}]
        : disabled.map((name) => ({kind: 'command', argv: ['rc-update', 'add', name, 'default'], why}))
    return {changes, state}
  },
}
