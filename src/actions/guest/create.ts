import type {Call} from '../../cli/call.js'
import {countFlag} from '../../cli/count-flag.js'
import type {PlanHooks} from '../../engine/session.js'
import type {GuestCreateFlags} from '../../guest/options.js'
import {runGuestCreate} from '../../guest/run-create.js'
import {attachConsole} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'
import type {RunFlags} from '../../init/prompter.js'
import {keepPlan} from '../../plan/keep.js'

type Flags = Omit<GuestCreateFlags, 'vcpus'> & RunFlags & {vcpus: string; out?: string; console?: boolean}

export default async function guestCreate({flags: given, args, argv, json, print}: Call<Flags, {name: string}>) {
  const flags = {...given, vcpus: countFlag('vcpus', given.vcpus, {min: 1})}
  const target = openHost(flags.root)
  const run = (plan?: PlanHooks) => runGuestCreate(target, args.name, flags, json, print, argv, {}, plan)
  const document = flags.out === undefined ? await run() : await keepPlan(flags.out, flags['dry-run'], {command: 'guest create', arguments: {name: args.name}, target}, json, print, run)
  if (flags.console && document.result === 'ok' && !json) await attachConsole(target, args.name)
  return document
}
