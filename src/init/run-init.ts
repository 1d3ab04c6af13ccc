import {EXIT, UserError} from '../errors.js'
import {profileFor} from '../distros/profile.js'
import {type RunDocument, Session} from '../engine/session.js'
import {collectDistro} from '../facts/distro.js'
import {HostFiles} from '../facts/files.js'
import {gatherBlockFacts, gatherFacts} from '../facts/index.js'
import type {Host} from '../host/host.js'
import type {InitContext} from '../steps/context.js'
import {selectSteps} from '../steps/index.js'
import {type InitFlags, resolveOptions} from './options.js'
import type {RunFlags} from './prompter.js'
import {runRequest} from './run-request.js'

export interface InitRunFlags extends InitFlags, RunFlags {
  only?: string[]
  skip?: string[]
}

export interface InitDocument extends RunDocument {
  distro: {id: string; versionId: string | null; family: string}
}

/** init: the target's facts and the admin's options → the steps, run through one Session. */
export async function runInit(target: Host, flags: InitRunFlags, json: boolean, print: (text: string) => void, args: string[] = []): Promise<InitDocument> {
  // Whether init can do anything here decides before the lock; the facts its plan uses are read under it.
  const found = collectDistro(new HostFiles(target))
  const profile = profileFor(found)
  if (!found.supported || !profile) {
    throw new UserError(`${found.name} ${found.versionId ?? ''}`.trim() + `: ${found.supportNote}`, 'run `xensetup doctor` for what this host can do', EXIT.unsupported)
  }
  const steps = selectSteps(flags.only, flags.skip)
  const {request, prompter} = runRequest('init', target, flags, json, print, args)
  const distro = {id: found.id, versionId: found.versionId, family: found.family}
  const document = await Session.run<InitContext>({
    ...request,
    done: flags['trial-boot']
      ? 'Done. Reboot to try Xen once (any reset after that boot returns to the current default); once `xensetup doctor` is happy there, run `xensetup init` again without --trial-boot to keep Xen.'
      : 'Done. Reboot into Xen, then run `xensetup doctor`.',
    prepare: async (session) => {
      const {probe, local} = session
      const facts = gatherFacts(target, local)
      const options = await resolveOptions(flags, facts, steps.map((s) => s.id), prompter, local, !target.isLive)
      // Facts are re-read for each plan: earlier steps change the target (packages bring units, grub.cfg).
      // Disks are the local machine's even with --root: its safety checks look there.
      const contextFor = (): InitContext => {
        const current = gatherFacts(target, local)
        return {host: target, machine: local, facts: target.isLive ? current : {...current, block: gatherBlockFacts(local)}, profile, options, probe}
      }
      return {steps, contextFor}
    },
  })
  return {...document, distro}
}
