import {EXIT, UserError} from '../errors.js'
import {profileFor} from '../distros/profile.js'
import {type PlanHooks, type RunDocument, Session} from '../engine/session.js'
import {collectDistro} from '../facts/distro.js'
import {HostFiles} from '../facts/files.js'
import {detectInit} from '../facts/init.js'
import {gatherBlockFacts, gatherFacts} from '../facts/index.js'
import type {Facts} from '../facts/types.js'
import {HELPERS} from '../host/helpers.js'
import type {Host} from '../host/host.js'
import type {InitContext, InitOptions} from '../steps/context.js'
import {selectSteps} from '../steps/index.js'
import {settleNetworkTrial} from './network-trial.js'
import {type InitFlags, resolveOptions} from './options.js'
import {Prompter, type RunFlags} from './prompter.js'
import {runRequest} from './run-request.js'

export interface InitRunFlags extends InitFlags, RunFlags {
  only?: string[]
  skip?: string[]
}

export interface InitDocument extends RunDocument {
  distro: {id: string; versionId: string | null; family: string}
}

/** init: the target's facts and the admin's options → the steps, run through one Session. */
export async function runInit(target: Host, flags: InitRunFlags, json: boolean, print: (text: string) => void, args: string[] = [], plan?: PlanHooks): Promise<InitDocument> {
  // Whether init can do anything here decides before the lock; the facts its plan uses are read under it.
  const files = new HostFiles(target)
  const found = collectDistro(files)
  const profile = profileFor(found, detectInit(files))
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
    plan,
    prepare: async (session) => {
      const {probe, local} = session
      const facts = gatherFacts(target, local)
      // A kept plan's flags hold every answer: applying it asks only whether to apply.
      const asker = plan?.kept ? new Prompter(false) : prompter
      const options = await resolveOptions(flags, facts, steps.map((s) => s.id), asker, local, !target.isLive)
      plan?.keep?.madeFrom(flagsOf(options), {distro: facts.distro.prettyName, init: facts.init, network: facts.network.stack, bootloader: facts.boot.bootloader, xen: facts.xen.version, memoryMiB: facts.memory.hostTotalMiB})
      // Facts are re-read for each plan: earlier steps change the target (packages bring units, grub.cfg).
      // Disks are the local machine's even with --root: its safety checks look there.
      const contextOf = (read: Facts): InitContext => ({host: target, machine: local, facts: target.isLive ? read : {...read, block: gatherBlockFacts(local)}, profile, options, probe})
      const contextFor = () => contextOf(gatherFacts(target, local))
      // The plan shown may use the facts just read, unless the admin answered questions meanwhile (a
      // kept plan is not planned again: it is shown as kept).
      return {steps, contextFor, current: asker.interactive || plan?.kept ? undefined : contextOf(facts)}
    },
  })
  // Settled after the run, its lock released: the reverter takes the lock to put files back. Only a switch
  // this run made: an earlier trial's files stay in /run until the reboot.
  const switched = document.steps.some((step) => step.id === 'bridge' && step.status === 'changed' && step.changes.some((change) => change.kind === 'command' && change.argv.includes(HELPERS.activateBridge)))
  const note = switched ? await settleNetworkTrial(target, prompter) : undefined
  if (note) {
    document.notices.push(note)
    if (!json) print(`note: ${note}\n`)
  }
  return {...document, distro}
}

/** The options as the flags that give them, so a kept plan is made again from them exactly. */
function flagsOf(options: InitOptions): InitFlags & {only: string[]; skip: string[]} {
  return {
    'dom0-mem': options.dom0MemMiB === null ? undefined : `${options.dom0MemMiB}M`,
    'dom0-max-vcpus': options.dom0MaxVcpus,
    uplink: options.uplink ?? undefined,
    'vg-device': options.vgDevice ?? undefined,
    'vg-name': options.vgName,
    'force-wipe': options.forceWipe,
    'trial-boot': options.trialBoot,
    'apply-network': options.applyNetwork,
    'revert-after': String(options.revertAfter),
    only: [...options.steps],
    skip: [],
  }
}
