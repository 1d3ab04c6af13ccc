import {grubFiles} from '../distros/profile.js'
import type {Step} from '../engine/step.js'
import {purgePackages} from './purge-packages.js'
import type {UninstallContext} from './uninstall-context.js'

/**
 * --purge-packages: exactly what xensetup's runs installed (the journal's package lists, dependencies
 * included), or without them the profile's Xen packages with what only they needed. Installed means
 * found in the package database, read as a file; the grub.cfg a package's removal script regenerates
 * is backed up like xensetup's own writes.
 */
export const packagesUndoStep: Step<UninstallContext> = {
  id: 'packages',
  title: 'Packages xensetup installed',
  plan({host, facts, profile, history, options}) {
    const fromJournal = history.installedPackages !== null
    const names = history.installedPackages ?? profile.packages.xen
    if (!facts.packages.inventoryAvailable) return {skip: `the package database cannot be read as a file here; remove ${names.join(', ')} by hand if wanted`}
    const installed = names.filter((name) => name in facts.packages.installed)
    if (!options.purgePackages) return installed.length > 0 ? {skip: `kept: ${installed.join(', ')} (--purge-packages removes them)`} : {changes: [], state: 'none of them installed'}
    if (installed.length === 0) return {changes: [], state: 'none of them installed'}
    const purge = fromJournal ? profile.purge.exact : profile.purge.withUnneeded
    const why = fromJournal ? 'xensetup\'s runs installed them' : 'the Xen packages (the journal does not list what xensetup installed)'
    const rewrites = grubFiles(profile.boot)
    return {changes: purgePackages(host, purge, installed, rewrites, why)}
  },
}
