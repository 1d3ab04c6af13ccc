import type {SessionRequest} from '../engine/session.js'
import type {Host} from '../host/host.js'
import {Prompter, type RunFlags} from './prompter.js'

type SharedFields = 'command' | 'args' | 'target' | 'dryRun' | 'verbose' | 'json' | 'confirm' | 'print'

/**
 * What every command that changes a target hands its Session the same way: who it is, the target, the
 * run flags, and a confirmation on a terminal (none with --yes, --json or without one). The prompter
 * is returned too, for commands that ask more.
 */
export function runRequest(command: string, target: Host, flags: RunFlags, json: boolean, print: (text: string) => void, args: string[]): {request: Pick<SessionRequest<unknown>, SharedFields>; prompter: Prompter} {
  const prompter = Prompter.forRun(json, flags)
  const request = {
    command,
    args,
    target,
    dryRun: flags['dry-run'],
    verbose: flags.verbose,
    json,
    confirm: prompter.interactive ? (message: string, signal: AbortSignal) => prompter.confirm(message, false, signal) : undefined,
    print,
  }
  return {request, prompter}
}
