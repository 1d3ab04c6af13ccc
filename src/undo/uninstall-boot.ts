import {grubenvPath} from '../distros/profile.js'
import type {Change} from '../engine/change.js'
import {withoutManagedBlock} from '../engine/managed-block.js'
import type {Step} from '../engine/step.js'
import {mergeGrubDefaults} from '../facts/boot.js'
import {parseGrubCfg, parseGrubEnv} from '../facts/grub.js'
import {parseShellAssignments} from '../formats/shell.js'
import type {UninstallContext} from './uninstall-context.js'
import {byName, ifOurs, stateOf, undoFile, withoutBlock, writtenByXensetup} from './uninstall-files.js'
import {generatedRestoration} from './uninstall-restore.js'

const DEFAULTS = '/etc/default/grub'
const OWN_GENERATOR = '/etc/grub.d/09_xen'
const DROP_INS = ['00-xensetup.cfg', 'zz-xensetup.cfg']
/** Debian's xen.cfg makes Xen the default unless XEN_OVERRIDE_GRUB_DEFAULT is set, which 00-xensetup.cfg does. */
const XEN_CFG = 'xen.cfg'
const WHY = 'xensetup\'s Xen command line and default-entry policy for grub-mkconfig'

/** xensetup's GRUB settings gone: its drop-ins, its block in /etc/default/grub, its own generator. */
export const bootSettingsStep: Step<UninstallContext> = {
  id: 'boot-settings',
  title: 'GRUB settings: xensetup\'s drop-ins, block and generator removed',
  plan(context) {
    const {profile} = context
    const dropInDir = profile.boot.dropInDir
    const kept = keepsOverride(context) ? [`kept ${dropInDir}/00-xensetup.cfg: without it the Xen packages' ${XEN_CFG} makes Xen the default again (--purge-packages removes both)`] : []
    const dropIns = dropInDir ? DROP_INS.filter((name) => kept.length === 0 || name !== '00-xensetup.cfg').map((name) => `${dropInDir}/${name}`) : []
    // Blocks in other sourced files: Fedora's kernel-install setting, Alpine's update-extlinux settings.
    const blocks = [profile.boot.kernelUpdateResets?.file, profile.boot.extlinux?.settings].filter((file): file is string => file !== undefined)
    const paths = [...dropIns, DEFAULTS, ...blocks, OWN_GENERATOR]
    const changes: Change[] = [
      ...dropIns.flatMap((file) => undoFile(context, file, byName, WHY)),
      ...undoFile(context, DEFAULTS, withoutBlock(DEFAULTS, 'boot'), WHY),
      ...blocks.flatMap((file) => undoFile(context, file, withoutBlock(file, 'boot'), WHY)),
      ...undoFile(context, OWN_GENERATOR, ifOurs, 'xensetup\'s generator for the Xen entry'),
    ]
    const extlinux = profile.boot.extlinux
    if (extlinux && extlinuxShowsXensetup(context, extlinux, changes)) {
      changes.push({kind: 'command', argv: extlinux.update, why: `generate ${extlinux.config} without xensetup's Xen options and default`, rewrites: [extlinux.config]})
    }
    return {changes, state: stateOf(context, paths, kept)}
  },
}

/**
 * extlinux.conf still shows xensetup's settings: they change now, or an earlier uninstall removed them and
 * update-extlinux did not get to run. Judged from the menu against the settings without xensetup's block:
 * its default is not their default= label, or a Xen label's options are not their xen_opts.
 */
function extlinuxShowsXensetup({host, facts}: UninstallContext, extlinux: {settings: string}, changes: Change[]): boolean {
  if (facts.boot.bootloader !== 'extlinux') return false
  if (changes.some((change) => change.kind === 'file' && change.path === extlinux.settings)) return true
  const settings = parseShellAssignments(withoutManagedBlock(host.read(extlinux.settings) ?? '', 'boot'), {})
  const xen = facts.boot.entries.filter((entry) => entry.isXen)
  const defaultMoved = settings.default !== undefined && facts.boot.defaultEntry?.resolvedId !== settings.default
  return defaultMoved || xen.some((entry) => (entry.xenArgs ?? '') !== (settings.xen_opts ?? ''))
}

/**
 * With the Xen packages staying, Debian's xen.cfg would turn GRUB_DEFAULT into the Xen entry once
 * 00-xensetup.cfg is gone: the host would boot Xen again. That one file stays then.
 */
function keepsOverride({host, profile, options}: UninstallContext): boolean {
  const dir = profile.boot.dropInDir
  if (!dir || options.purgePackages) return false
  return (host.read(`${dir}/${XEN_CFG}`) ?? '').includes('XEN_OVERRIDE_GRUB_DEFAULT')
}

/**
 * grub.cfg and grubenv as before xensetup: put back (or removed, where they did not exist) from the
 * journal, else grub.cfg generated again from the settings as they now are and the default entry set
 * back to the previous non-Xen one. Runs last, after the settings and packages changed.
 */
