import type {PlanHooks, RunDocument} from '../engine/session.js'
import {type GuestCreateFlags} from '../guest/options.js'
import {runGuestCreate} from '../guest/run-create.js'
import type {Host} from '../host/host.js'
import type {RunFlags} from '../init/prompter.js'
import {type InitRunFlags, runInit} from '../init/run-init.js'
import type {PlanCommand, PlanDocument} from './document.js'

type Replay = (target: Host, plan: PlanDocument, run: RunFlags, json: boolean, print: (text: string) => void, args: string[], hooks: PlanHooks) => Promise<RunDocument>

/** Each command a plan can be kept for, made again from the plan's flags (a missing value is null there). */
export const REPLAY: Record<PlanCommand, Replay> = {
  init: (target, plan, run, json, print, args, hooks) => runInit(target, {...(flagsOf(plan) as unknown as InitRunFlags), ...run}, json, print, args, hooks),
  'guest create': (target, plan, run, json, print, args, hooks) =>
    runGuestCreate(target, plan.arguments.name, {...(flagsOf(plan) as unknown as GuestCreateFlags), ...run}, json, print, args, {}, hooks),
}

function flagsOf(plan: PlanDocument): Record<string, unknown> {
  return Object.fromEntries(Object.entries(plan.flags).map(([name, value]) => [name, value ?? undefined]))
}
