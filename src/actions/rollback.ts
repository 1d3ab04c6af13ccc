import type {Call} from '../cli/call.js'
import {openHost} from '../host/open.js'
import {runRollback, type RollbackFlags} from '../undo/run-rollback.js'

export default async function rollback({flags, args, argv, json, print}: Call<RollbackFlags, {run?: string}>) {
  return runRollback(openHost(flags.root), args.run, flags, json, print, argv)
}
