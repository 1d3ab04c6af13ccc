import type {CommandChange} from '../engine/change.js'
import {wholeFile} from '../engine/desired.js'
import {type Step, StepRefusal} from '../engine/step.js'
import {AUTOSTART_DIR} from '../facts/guests.js'
import {renderGuestConfig} from './config.js'
import type {GuestContext} from './context.js'
import {configPath, type GuestSpec} from './spec.js'

export type LvmEnv = Record<string, string>

/** The guest's disk, config, boot-time start and start now: each planned from the target as it is. */
export function guestCreateSteps(lvmEnv: LvmEnv): Step<GuestContext>[] {
  return [diskStep(lvmEnv), configStep, autostartStep, startStep]
}

function diskStep(env: LvmEnv): Step<GuestContext> {
  return {
    id: 'disk',
    title: 'Guest disk',
    plan({spec, vg}) {
      const disk = spec.disk
      if (disk === null) return {skip: 'no disk asked for (--disk SIZE or --disk-path PATH)'}
      if (disk.kind === 'path') return {skip: `uses ${disk.path} as it is (${disk.block ? 'block device' : `${disk.format} image`})`}
      const extents = vg?.lvs.get(disk.lv)
      if (vg && extents !== undefined) {
        const size = extents * vg.extentMiB
        if (size === disk.sizeMiB) return {changes: [], state: `${disk.vg}/${disk.lv}, ${size}M`}
        throw new StepRefusal(`logical volume ${disk.vg}/${disk.lv} is ${size}M, not ${disk.sizeMiB}M; xensetup does not resize disks: give --disk ${size}M, or resize it yourself first`)
      }
      const create: CommandChange = {
        kind: 'command',
        // A new disk starts blank: signatures left in the extents by an earlier LV are wiped, not asked about.
        argv: ['lvcreate', '--autobackup', 'y', '--yes', '--wipesignatures', 'y', '--size', `${disk.sizeMiB}m`, '--name', disk.lv, disk.vg],
        why: `a ${disk.sizeMiB}M logical volume for ${spec.name}'s disk`,
        env,
      }
      return {changes: [create]}
    },
  }
}

const configStep: Step<GuestContext> = {
  id: 'config',
  title: 'Guest config',
  async plan({host, spec, running}) {
    const path = configPath(spec.name)
    const changes = wholeFile(host, path, await renderGuestConfig(spec), `xl config of ${spec.name}: ${spec.type.toUpperCase()}, ${spec.typeReason}`, 0o644, Boolean(spec.vnc?.password))
    const domain = running?.find((d) => d.name === spec.name)
    if (changes.length > 0 && domain) {
      throw new StepRefusal(
        `guest ${spec.name} is running (domain ${domain.id}) and its config would change; a running guest's config is not rewritten: stop it (xensetup guest stop ${spec.name}) and re-run, or give the flags it was created with`,
      )
    }
    return {changes, state: summary(spec)}
  },
}

function summary(spec: GuestSpec): string {
  return `${spec.type.toUpperCase()} (${spec.typeReason}); ${spec.memoryMiB}M, ${spec.vcpus} vCPU${spec.vcpus === 1 ? '' : 's'}, ${spec.mac} on ${spec.bridge}`
}

const autostartStep: Step<GuestContext> = {
  id: 'autostart',
  title: 'Start at boot (xendomains)',
  plan({host, spec}) {
    const path = `${AUTOSTART_DIR}/${spec.name}.cfg`
    const target = `../${spec.name}.cfg`
    const current = host.readlink(path) ?? null
    if (current === null && host.exists(path)) {
      throw new StepRefusal(`${host.display(path)} is a file, not a link to ${configPath(spec.name)}; move it away and re-run`)
    }
    if (spec.autostart) {
      if (current === target) return {changes: [], state: 'started at boot'}
      return {changes: [{kind: 'link', path, before: current, target, why: 'xendomains starts the configs in /etc/xen/auto at boot'}]}
    }
    // Not a skip: after the link is removed this is the state the re-plan must confirm.
    if (current === null) return {changes: [], state: 'not started at boot (--autostart starts it with xendomains)'}
    return {changes: [{kind: 'link', path, before: current, target: null, why: 'no --autostart: not started at boot'}]}
  },
}

const startStep: Step<GuestContext> = {
  id: 'start',
  title: 'Start the guest',
  plan({spec, running}) {
    if (!spec.start) return {skip: 'not started now (--start starts it)'}
    const domain = running?.find((d) => d.name === spec.name)
    if (domain) return {changes: [], state: `running as domain ${domain.id}`}
    return {changes: [{kind: 'command', argv: ['xl', 'create', configPath(spec.name)], why: `start ${spec.name}`, once: true}]}
  },
}
