import {EXIT, UserError} from '../errors.js'
import {profileFor} from '../distros/profile.js'
import {type RunDocument, Session} from '../engine/session.js'
import type {Step} from '../engine/step.js'
import {collectDistro} from '../facts/distro.js'
import {HostFiles} from '../facts/files.js'
import {detectInit} from '../facts/init.js'
import {gatherFacts} from '../facts/index.js'
import {DEFAULT_LVM_SYSTEM_DIR} from '../facts/lvm.js'
import type {Host} from '../host/host.js'
import type {RunFlags} from '../init/prompter.js'
import {runRequest} from '../init/run-request.js'
import {readRuns} from '../journal/runs.js'
import {bootSettingsStep, grubStep} from './uninstall-boot.js'
import type {UninstallContext, UninstallOptions} from './uninstall-context.js'
import {initHistory} from './uninstall-history.js'
import {networkUndoStep} from './uninstall-network.js'
import {packagesUndoStep} from './uninstall-packages.js'
import {restoration} from './uninstall-restore.js'
import {servicesUndoStep} from './uninstall-services.js'
import {volumeGroupUndoStep} from './uninstall-vg.js'
import {xenfsUndoStep} from './uninstall-xen.js'

export interface UninstallFlags extends RunFlags {
  force: boolean
  'remove-vg': boolean
  'purge-packages': boolean
}

export interface UninstallDocument extends RunDocument {
  /** What could not be put back as it was (a backup gone, a file changed since): xensetup's parts were edited out instead. */
  unrestored: string[]
}

/** The init steps that write files (a kept guest plan applied with `apply` writes guests' files, which stay). */
const INIT_FILE_STEPS = new Set(['boot', 'xenfs', 'bridge'])

/**
 * In order: services off and the group gone while their tools are there, packages out (their scripts may
 * regenerate grub.cfg), then the files, and grub.cfg with the default entry last, from the settings as
 * they end up.
 */
const STEPS: Step<UninstallContext>[] = [servicesUndoStep, volumeGroupUndoStep, packagesUndoStep, bootSettingsStep, xenfsUndoStep, networkUndoStep, grubStep]

/** uninstall: what init's runs did, undone from the journal (or by xensetup's markers and names), through one Session. */
export async function runUninstall(
  target: Host,
  flags: UninstallFlags,
  json: boolean,
  print: (text: string) => void,
  args: string[] = [],
  lvmSystemDir = DEFAULT_LVM_SYSTEM_DIR,
): Promise<UninstallDocument> {
  const files = new HostFiles(target)
  const found = collectDistro(files)
  const profile = profileFor(found, detectInit(files))
  if (!profile) {
    throw new UserError(`${found.name} ${found.versionId ?? ''}`.trim() + ': xensetup has no profile for it, so it cannot have configured it', 'run `xensetup doctor` for what this host is', EXIT.unsupported)
  }
  const {request} = runRequest('uninstall', target, flags, json, print, args)
  const options: UninstallOptions = {force: flags.force, removeVg: flags['remove-vg'], purgePackages: flags['purge-packages']}
  const unrestored = new Map<string, string>()
  const document = await Session.run<UninstallContext>({
    ...request,
    done: 'Done. The next boot is the previous default, without Xen; `xensetup doctor` shows what is left.',
    prepare: async (session) => {
      const history = initHistory(readRuns(target))
      const contextFor = (): UninstallContext => ({host: target, machine: session.local, probe: session.probe, facts: gatherFacts(target, session.local), profile, history, options, lvmSystemDir, unrestored})
      // Said before the plan: what the journal can no longer give back of the files init's steps wrote.
      const context = contextFor()
      for (const [path, step] of context.history.writtenBy) {
        if (!INIT_FILE_STEPS.has(step)) continue
        const result = restoration(context, path)
        if (result && 'unrestorable' in result) session.notices.push(result.unrestorable)
      }
      return {steps: STEPS, contextFor}
    },
  })
  return {...document, unrestored: [...unrestored.values()]}
}
