import {EXIT, UserError} from '../errors.js'
import type {CommandChange} from '../engine/change.js'
import {absentFile} from '../engine/desired.js'
import {type RunDocument, Session} from '../engine/session.js'
import {type Step, StepRefusal} from '../engine/step.js'
import {AUTOSTART_DIR} from '../facts/guests.js'
import {HostFiles} from '../facts/files.js'
import {readGuestConfigs} from '../facts/guests.js'
import {xenDaemonFacts} from '../facts/xen.js'
import type {GuestConfig} from '../facts/types.js'
import type {Host} from '../host/host.js'
import type {RunFlags} from '../init/prompter.js'
import {runRequest} from '../init/run-request.js'
import {DEFAULT_LVM_SYSTEM_DIR, lvmEnv} from '../facts/lvm.js'
import {checkGuestName} from './options.js'
import type {GuestRunOptions} from './run-create.js'
import {configPath} from './spec.js'
import {runningDomains, toolstackRunning} from './toolstack.js'
import {readVgLayout} from './volume-group.js'

export interface GuestRemoveFlags extends RunFlags {
  'delete-disk': boolean
  vg: string
}

interface RemoveContext {
  host: Host
  config: GuestConfig | null
  /** Other guests' disks: a disk one of them uses is never removed with this one. */
  othersDisks: Set<string>
}

/** guest remove: the config, its autostart link and (asked for) its logical volumes, journaled and backed up. */
export async function runGuestRemove(
  target: Host,
  name: string,
  flags: GuestRemoveFlags,
  json: boolean,
  print: (text: string) => void,
  args: string[] = [],
  options: GuestRunOptions = {},
): Promise<RunDocument> {
  checkGuestName(name)
  const {request, prompter} = runRequest('guest remove', target, flags, json, print, args)
  if (flags['delete-disk'] && !flags.yes && !flags['dry-run'] && !prompter.interactive) {
    throw new UserError('--delete-disk destroys the guest\'s data and there is no terminal to confirm it on', 'add --yes to remove the disk without asking, or look first with --dry-run', EXIT.refused)
  }
  const systemDir = options.lvmSystemDir ?? DEFAULT_LVM_SYSTEM_DIR
  const env = lvmEnv(systemDir)
  return Session.run<RemoveContext>({
    ...request,
    done: `Done: guest ${name} is removed (its config is kept in the backups).`,
    prepare: async (session) => {
      const files = new HostFiles(target)
      const domain = (await runningDomains(session.probe, toolstackRunning(xenDaemonFacts(files), target.isLive)))?.find((d) => d.name === name)
      if (domain) {
        throw new UserError(`guest ${name} is running (domain ${domain.id})`, `stop it first: xensetup guest stop ${name}`, EXIT.refused)
      }
      const contextFor = (): RemoveContext => {
        const guests = readGuestConfigs(new HostFiles(target))
        const config = guests.find((guest) => guest.path === configPath(name)) ?? null
        const othersDisks = new Set(guests.filter((guest) => guest !== config).flatMap((guest) => guest.disks.flatMap((disk) => (disk.target ? [disk.target] : []))))
        return {host: target, config, othersDisks}
      }
      const steps: Step<RemoveContext>[] = [autostartRemoval(name), diskRemoval(name, flags, systemDir, env), configRemoval(name)]
      return {steps, contextFor}
    },
  })
}

function autostartRemoval(name: string): Step<RemoveContext> {
  return {
    id: 'autostart',
    title: 'Stop starting it at boot',
    plan({host}) {
      const path = `${AUTOSTART_DIR}/${name}.cfg`
      const current = host.readlink(path) ?? null
      if (current !== null) return {changes: [{kind: 'link', path, before: current, target: null, why: 'xendomains would start a guest that has no config'}]}
      const changes = absentFile(host, path, 'xendomains would start the removed guest from this copy')
      return changes.length > 0 ? {changes} : {changes, state: 'not started at boot'}
    },
  }
}

function diskRemoval(name: string, flags: GuestRemoveFlags, systemDir: string, env: Record<string, string>): Step<RemoveContext> {
  return {
    id: 'disk',
    title: 'Guest disk',
    plan({host, config, othersDisks}) {
      const disks = (config?.disks ?? []).filter((disk) => !disk.cdrom && disk.target).map((disk) => disk.target as string)
      // /dev/VG/LV paths of groups LVM knows are logical volumes, present or already removed.
      const inGroups = [...new Set([...disks, `/dev/${flags.vg}/${name}-disk`])].flatMap((target) => {
        const match = /^\/dev\/([^/]+)\/([^/]+)$/.exec(target)
        const vg = match ? readVgLayout(host, systemDir, match[1]) : null
        return match && vg ? [{target, vg: match[1], lv: match[2], present: vg.lvs.has(match[2])}] : []
      })
      const volumes = inGroups.filter((volume) => volume.present)
      const kept = disks.filter((target) => !inGroups.some((volume) => volume.target === target))
      if (!flags['delete-disk']) {
        return volumes.length > 0 ? {skip: `kept: ${volumes.map((v) => v.target).join(', ')} (--delete-disk removes it)`} : {skip: 'no logical volume to remove'}
      }
      const shared = volumes.filter((volume) => othersDisks.has(volume.target))
      if (shared.length > 0) {
        throw new StepRefusal(`${shared.map((v) => v.target).join(', ')} is also another guest's disk; remove it from that guest's config first, or leave out --delete-disk`)
      }
      const changes: CommandChange[] = volumes.map((volume) => ({
        kind: 'command',
        argv: ['lvremove', '--autobackup', 'y', '--yes', `${volume.vg}/${volume.lv}`],
        why: `--delete-disk: destroy ${name}'s disk and its data`,
        env,
      }))
      const state = kept.length > 0 ? `kept, not logical volumes: ${kept.join(', ')}` : volumes.length === 0 ? 'no logical volume of it left' : undefined
      return {changes, state}
    },
  }
}

function configRemoval(name: string): Step<RemoveContext> {
  return {
    id: 'config',
    title: 'Guest config',
    plan({host}) {
      const path = configPath(name)
      const changes = absentFile(host, path, `remove guest ${name} (the file is kept in the backups)`)
      return changes.length > 0 ? {changes} : {changes, state: `${path} is gone`}
    },
  }
}