export const grubStep: Step<UninstallContext> = {
  id: 'grub',
  title: 'Boot menu generated again, the previous non-Xen entry the default',
  plan(context) {
    const {host, profile} = context
    const grubCfg = profile.boot.grubCfg
    const grubenv = grubenvPath(profile.boot)
    const changes: Change[] = []
    const cfg = generatedRestoration(context, grubCfg)
    const cfgChanges = cfg && 'changes' in cfg ? cfg.changes : undefined
    if (cfg && 'unrestorable' in cfg) context.unrestored.set(grubCfg, `${cfg.unrestorable}; it is generated again instead`)
    if (cfgChanges) changes.push(...cfgChanges)
    else if (host.exists(grubCfg) && needsGenerating(context, grubCfg)) {
      changes.push({kind: 'command', argv: profile.boot.mkconfig, why: `generate ${grubCfg} without xensetup's settings`, rewrites: [grubCfg]})
    }
    const env = generatedRestoration(context, grubenv)
    const cfgGoes = cfgChanges?.some((change) => change.kind === 'file' && change.after === null) ?? false
    if (env && 'changes' in env) changes.push(...env.changes)
    else {
      if (env) context.unrestored.set(grubenv, env.unrestorable)
      if (!cfgGoes) changes.push(...defaultEntry(context, grubenv))
    }
    const entry = context.facts.boot.defaultEntry
    const state = stateOf(context, [grubCfg, grubenv], entry?.resolvedTitle && !cfgGoes ? [`default: ${entry.resolvedTitle}`] : [])
    return {changes, state}
  },
}

/** The settings grub-mkconfig reads once xensetup's are gone. */
function defaultsWithoutXensetup({host, profile}: UninstallContext): Record<string, string> {
  const dir = profile.boot.dropInDir ?? '/etc/default/grub.d'
  const texts = [withoutManagedBlock(host.read(DEFAULTS) ?? '', 'boot')]
  for (const name of host.list(dir)) {
    if (!name.endsWith('.cfg') || (DROP_INS.includes(name) && name !== '00-xensetup.cfg')) continue
    texts.push(host.read(`${dir}/${name}`) ?? '')
  }
  return mergeGrubDefaults(texts)
}

/**
 * grub.cfg still shows xensetup: its settings are still there to be removed, the menu's default is not
 * what the settings say, a Xen entry carries a dom0_mem the settings no longer give, an entry comes
 * from xensetup's own generator, or Xen entries remain for a hypervisor that is gone.
 */
function needsGenerating(context: UninstallContext, grubCfg: string): boolean {
  const {host, facts, profile} = context
  const dir = profile.boot.dropInDir
  if (dir && DROP_INS.some((name) => host.exists(`${dir}/${name}`) && !(name === '00-xensetup.cfg' && keepsOverride(context)))) return true
  if ((host.read(DEFAULTS) ?? '') !== withoutManagedBlock(host.read(DEFAULTS) ?? '', 'boot')) return true
  if (writtenByXensetup(host.read(OWN_GENERATOR) ?? '')) return true
  const settings = defaultsWithoutXensetup(context)
  const wanted = settings.GRUB_DEFAULT === 'saved' ? '${saved_entry}' : (settings.GRUB_DEFAULT ?? '0')
  if ((parseGrubCfg(host.read(grubCfg) ?? '').defaultSelector ?? '0') !== wanted) return true
  const xen = facts.boot.entries.filter((entry) => entry.isXen)
  const xenSettings = `${settings.GRUB_CMDLINE_XEN ?? ''} ${settings.GRUB_CMDLINE_XEN_DEFAULT ?? ''}`
  if (xen.some((entry) => entry.dom0Mem !== undefined) && !xenSettings.includes('dom0_mem=')) return true
  if (xen.some((entry) => entry.id?.startsWith('xen-xensetup-'))) return true
  return xen.length > 0 && facts.xen.images.length === 0
}

/**
 * The default back on a non-Xen entry. With GRUB_DEFAULT=saved: the entry grubenv saved before xensetup
 * (its backup), else the first entry that does not boot Xen. Otherwise grub.cfg's own default applies and
 * a Xen entry left in grubenv is cleared.
 */
function defaultEntry(context: UninstallContext, grubenv: string): Change[] {
  const {host, facts, history, profile} = context
  const saved = parseGrubEnv(host.read(grubenv) ?? '').saved_entry
  const xenIds = new Set(facts.boot.entries.filter((entry) => entry.isXen).flatMap((entry) => [entry.id, entry.title, entry.indexPath]))
  const namesXen = saved !== undefined && (xenIds.has(saved) || saved.startsWith('xen-'))
  if (defaultsWithoutXensetup(context).GRUB_DEFAULT !== 'saved') {
    return namesXen ? [{kind: 'command', argv: profile.boot.unsetDefault, why: `${saved} is a Xen entry xensetup made the default`, rewrites: [grubenv]}] : []
  }
  if (saved !== undefined && !namesXen && facts.boot.defaultEntry?.matched) return []
  // Nothing saved: GRUB boots the first entry, which is not Xen's.
  if (saved === undefined && facts.boot.entries[0]?.isXen === false) return []
  const backup = history.originals.get(grubenv)
  const before = backup ? parseGrubEnv(host.read(backup) ?? '').saved_entry : undefined
  const nonXen = facts.boot.entries.filter((entry) => !entry.isXen)
  const previous = nonXen.find((entry) => before !== undefined && (entry.id === before || entry.title === before)) ?? nonXen[0]
  const target = previous?.id ?? previous?.indexPath
  if (target === undefined || target === saved) return []
  return [{kind: 'command', argv: [...profile.boot.setDefault, target], why: `boot ${previous?.title ?? target} by default again, as before xensetup`, rewrites: [grubenv]}]
}
