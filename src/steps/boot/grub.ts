import path from 'node:path'
import {grubenvPath} from '../../distros/profile.js'
import type {Change} from '../../engine/change.js'
import {managedBlock, wholeFile} from '../../engine/desired.js'
import type {StepPlan} from '../../engine/step.js'
import {StepFailure} from '../../engine/step.js'
import {namesKernelVersion, xenEntry} from '../../facts/boot.js'
import {HostFiles} from '../../facts/files.js'
import {kernelsOfferedUnderXen} from '../../facts/kernel.js'
import type {BootEntry} from '../../facts/types.js'
import {renderTemplate} from '../../render/template.js'
import type {InitContext} from '../context.js'
import {toolMissing} from './tools.js'
import {carriesXenArgs, type XenArgs} from './xen-args.js'

/**
 * A GRUB entry that boots Xen with a fixed dom0 size, made the default by its stable id (titles change
 * with translations and versions, and kernel-versioned ids vanish with the kernel). The proof is the
 * generated grub.cfg itself: the step converges only once its Xen entry carries our options and grubenv
 * selects that entry's id.
 */
export async function planGrub(context: InitContext, xen: XenArgs): Promise<StepPlan> {
  const {facts, profile, options} = context
  const boot = profile.boot
  ensureGrubInstalled(context)
  const generator = await xenGenerator(context)
  const files = [...(await settingsFiles(context, xen)), ...keepDefaultOnKernelUpdates(context), ...generator]
  const entry = xenEntry(facts.boot)
  const current = entry !== undefined && carriesXenArgs(entry, xen)
  if (entry === undefined && facts.xen.installed && facts.kernel.dom0Capable === false) {
    throw new StepFailure(`the kernel ${facts.kernel.release ?? ''} is not built with CONFIG_XEN_DOM0=y, so GRUB offers no Xen entry for it; install a dom0-capable kernel (e.g. linux-image-amd64)`)
  }
  const changes: Change[] = [...files]
  // grub-mkconfig also creates grubenv where there is none.
  const grubenv = grubenvPath(boot)
  if (files.length > 0 || !current) changes.push({kind: 'command', argv: boot.mkconfig, why: `generate ${boot.grubCfg} with the Xen entry`, rewrites: [boot.grubCfg, grubenv]})
  // Our own generator names its entry after the root file system's UUID, known once it has run.
  // Predicted only before any Xen entry exists: once grub.cfg has them, the target must be one of them.
  const target = stableXenId(facts.boot.entries) ?? (generator.length === 0 && entry === undefined ? predictedXenId(facts.boot.entries) : undefined)
  if (target === undefined && entry !== undefined && changes.length === 0) {
    throw new StepFailure(
      `every Xen entry in ${boot.grubCfg} has an id naming its kernel version (${entry.id ?? entry.title}); a default set to one is lost at the next kernel update`,
      'GRUB_DISABLE_SUBMENU must not be "y" or "true" for 20_linux_xen to write its xen-gnulinux-simple entry: check /etc/default/grub (and grub.d), then run init again',
    )
  }
  const selection = options.trialBoot ? facts.boot.nextEntry : facts.boot.defaultEntry
  if (target && selection?.raw !== target) {
    changes.push(
      options.trialBoot
        ? {kind: 'command', argv: [...boot.oneTime, target], why: 'boot Xen once; a failed boot falls back to the old default', rewrites: [grubenv]}
        : {kind: 'command', argv: [...boot.setDefault, target], why: 'make the Xen entry the default', rewrites: [grubenv]},
    )
  }
  return {changes, state: entry ? `${entry.title} (${entry.id}): ${entry.xenArgs ?? ''}`.trim() : undefined}
}

/**
 * The boot step regenerates grub.cfg, so GRUB's tooling must be there, GRUB installed on the disk (its
 * directory under /boot exists) and its settings sourceable by the shell (grub-mkconfig would fail after
 * the step wrote its files). No step installs GRUB: say so before the packages go in, not after.
 */
function ensureGrubInstalled({host, profile, options, facts}: InitContext): void {
  if (facts.boot.grubDefaultsError) throw new StepFailure(`${facts.boot.grubDefaultsError}; grub-mkconfig cannot source it, so fix it and re-run`)
  const {mkconfig, setDefault, oneTime} = profile.boot
  const tools = [mkconfig[0], (options.trialBoot ? oneTime : setDefault)[0]]
  const missing = toolMissing(host, ...tools)
  if (missing) {
    throw new StepFailure(
      `${missing}, so the Xen boot entry cannot be generated and made the default; install GRUB for this machine's firmware (on Debian: grub-pc or grub-efi-amd64) and run grub-install, or leave the boot entry out with --skip boot`,
    )
  }
  const dir = path.posix.dirname(profile.boot.grubCfg)
  if (!host.isDirectory(dir)) {
    throw new StepFailure(`${host.display(dir)} does not exist: GRUB was never installed on this system's boot disk; run grub-install for it first, or leave the boot entry out with --skip boot`)
  }
}

