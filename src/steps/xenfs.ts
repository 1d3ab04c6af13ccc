import type {Change, FileChange} from '../engine/change.js'
import {managedBlock} from '../engine/desired.js'
import type {Step} from '../engine/step.js'
import {StepFailure} from '../engine/step.js'
import {parseAutoballoon, parseXlConfig} from '../formats/xlcfg.js'
import type {InitContext} from './context.js'
import {fstabMountsAt} from '../formats/fstab.js'
import {BRIDGE} from './bridge.js'

export const XL_CONF = '/etc/xen/xl.conf'
const AUTOBALLOON = 'autoballoon="off"'

/**
 * /proc/xen mounted on every Xen boot (xl and the daemons need it: without it "cannot init xl context"),
 * and xl's autoballoon off because dom0_mem is fixed: ballooning dom0 down would fight the fixed size.
 * xl.conf's default bridge is set here too, so one step owns that file's edits.
 */
export const xenfsStep: Step<InitContext> = {
  id: 'xenfs',
  title: 'Mount xenfs on /proc/xen; xl.conf: no dom0 autoballoon, guests on xenbr0',
  plan(context) {
    const owner = context.profile.xenfs.mountedBy
    const ownerMounts = owner !== null && context.host.read(owner)?.includes('xenfs') === true
    const changes: Change[] = [...xenfsMount(context, ownerMounts), ...xlConfEdits(context)]
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
 * xl.conf as the rest of init needs it, judged the way xl reads the file (facts' xl.conf parser):
 * autoballoon off, and, where the bridge step builds xenbr0, guests without `bridge=` in their vif sent
 * there by vif-bridge (SUSE's packaged xl.conf says br0, a bridge nothing makes). Each active line of a setting becomes ours;
 * without one, autoballoon's commented default is replaced, else the line appended. The bridge settings
 * are only corrected where set: unset, libxl's defaults are xenbr0 and vif-bridge.
 */
function xlConfEdits({host, facts, options}: InitContext): FileChange[] {
  const current = host.readFile(XL_CONF)
  const before = current?.text ?? null
  if (before === null && !facts.xen.installed && !options.steps.includes('packages')) {
    // A hand-made xl.conf would make the package manager keep its own as xl.conf.dpkg-dist (or .rpmnew).
    throw new StepFailure(`Xen is not installed, so there is no packaged ${host.display(XL_CONF)} to edit yet; run init with the packages step (drop --only/--skip packages)`)
  }
  const settings = parseXlConfig(before ?? '')
  const wanted: Array<{key: string; line: string; why: string}> = []
  if (parseAutoballoon(settings.autoballoon) !== 'off') wanted.push({key: 'autoballoon', line: AUTOBALLOON, why: 'dom0_mem is fixed: xl must not balloon dom0'})
  // A bridge the admin already has (SUSE's br0 made by hand) stays the guests' bridge: the bridge step
  // refuses to build xenbr0 beside it, and pointing guests away from it would cut them off.
  const named = settings['vif.default.bridge']
  const adminBridge = typeof named === 'string' && facts.network.interfaces.some((nic) => nic.name === named && nic.isBridge)
  if (options.steps.includes('bridge') && !adminBridge) {
    for (const [key, value] of [['vif.default.bridge', BRIDGE], ['vif.default.script', 'vif-bridge']] as const) {
      const set = settings[key]
      if (set !== undefined && set !== value) wanted.push({key, line: `${key}="${value}"`, why: `guests without bridge= in their vif go to ${BRIDGE}, the bridge init builds (was ${JSON.stringify(set)})`})
    }
  }
  if (wanted.length === 0) return []
  const lines = (before ?? '').split('\n')
  let appended = ''
  for (const {key, line} of wanted) {
    const name = key.replaceAll('.', '\\.')
    const active = lines.flatMap((text, at) => (new RegExp(`^\\s*${name}\\s*=`).test(text) ? [at] : []))
    const commented = key === 'autoballoon' ? lines.findIndex((text) => /^\s*#\s*autoballoon\s*=/.test(text)) : -1
    const targets = active.length > 0 ? active : commented === -1 ? [] : [commented]
    for (const at of targets) lines[at] = line
    if (targets.length === 0) appended += `${line}\n`
  }
  const edited = lines.join('\n')
  const after = appended === '' ? edited : `${edited}${edited && !edited.endsWith('\n') ? '\n' : ''}${appended}`
  // Before the packages step has run, xl.conf does not exist yet: at apply time the step is planned
  // again and edits the packaged file instead.
  const why = wanted.map((edit) => edit.why).join('; ') + (before === null ? ' (edits the packaged xl.conf once Xen is installed)' : '')
  return [{kind: 'file', path: XL_CONF, before, after, encoding: current?.encoding, why}]
}
