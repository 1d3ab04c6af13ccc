import {grubenvPath} from '../distros/profile.js'
import path from 'node:path'
import type {Change} from '../engine/change.js'
import {managedBlock, wholeFile} from '../engine/desired.js'
import type {Step} from '../engine/step.js'
import {StepFailure} from '../engine/step.js'
import {xenEntry, xenOption} from '../facts/boot.js'
import type {BootEntry} from '../facts/types.js'
import {dom0MemArgument} from '../formats/xen-command-line.js'
import {COMMAND_ENV} from '../host/runner.js'
import {renderTemplate} from '../render/template.js'
import type {InitContext} from './context.js'

/**
 * A GRUB entry that boots Xen with a fixed dom0 size, made the default by its stable id (titles change
 * with translations and versions). The proof is the generated grub.cfg itself: the step converges only
 * once its Xen entry carries our options and grubenv selects that entry's id.
 */
export const bootStep: Step<InitContext> = {
  id: 'boot',
  title: 'Boot entry: Xen with a fixed dom0_mem, made the default',
  async plan(context) {
    const {facts, profile, options} = context
    const boot = profile.boot
    const dom0MemMiB = options.dom0MemMiB
    if (dom0MemMiB === null) throw new StepFailure('no dom0 memory size was given or could be derived; pass --dom0-mem')
    ensureGrubInstalled(context)
    const xenArgs = `dom0_mem=${dom0MemArgument(dom0MemMiB)} dom0_max_vcpus=${options.dom0MaxVcpus}`
    const generator = await xenGenerator(context)
    const files = [...(await settingsFiles(context, xenArgs, dom0MemMiB)), ...generator]
    const entry = xenEntry(facts.boot)
    const current = entry !== undefined && entry.dom0Mem === dom0MemArgument(dom0MemMiB) && xenOption(entry, 'dom0_max_vcpus') === options.dom0MaxVcpus
    if (entry === undefined && facts.xen.installed && facts.kernel.dom0Capable === false) {
      throw new StepFailure(`the kernel ${facts.kernel.release ?? ''} is not built with CONFIG_XEN_DOM0=y, so GRUB offers no Xen entry for it; install a dom0-capable kernel (e.g. linux-image-amd64)`)
    }
    const changes: Change[] = [...files]
    // grub-mkconfig also creates grubenv where there is none.
    const grubenv = grubenvPath(boot)
    if (files.length > 0 || !current) changes.push({kind: 'command', argv: boot.mkconfig, why: `generate ${boot.grubCfg} with the Xen entry`, rewrites: [boot.grubCfg, grubenv]})
    // Our own generator names its entry after the root file system's UUID, known once it has run.
    const target = entry?.id ?? (generator.length === 0 ? predictedXenId(facts.boot.entries) : undefined)
    const selection = options.trialBoot ? facts.boot.nextEntry : facts.boot.defaultEntry
    if (target && selection?.raw !== target) {
      changes.push(
        options.trialBoot
          ? {kind: 'command', argv: [...boot.oneTime, target], why: 'boot Xen once; a failed boot falls back to the old default', rewrites: [grubenv]}
          : {kind: 'command', argv: [...boot.setDefault, target], why: 'make the Xen entry the default', rewrites: [grubenv]},
      )
    }
    return {changes, state: entry ? `${entry.title} (${entry.id}): ${entry.xenArgs ?? ''}`.trim() : undefined}
  },
}

/** Where the commands xensetup runs are looked up: the PATH it gives them. */
const TOOL_DIRS = COMMAND_ENV.PATH.split(':')

/**
 * The boot step regenerates grub.cfg, so GRUB's tooling must be there, GRUB installed on the disk (its
 * directory under /boot exists) and its settings sourceable by the shell (grub-mkconfig would fail after
 * the step wrote its files). No step installs GRUB: say so before the packages go in, not after.
 */
function ensureGrubInstalled({host, profile, options, facts}: InitContext): void {
  if (facts.boot.grubDefaultsError) throw new StepFailure(`${facts.boot.grubDefaultsError}; grub-mkconfig cannot source it, so fix it and re-run`)
  const {mkconfig, setDefault, oneTime} = profile.boot
  const tools = [mkconfig[0], (options.trialBoot ? oneTime : setDefault)[0]]
  const missing = tools.filter((tool) => !TOOL_DIRS.some((dir) => host.exists(`${dir}/${tool}`)))
  if (missing.length > 0) {
    throw new StepFailure(
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed in ${host.display('/')}, so the Xen boot entry cannot be generated and made the default; install GRUB for this machine's firmware (on Debian: grub-pc or grub-efi-amd64) and run grub-install, or leave the boot entry out with --skip boot`,
    )
  }
  const dir = path.posix.dirname(profile.boot.grubCfg)
  if (!host.isDirectory(dir)) {
    throw new StepFailure(`${host.display(dir)} does not exist: GRUB was never installed on this system's boot disk; run grub-install for it first, or leave the boot entry out with --skip boot`)
  }
}

async function settingsFiles({host, profile, options}: InitContext, xenArgs: string, dom0MemMiB: number): Promise<Change[]> {
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
const OWN_GENERATOR = '/etc/grub.d/09_xen'

/** A GRUB built without 20_linux_xen would generate no Xen entry at all: xensetup's own generator does. */
async function xenGenerator({host, facts}: InitContext): Promise<Change[]> {
  if (!facts.xen.installed || !host.isDirectory('/etc/grub.d') || host.exists(XEN_GENERATOR)) return []
  const script = await renderTemplate('grub/09_xen', {bootDir: '/boot'})
  return wholeFile(host, OWN_GENERATOR, script, `this GRUB has no ${XEN_GENERATOR}: generate the Xen entry`, 0o755)
}

/** 20_linux_xen names its entry like 10_linux's, with a "xen-" prefix: known before grub.cfg is generated. */
function predictedXenId(entries: BootEntry[]): string | undefined {
  const linux = entries.find((e) => e.id?.startsWith('gnulinux-simple-'))
  return linux?.id ? `xen-${linux.id}` : undefined
}
