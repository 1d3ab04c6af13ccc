import {StepFailure} from '../../engine/step.js'
import type {InitContext} from '../context.js'
import type {XenArgs} from './xen-args.js'

/**
 * Boot loaders xensetup does not write for, with the way to boot Xen by hand. systemd-boot starts Xen
 * only as an EFI program (xen.efi with its own xen.cfg), which no distribution xensetup supports sets up
 * and keeps current on kernel updates; SUSE's GRUB2-BLS builds its menu from BLS snippets and never runs
 * GRUB's Xen generator.
 */
export function unsupportedLoader({facts}: InitContext, loader: 'systemd-boot' | 'grub2-bls', xen: XenArgs): StepFailure {
  const why = facts.boot.bootloaderEvidence
  if (loader === 'systemd-boot') {
    return new StepFailure(
      `this machine boots with systemd-boot (${why}); xensetup writes Xen entries for GRUB and extlinux only`,
      [
        'Either install GRUB for UEFI and make it the boot entry (e.g. grub-install --target=x86_64-efi --efi-directory=<ESP>), then re-run init;',
        'or boot Xen from systemd-boot by hand: copy xen.efi to <ESP>/EFI/xen/xen.efi, the kernel and initramfs beside it, and a xen.cfg',
        `  [global]\n  default=xen\n  [xen]\n  options=${xen.line}\n  kernel=vmlinuz-<version> root=<your root> ro\n  ramdisk=initramfs-<version>.img`,
        'and a loader entry <ESP>/loader/entries/xen.conf with "title Xen" and "efi /EFI/xen/xen.efi", set as default in loader.conf;',
        'xen.efi reads its kernel from the ESP, so copy the kernel and initramfs there again after every kernel update; then run init with --skip boot.',
      ].join('\n'),
    )
  }
  return new StepFailure(
    `this machine boots with GRUB2-BLS (${why}), whose menu comes from BLS snippets: GRUB's Xen generator never runs`,
    [
      'Switch to classic GRUB (LOADER_TYPE="grub2-efi" in /etc/sysconfig/bootloader, then `update-bootloader --reinit`), then re-run init;',
      `or add a Xen entry by hand and run init with --skip boot (Xen options: ${xen.line}).`,
    ].join('\n'),
  )
}
