import path from 'node:path'
import {grubFiles} from '../distros/profile.js'
import type {Change} from '../engine/change.js'
import type {Step} from '../engine/step.js'
import {StepFailure} from '../engine/step.js'
import {chosenStack} from './bridge/chosen-stack.js'
import {globMatches, isGlob} from '../formats/glob.js'
import type {InitContext} from './context.js'

/**
 * The distro's Xen packages, plus bridge and LVM tools when those steps run (and, for a target with no
 * network tool at all, the distro's default one the bridge is written for). Installed means found in
 * the package database (dpkg's status file, read directly), not "the package manager exited 0".
 */
export const packagesStep: Step<InitContext> = {
  id: 'packages',
  title: 'Install the Xen hypervisor, tools and device model',
  plan(context) {
    const {facts, profile} = context
    const prebuilt = profile.prebuilt
    if (prebuilt && !isInstalled(context, prebuilt.package)) {
      throw new StepFailure(`${prebuilt.package} is not installed and ${facts.distro.name} has no package for it: ${prebuilt.hint}`)
    }
    const missing = wantedPackages(context).filter((name) => !isInstalled(context, name))
    const state = facts.xen.version ? `Xen ${facts.xen.version} installed` : undefined
    const changes: Change[] = []
    // A killed apt or dpkg leaves packages half done, and apt refuses to run until they are finished.
    if (facts.packages.manager === 'dpkg' && facts.packages.unfinished.length > 0) {
      const what = facts.packages.unfinished.filter((name) => name !== 'journal')
      changes.push({
        kind: 'command',
        argv: ['dpkg', '--configure', '-a'],
        installs: true,
        why: `finish what an interrupted package run left${what.length > 0 ? ` (${what.join(', ')})` : ''}`,
      })
    }
    if (missing.length === 0) return {changes, state}
    const why = `install ${missing.join(', ')}`
    if (profile.refresh) changes.push({kind: 'command', argv: profile.refresh, why: 'refresh the package index'})
    // Package scripts regenerate grub.cfg (Xen's runs update-grub): backed up before, like the boot step's own.
    changes.push({kind: 'command', argv: [...profile.install, ...missing], why, installs: true, rewrites: grubFiles(profile.boot)})
    return {changes, state}
  },
}

function wantedPackages(context: InitContext): string[] {
  const {profile, options} = context
  const bridged = options.steps.includes('bridge')
  return [
    ...profile.packages.xen,
    ...(bridged ? [...chosenStack(context).packages, ...profile.packages.bridge] : []),
    ...(options.vgDevice ? profile.packages.lvm : []),
  ]
}

/**
 * Package databases that are not text (rpm's sqlite) cannot be read without spawning rpm: there a
 * package counts as installed when a file it installs is present (the profile's `installedWhen`, a
 * `*` allowed in the last name). A package the profile gives no such file for counts as missing, and
 * the package manager decides: rpm hosts' device model and OVMF are weak dependencies, absent when
 * weak dependencies are off, so they cannot be assumed from Xen's own files.
 */
export function isInstalled({facts, host, profile}: InitContext, name: string): boolean {
  if (facts.packages.inventoryAvailable) return name in facts.packages.installed
  return (profile.installedWhen?.[name] ?? []).some((pattern) => {
    if (!isGlob(pattern)) return host.exists(pattern)
    const dir = path.posix.dirname(pattern)
    return host.list(dir).some((entry) => globMatches(path.posix.basename(pattern), entry))
  })
}
