import type {Change} from '../../engine/change.js'
import {managedBlock} from '../../engine/desired.js'
import type {StepPlan} from '../../engine/step.js'
import {StepFailure} from '../../engine/step.js'
import {parseShellAssignments} from '../../formats/shell.js'
import type {InitContext} from '../context.js'
import {toolMissing} from './tools.js'
import {carriesXenArgs, type XenArgs} from './xen-args.js'

/**
 * Alpine's extlinux: update-extlinux sources /etc/update-extlinux.conf and writes /boot/extlinux.conf,
 * with a "xen-<flavour>" label per kernel once /boot/xen.gz exists, Xen's options from xen_opts, and MENU
 * DEFAULT on the label named by default=. A block at the end of the sourced file sets both; the label
 * is per kernel flavour (xen-lts), so kernel updates keep it.
 */
export async function planExtlinux(context: InitContext, xen: XenArgs): Promise<StepPlan> {
  const {host, facts, profile, options} = context
  const extlinux = profile.boot.extlinux
  if (!extlinux) throw new StepFailure(`this machine boots with extlinux (${facts.boot.bootloaderEvidence}), which xensetup drives only on Alpine`, 'add the Xen entry by hand and run init with --skip boot')
  // extlinux keeps a one-time label in ldlinux.sys, not in a file xensetup can check and undo.
  if (options.trialBoot) throw new StepFailure('--trial-boot uses grub-reboot, and this machine boots with extlinux', 'boot Xen once by hand with `extlinux --once=xen-lts /boot`, or run init without --trial-boot')
  const missing = toolMissing(host, extlinux.update[0])
  if (missing) throw new StepFailure(`${missing}, so the extlinux Xen entry cannot be generated; install syslinux, or leave the boot entry out with --skip boot`)
  const settings = host.read(extlinux.settings)
  const vars = parseShellAssignments(settings ?? '', {})
  // Without overwrite=1, update-extlinux only writes extlinux.conf.new: nothing would ever boot Xen.
  if (settings === undefined || vars.overwrite !== '1') {
    throw new StepFailure(`${host.display(extlinux.settings)} ${settings === undefined ? 'is missing' : 'does not say overwrite=1'}, so update-extlinux does not rewrite ${extlinux.config}`, `set overwrite=1 there (as Alpine's setup-disk does), then run init again`)
  }
  if (facts.kernel.dom0Capable === false) {
    throw new StepFailure(`the kernel ${facts.kernel.release ?? ''} is not built with CONFIG_XEN_DOM0=y, so a Xen entry for it would not boot dom0; install a dom0-capable kernel (linux-lts)`)
  }

  const configured = vars.default ?? ''
  const entries = facts.boot.entries.filter((entry) => entry.isXen)
  const entry =
    entries.find((candidate) => candidate.id === facts.boot.defaultEntry?.resolvedId) ??
    entries.find((candidate) => candidate.id === configured || candidate.id === `xen-${configured}`) ??
    entries[0]
  const label = entry?.id ?? (configured.startsWith('xen-') ? configured : `xen-${configured || 'lts'}`)
  const body = `xen_opts="\${xen_opts:+$xen_opts }${xen.line}"\ndefault=${label}`
  const changes: Change[] = managedBlock(host, extlinux.settings, 'boot', body, 'Xen command line and the Xen label as the default, for update-extlinux')
  const current = entry !== undefined && carriesXenArgs(entry, xen) && facts.boot.defaultEntry?.resolvedId === entry.id
  if (changes.length > 0 || !current) changes.push({kind: 'command', argv: extlinux.update, why: `generate ${extlinux.config} with the Xen entry as the default`, rewrites: [extlinux.config]})
  return {changes, state: entry ? `${entry.title} (${entry.id}): ${entry.xenArgs ?? ''}`.trim() : undefined}
}
