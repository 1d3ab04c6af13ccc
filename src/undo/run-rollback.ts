import {profileFor} from '../distros/profile.js'
import {type RunDocument, Session} from '../engine/session.js'
import {EXIT, UserError} from '../errors.js'
import {collectDistro} from '../facts/distro.js'
import {HostFiles} from '../facts/files.js'
import {detectInit} from '../facts/init.js'
import {gatherFacts} from '../facts/index.js'
import {DEFAULT_LVM_SYSTEM_DIR} from '../facts/lvm.js'
import type {Host} from '../host/host.js'
import {readRuns} from '../journal/runs.js'
import type {RunFlags} from '../init/prompter.js'
import {runRequest} from '../init/run-request.js'
import {chooseRun} from './rollback-choice.js'
import {type RollbackContext, rollbackSteps} from './rollback-steps.js'

export interface RollbackFlags extends RunFlags {
  force: boolean
  packages: boolean
}

export interface RollbackDocument extends RunDocument {
  /** The run undone; null when there was nothing to roll back. */
  rollsBack: string | null
}

/**
 * rollback: the journal says what a run changed; its reverse is planned as steps and goes through
 * the same Session as init (lock, plan, show, confirm, apply, journal). The run is chosen again under
 * the lock: a run that ended meanwhile would change which one is the last.
 */
export async function runRollback(
  target: Host,
  requested: string | undefined,
  flags: RollbackFlags,
  json: boolean,
  print: (text: string) => void,
  args: string[] = [],
  lvmSystemDir = DEFAULT_LVM_SYSTEM_DIR,
): Promise<RollbackDocument> {
  const chosen = chooseRun(readRuns(target), requested)
  if (chosen === undefined) {
    if (!json) print('Nothing to roll back: no run in the journal changed this target, or all were rolled back (see `xensetup history`).\n')
    return {mode: flags['dry-run'] ? 'dry-run' : 'apply', root: target.root, run: null, result: 'ok', notices: [], steps: [], rollsBack: null}
  }
  const files = new HostFiles(target)
  const distro = collectDistro(files)
  const profile = profileFor(distro, detectInit(files))
  if (!profile) throw new UserError(`${distro.name}: no profile to undo with`, 'roll back by hand from the backups in /var/lib/xensetup/backups', EXIT.unsupported)
  const {request} = runRequest('rollback', target, flags, json, print, args)
  const document = await Session.run<RollbackContext>({
    ...request,
    rollsBack: chosen.run.id,
    done: `Done: ${chosen.run.id} (${chosen.run.command ?? 'unknown command'}) is rolled back.`,
    prepare: async (session) => {
      const again = chooseRun(readRuns(target), requested)
      if (again?.run.id !== chosen.run.id) throw new UserError('the journal changed while rollback was starting', 'run it again to see which run it undoes now', EXIT.busy)
      const contextFor = (): RollbackContext => ({host: target, machine: session.local, probe: session.probe, facts: gatherFacts(target, session.local), profile})
      return {steps: rollbackSteps(again, {force: flags.force, packages: flags.packages, lvmSystemDir}), contextFor}
    },
  })
  return {...document, rollsBack: chosen.run.id}
}
