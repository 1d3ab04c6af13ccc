import type {Step} from '../engine/step.js'
import {StepFailure} from '../engine/step.js'
import {planExtlinux} from './boot/extlinux.js'
import {planGrub} from './boot/grub.js'
import {unsupportedLoader} from './boot/unsupported.js'
import {xenArgsFor} from './boot/xen-args.js'
import type {InitContext} from './context.js'

/**
 * The Xen entry with a fixed dom0 size, made the default, through the boot loader the machine boots
 * with (facts.boot.bootloader says which, and why). A loader xensetup cannot drive right is refused with
 * what to do by hand: files for a loader the firmware never starts would make doctor pass while the
 * machine never boots Xen.
 */
export const bootStep: Step<InitContext> = {
  id: 'boot',
  title: 'Boot entry: Xen with a fixed dom0_mem, made the default',
  async plan(context) {
    const xen = xenArgsFor(context.options)
    const boot = context.facts.boot
    if (boot.bootloader === 'unknown' && boot.bootloaderCandidates.length > 1) {
      throw new StepFailure(
        `cannot tell which boot loader this machine boots with: ${boot.bootloaderEvidence}`,
        'Remove the configuration of the loader the firmware does not start, or leave the boot entry out with --skip boot and add the Xen entry by hand.',
      )
    }
    switch (boot.bootloader) {
      case 'extlinux':
        return planExtlinux(context, xen)
      case 'systemd-boot':
      case 'grub2-bls':
        throw unsupportedLoader(context, boot.bootloader, xen)
      default:
        return planGrub(context, xen)
    }
  },
}
