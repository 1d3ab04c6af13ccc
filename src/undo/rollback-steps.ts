import type {Change} from '../engine/change.js'
import {type Step, StepRefusal} from '../engine/step.js'
import {type DistroProfile, grubFiles} from '../distros/profile.js'
import type {Facts} from '../facts/types.js'
import type {Host} from '../host/host.js'
import type {CommandRunner} from '../host/runner.js'
import type {FileEffect} from '../journal/effects.js'
import {disableServices, enabledBy} from './disable-services.js'
import {filesOfPackages, purgePackages, stillInstalled} from './purge-packages.js'
import {removeEmptyVg} from './remove-vg.js'
import {fileHash} from '../engine/journal.js'
import {restoreFile, restoreLink} from './restore-file.js'
import {hideSecrets} from '../render/secrets.js'
import type {RollbackTarget} from './rollback-choice.js'

export interface RollbackContext {
  host: Host
  machine: Host
  probe: CommandRunner
  facts: Facts
  profile: DistroProfile
}

export interface RollbackOptions {
  /** Restore files someone changed since the run too, losing those changes. */
  force: boolean
  /** Purge the packages the run installed. */
  packages: boolean
  lvmSystemDir: string
}

/**
 * The reverse of one run as desired state, in the order that keeps each undo possible: services off
 * while their units exist, the group removed while lvm2 is there, packages purged (their scripts
 * regenerate grub.cfg), then every file and link the run changed back to what it was. Re-planned after
 * applying, every step is empty.
 */
export function rollbackSteps({run, effects}: RollbackTarget, options: RollbackOptions): Step<RollbackContext>[] {
  const succeeded = effects.commands.filter((command) => command.exitCode === 0)
  const services = succeeded.flatMap((command) => enabledBy(command.argv))
  const wiped = succeeded.filter((command) => command.argv[0] === 'wipefs').map((command) => command.argv.at(-1) as string)
  const recordedPackages = run.entries.some((entry) => entry.kind === 'packages')
  const installCommands = effects.commands.some((command) => command.step === 'packages' && command.argv[0] !== 'dpkg')
  /** Files the package manager takes away with --packages, read before the purge removes its lists. */
  let packageFiles: Set<string> | undefined

  return [
    {
      id: 'services',
      title: 'Disable the services the run enabled',
      plan: ({facts, profile}) => (services.length === 0 ? {skip: 'the run enabled no service'} : {changes: disableServices(facts, profile.services.manager, services, `the run ${run.id} enabled ${services.join(', ')}`)}),
    },
    {
      id: 'lvm',
      title: 'Remove the volume group the run created',
      async plan({host, machine, probe}) {
        if (effects.volumeGroups.length === 0) return {skip: 'the run created no volume group'}
        const changes: Change[] = []
        for (const vgName of effects.volumeGroups) {
          changes.push(...(await removeEmptyVg({host, machine, probe, systemDir: options.lvmSystemDir, vgName, pvDevices: effects.physicalVolumes, createdDirs: effects.directories, why: `the run ${run.id} created ${vgName}`})))
        }
        const state = wiped.length > 0 ? `what --force-wipe erased on ${wiped.join(', ')} cannot be brought back` : undefined
        return {changes, state}
      },
    },
    {
      id: 'packages',
      title: 'Purge the packages the run installed',
      plan({host, profile}) {
        if (!recordedPackages) return {skip: installCommands ? 'this target has no dpkg database: what the run installed was not recorded, so it is kept' : 'the run installed no package'}
        const installed = stillInstalled(host, effects.packages) ?? []
        if (!options.packages) return {skip: installed.length > 0 ? `kept: ${installed.join(', ')} (--packages purges exactly these)` : 'none of the packages the run installed is installed now'}
        packageFiles ??= filesOfPackages(host, installed)
        return {changes: purgePackages(host, profile.purge.exact, installed, grubFiles(profile.boot), `the run ${run.id} installed them`)}
      },
    },
    filesStep(run.id, effects.files, options, () => packageFiles),
    {
      id: 'links',
      title: 'Point the links the run changed back',
      plan: ({host}) => (effects.links.length === 0 ? {skip: 'the run changed no link'} : {changes: effects.links.flatMap((link) => restoreLink(host, link.path, link.before, `the run ${run.id} pointed it to ${link.target ?? 'nothing'}`))}),
    },
  ]
}

/**
 * Every file back to its backup, or removed when the run created it. A file someone changed after
 * the run (it no longer has the hash the run left) is refused with what restoring would lose, unless
 * --force. That judgement is made on the first plan, the one shown: the rollback's own commands (a
 * purge regenerating grub.cfg) change such files again before they are restored.
 */
function filesStep(runId: string, files: FileEffect[], options: RollbackOptions, packageFiles: () => Set<string> | undefined): Step<RollbackContext> {
  const judged = new Set<string>()
  return {
    id: 'files',
    title: 'Restore the files the run changed',
    async plan({host}) {
      if (files.length === 0) return {skip: 'the run changed no file'}
      const owned = packageFiles()
      const left = files.filter((file) => owned?.has(file.path) !== true)
      const changes = left.flatMap((file) => restoreFile(host, file.path, file.backup, file.backup === null ? `the run ${runId} created it` : `as it was before the run ${runId}`))
      const changedSince = changes.filter((change) => {
        const file = files.find((candidate) => candidate.path === change.path) as FileEffect
        const foreign = !options.force && !judged.has(file.path) && file.left !== undefined && fileHash(host, file.path) !== file.left
        judged.add(file.path)
        return foreign
      })
      if (changedSince.length > 0) {
        const {createTwoFilesPatch} = await import('diff')
        const lost = changedSince.map((change) => (change.kind === 'file' ? createTwoFilesPatch(host.display(change.path), host.display(change.path), ...hideSecrets(change.before ?? '', change.after ?? ''), 'now', 'after rollback') : ''))
        throw new StepRefusal(
          `changed since the run ${runId}, by someone else: ${changedSince.map((change) => host.display((change as {path: string}).path)).join(', ')}; rolling back would lose those changes (shown below): re-run with --force to restore them anyway`,
          lost.join(''),
        )
      }
      const kept = files.length - left.length
      return {changes, state: kept > 0 ? `${kept} file(s) of the purged packages are left to the package manager` : undefined}
    },
  }
}
