import type {Change, FileChange} from '../engine/change.js'
import {managedBlock} from '../engine/desired.js'
import type {Step} from '../engine/step.js'
import {StepFailure} from '../engine/step.js'
import {parseAutoballoon, parseXlConfig} from '../formats/xlcfg.js'
import type {InitContext} from './context.js'
import {fstabMountsAt} from '../formats/fstab.js'

export const XL_CONF = '/etc/xen/xl.conf'
const AUTOBALLOON = 'autoballoon="off"'

/**
 * /proc/xen mounted on every Xen boot (xl and the daemons need it: without it "cannot init xl context"),
 * and xl's autoballoon off because dom0_mem is fixed: ballooning dom0 down would fight the fixed size.
 */
export const xenfsStep: Step<InitContext> = {
  id: 'xenfs',
  title: 'Mount xenfs on /proc/xen and turn off dom0 autoballoon',
  plan(context) {
    const owner = context.profile.xenfs.mountedBy
    const ownerMounts = owner !== null && context.host.read(owner)?.includes('xenfs') === true
    const changes: Change[] = [...xenfsMount(context, ownerMounts), ...autoballoonOff(context)]
    const state = ownerMounts ? `xenfs mounted by ${owner}` : context.facts.xen.installed ? 'xenfs mounted from /etc/fstab' : undefined
    return {changes, state}
  },
}

/** The distro's own unit or script mounts xenfs where it ships one; an fstab line only where not. */
function xenfsMount({host, profile, facts}: InitContext, ownerMounts: boolean): FileChange[] {
  // Before Xen is installed the distro's script is not there yet, but will be.
  if (ownerMounts || (profile.xenfs.mountedBy && !facts.xen.installed)) return []
  const fstab = host.read('/etc/fstab') ?? ''
  let mounts: string[]
  try {
    mounts = fstabMountsAt(fstab, '/proc/xen', 'xenfs')
  } catch (error) {
    throw new StepFailure(`/etc/fstab: ${(error as Error).message}; fix the line and re-run`)
  }
  if (mounts.length > 0) return []
  return managedBlock(host, '/etc/fstab', 'xenfs', 'xenfs /proc/xen xenfs defaults 0 0', 'mount /proc/xen on Xen boots')
}

/**
 * autoballoon="off" in force: judged the way xl reads the file (facts' xl.conf parser). Every active
 * autoballoon line becomes ours; without one, the commented default is replaced, else the line appended.
 */
function autoballoonOff({host, facts, options}: InitContext): FileChange[] {
  const current = host.readFile(XL_CONF)
  const before = current?.text ?? null
  if (before === null && !facts.xen.installed && !options.steps.includes('packages')) {
    // A hand-made xl.conf would make the package manager keep its own as xl.conf.dpkg-dist (or .rpmnew).
    throw new StepFailure(`Xen is not installed, so there is no packaged ${host.display(XL_CONF)} to edit yet; run init with the packages step (drop --only/--skip packages)`)
  }
  if (before !== null && parseAutoballoon(parseXlConfig(before).autoballoon) === 'off') return []
  const lines = (before ?? '').split('\n')
  const active = lines.flatMap((line, at) => (/^\s*autoballoon\s*=/.test(line) ? [at] : []))
  const commented = lines.findIndex((line) => /^\s*#\s*autoballoon\s*=/.test(line))
  const targets = active.length > 0 ? active : commented === -1 ? [] : [commented]
  for (const at of targets) lines[at] = AUTOBALLOON
  const after = targets.length > 0 ? lines.join('\n') : `${before ?? ''}${before && !before.endsWith('\n') ? '\n' : ''}${AUTOBALLOON}\n`
  // Before the packages step has run, xl.conf does not exist yet: at apply time the step is planned
  // again and edits the packaged file instead.
  const why = before === null ? 'dom0_mem is fixed: xl must not balloon dom0 (edits the packaged xl.conf once Xen is installed)' : 'dom0_mem is fixed: xl must not balloon dom0'
  return [{kind: 'file', path: XL_CONF, before, after, encoding: current?.encoding, why}]
}
