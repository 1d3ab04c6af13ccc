import type {Step} from '../engine/step.js'
import type {UninstallContext} from './uninstall-context.js'
import {disableServices} from './disable-services.js'

/** The services xensetup's runs enabled, disabled again; those the packages enabled themselves are theirs. */
export const servicesUndoStep: Step<UninstallContext> = {
  id: 'services',
  title: 'Disable the Xen services xensetup enabled',
  plan({facts, profile, history}) {
    const names = [...new Set(history.enabledServices)]
    if (names.length === 0) return {changes: [], state: 'xensetup enabled none'}
    const changes = disableServices(facts, profile.services.manager, names, 'xensetup enabled it')
    return changes.length > 0 ? {changes} : {changes, state: `not enabled: ${names.join(', ')}`}
  },
}
