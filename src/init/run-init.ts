import {EXIT, UserError} from '../errors.js'
import {profileFor} from '../distros/profile.js'
import {type RunDocument, Session} from '../engine/session.js'
import {gatherBlockFacts, gatherFacts} from '../facts/index.js'
import {Host} from '../host/host.js'
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
  const local = target.isLive ? target : new Host('/')
  const facts = gatherFacts(target, local)
  const profile = profileFor(facts.distro)
  if (!facts.distro.supported || !profile) {
    throw new UserError(`${facts.distro.name} ${facts.distro.versionId ?? ''}`.trim() + `: ${facts.distro.supportNote}`, 'run `xensetup doctor` for what this host can do', EXIT.unsupported)
  }
  const steps = selectSteps(flags.only, flags.skip)
  const {request, prompter} = runRequest('init', target, flags, json, print, args)
  const distro = {id: facts.distro.id, versionId: facts.distro.versionId, family: facts.distro.family}
  const document = await Session.run<InitContext>({
    ...request,
    done: 'Done. Reboot into Xen, then run `xensetup doctor`.',
    prepare: async (session) => {
      const {probe} = session
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
