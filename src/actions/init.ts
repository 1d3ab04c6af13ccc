import type {Call} from '../cli/call.js'
import type {PlanHooks} from '../engine/session.js'
import {openHost} from '../host/open.js'
import {runInit, type InitRunFlags} from '../init/run-init.js'
import {keepPlan} from '../plan/keep.js'

export default async function init({flags, argv, json, print}: Call<InitRunFlags & {out?: string}>) {
  const target = openHost(flags.root)
  const run = (plan?: PlanHooks) => runInit(target, flags, json, print, argv, plan)
  if (flags.out === undefined) return run()
  return keepPlan(flags.out, flags['dry-run'], {command: 'init', arguments: {}, target}, json, print, run)
}
