import type {Call} from '../cli/call.js'
import {openHost} from '../host/open.js'
import type {RunFlags} from '../init/prompter.js'
import {runApply} from '../plan/apply.js'

export default async function apply({flags, args, argv, json, print}: Call<RunFlags, {file: string}>) {
  const run = {'dry-run': flags['dry-run'], yes: flags.yes, verbose: flags.verbose}
  return runApply(args.file, openHost(flags.root), run, json, print, argv)
}