async function settingsFiles({host, profile, options}: InitContext, {line: xenArgs, dom0MemMiB}: XenArgs): Promise<Change[]> {
  const boot = profile.boot
  const why = 'Xen command line and default-entry policy for grub-mkconfig'
  if (boot.mechanism === 'grub-dropin' && boot.dropInDir) {
    return [
      ...wholeFile(host, `${boot.dropInDir}/00-xensetup.cfg`, await renderTemplate('grub/00-xensetup.cfg', {}), why),
      ...wholeFile(
        host,
        `${boot.dropInDir}/zz-xensetup.cfg`,
        await renderTemplate('grub/zz-xensetup.cfg', {xenArgs, dom0MemMiB, dom0MaxVcpus: options.dom0MaxVcpus}),
        why,
      ),
    ]
  }
  return managedBlock(host, '/etc/default/grub', 'boot', await renderTemplate('grub/default-block', {xenArgs}), why)
}

const XEN_GENERATOR = '/etc/grub.d/20_linux_xen'
/** Where upstream 20_linux_xen looks for a kernel's config ({version}: the image name after its prefix). */
const UPSTREAM_KERNEL_CONFIGS = ['/boot/config-{version}', '/etc/kernels/kernel-config-{version}']
const OWN_GENERATOR = '/etc/grub.d/09_xen'

/**
 * Where GRUB's 20_linux_xen would generate no Xen entry, xensetup's own generator does: a GRUB built
 * without it, or kernels it does not offer because no kernel config in /boot says CONFIG_XEN_DOM0=y.
 */
async function xenGenerator({host, facts, profile}: InitContext): Promise<Change[]> {
  if (!facts.xen.installed || !host.isDirectory('/etc/grub.d')) return []
  let why = `this GRUB has no ${XEN_GENERATOR}: generate the Xen entry`
  if (host.exists(XEN_GENERATOR)) {
    const {images, anyOffered} = kernelsOfferedUnderXen(new HostFiles(host), profile.boot.kernelConfigs ?? UPSTREAM_KERNEL_CONFIGS)
    // Our generator boots /boot/vmlinuz-*: without one it would add nothing either.
    const bootable = images.filter((image) => image.startsWith('/boot/vmlinuz-'))
    if (bootable.length === 0 || anyOffered) return []
    why = `${XEN_GENERATOR} offers only kernels with a config saying CONFIG_XEN_DOM0=y (${(profile.boot.kernelConfigs ?? UPSTREAM_KERNEL_CONFIGS).join(', ')}), and ${bootable.join(', ')} ${bootable.length === 1 ? 'has' : 'have'} none: generate the Xen entry`
  }
  const script = await renderTemplate('grub/09_xen', {bootDir: '/boot'})
  return wholeFile(host, OWN_GENERATOR, script, why, 0o755)
}

/**
 * The distro's own kernel-install hooks must not move the default off Xen at the next kernel update:
 * Fedora's 20-grub.install sets saved_entry to the new kernel when /etc/sysconfig/kernel says
 * UPDATEDEFAULT=yes (its default). That file is sourced, so a block at its end decides.
 */
function keepDefaultOnKernelUpdates({host, profile}: InitContext): Change[] {
  const reset = profile.boot.kernelUpdateResets
  if (!reset) return []
  return managedBlock(host, reset.file, 'boot', `${reset.variable}=${reset.keep}`, `keep the Xen entry the default when a kernel update installs a new kernel (${reset.variable})`)
}

/**
 * The top-level Xen entry whose id names no kernel version: 20_linux_xen's xen-gnulinux-simple-<uuid>
 * (written while submenus are on) or our generator's xen-xensetup-<uuid>. Kernel-versioned ids
 * (xen-gnulinux-6.11.4-301.fc41.x86_64-advanced-<uuid>) disappear when that kernel is removed.
 */
function stableXenId(entries: BootEntry[]): string | undefined {
  return entries.find((entry) => entry.isXen && entry.submenus.length === 0 && entry.id !== null && !namesKernelVersion(entry.id))?.id ?? undefined
}

/** 20_linux_xen names its entry like 10_linux's, with a "xen-" prefix: known before grub.cfg is generated. */
function predictedXenId(entries: BootEntry[]): string | undefined {
  const linux = entries.find((e) => e.id?.startsWith('gnulinux-simple-'))
  return linux?.id ? `xen-${linux.id}` : undefined
}
