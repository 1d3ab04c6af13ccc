import {type PlanHooks, type RunDocument, Session} from '../engine/session.js'
import {gatherFacts} from '../facts/index.js'
import type {Host} from '../host/host.js'
import type {RunFlags} from '../init/prompter.js'
import {runRequest} from '../init/run-request.js'
import {DEFAULT_LVM_SYSTEM_DIR, lvmEnv} from '../facts/lvm.js'
import type {GuestContext} from './context.js'
import {checkGuestName, type GuestCreateFlags, resolveGuestSpec} from './options.js'
import type {GuestSpec} from './spec.js'
import {guestCreateSteps} from './steps.js'
import {hostMemoryMiB, runningDomains, toolstackRunning, xlInfo} from './toolstack.js'
import {virtCaps} from './virt-caps.js'
import {readVgForFlags, readVgLayout} from './volume-group.js'
import {HIDDEN} from '../render/secrets.js'

export interface GuestCreateDocument extends RunDocument {
  guest: GuestSpec | null
}

/** Where LVM's configuration and metadata backups are; tests point it away from this machine's. */
export interface GuestRunOptions {
  lvmSystemDir?: string
}

/** guest create: the flags checked against the target → the guest's steps, run through one Session. */
export async function runGuestCreate(
  target: Host,
  name: string,
  flags: GuestCreateFlags & RunFlags,
  json: boolean,
  print: (text: string) => void,
  args: string[] = [],
  options: GuestRunOptions = {},
  plan?: PlanHooks,
): Promise<GuestCreateDocument> {
  checkGuestName(name)
  const systemDir = options.lvmSystemDir ?? DEFAULT_LVM_SYSTEM_DIR
  const {request} = runRequest('guest create', target, flags, json, print, args)
  let spec: GuestSpec | null = null
  const document = await Session.run<GuestContext>({
    ...request,
    done: flags.start ? `Done: ${name} runs; \`xensetup guest console ${name}\` attaches to it.` : `Done. Start it with \`xensetup guest start ${name}\`.`,
    plan,
    prepare: async (session) => {
      const facts = gatherFacts(target, session.local)
      const toolstack = toolstackRunning(facts.xen, target.isLive)
      const [info, running] = await Promise.all([xlInfo(session.probe, toolstack), runningDomains(session.probe, toolstack)])
      const vg = flags.disk === undefined ? null : readVgForFlags(target, systemDir, flags.vg)
      const resolved = resolveGuestSpec(name, flags, {host: target, facts, vg, hostMemoryMiB: hostMemoryMiB(facts, target.isLive, info), virt: virtCaps(facts, target.isLive, info)})
      spec = resolved
      plan?.keep?.madeFrom(flags, {guest: resolved})
      const contextFor = (): GuestContext => ({
        host: target,
        spec: resolved,
        vg: resolved.disk?.kind === 'lv' ? readVgLayout(target, systemDir, resolved.disk.vg) : null,
        running,
      })
      return {steps: guestCreateSteps(lvmEnv(systemDir)), contextFor}
    },
  })
  return {...document, guest: shown(spec)}
}

/** The spec as the run's document shows it (the terminal, --json, Ansible's results): the password stays in the config. */
function shown(spec: GuestSpec | null): GuestSpec | null {
  return spec?.vnc?.password ? {...spec, vnc: {...spec.vnc, password: HIDDEN}} : spec
}
