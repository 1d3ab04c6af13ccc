import {profileFor} from '../../distros/profile.js'
import {namesKernelVersion, xenEntry} from '../../facts/boot.js'
import {type Check, fail, pass, skip, warn} from '../check.js'

const INIT_BOOT = 'xensetup init --only boot'

export const bootChecks: Check[] = [
  {
    id: 'boot.secure_boot',
    category: 'boot',
    title: 'Secure Boot off',
    explain: `Xen under Secure Boot is not supported by the distributions xensetup knows. Debian's xen.efi and xen.gz
are not signed with a key shim trusts, and shim-signed GRUB (Debian, Ubuntu, Fedora, RHEL) refuses multiboot2 under
lockdown or lacks it, so the Xen entry fails with "can't find command 'multiboot2'", "prohibited by secure boot
policy" or "you need to load a kernel first", and the machine falls back to plain Linux. Disable Secure Boot in the
firmware setup, or build and sign a unified xen.efi yourself (sbsign) and enroll the key with mokutil.`,
    run: ({facts}) => {
      if (facts.boot.firmware === 'bios') return pass('BIOS boot: no Secure Boot')
      if (facts.boot.secureBoot === null) return skip('Secure Boot state not readable (efivars)')
      if (!facts.boot.secureBoot) return pass('UEFI, Secure Boot off')
      const why = facts.distro.family === 'debian' ? "Debian's Xen is not signed, so the Xen entry will not boot" : 'the Xen entry may not boot'
      return warn(`Secure Boot is enabled: ${why}`, 'disable Secure Boot in the UEFI setup (or sign xen.efi with your own enrolled key)')
    },
  },
  {
    id: 'boot.loader',
    category: 'boot',
    title: 'Boot loader xensetup can drive',
    explain: `Which boot loader the machine boots with decides where the Xen entry must go. xensetup tells from the
running boot's EFI variables (LoaderInfo, BootCurrent), SUSE's LOADER_TYPE, or the one loader configuration on the
disk, and drives GRUB (through its 20_linux_xen generator, or its own where that offers no kernel) and Alpine's
extlinux (update-extlinux's xen_opts and default). systemd-boot starts Xen only as xen.efi with its own xen.cfg, and
SUSE's GRUB2-BLS never runs GRUB's generators: init refuses those with the steps to do by hand.`,
    run: ({facts}) => {
      const boot = facts.boot
      if (boot.grubDefaultsError) return fail(`${boot.grubDefaultsError}: grub-mkconfig cannot source it`, 'close the quote, then run `xensetup doctor` again')
      if (boot.bootloader === 'grub' || boot.bootloader === 'grub2') return pass(`GRUB: ${boot.bootloaderEvidence}`)
      if (boot.bootloader === 'extlinux') {
        if (profileFor(facts.distro, facts.init)?.boot.extlinux) return pass(`extlinux: ${boot.bootloaderEvidence}`)
        return warn(`extlinux: ${boot.bootloaderEvidence}; xensetup drives extlinux only through Alpine's update-extlinux`, 'add the Xen entry (mboot.c32) by hand and run init --skip boot')
      }
      if (boot.bootloader === 'unknown') return warn(`boot loader unknown: ${boot.bootloaderEvidence}`, 'install GRUB, or leave the boot step out (init --skip boot) and add the Xen entry by hand')
      return warn(`${boot.bootloader}: ${boot.bootloaderEvidence}; xensetup writes no Xen entry for it`, `${boot.bootloader === 'grub2-bls' ? 'switch to classic GRUB (LOADER_TYPE="grub2-efi")' : 'install GRUB for UEFI'}, or boot xen.efi by hand and run init --skip boot`)
    },
  },
  {
    id: 'boot.xen_entry',
    category: 'boot',
    title: 'GRUB has a Xen entry',
    dependsOn: ['boot.loader'],
    explain: `After Xen is installed, grub-mkconfig (update-grub) must generate a "with Xen hypervisor" entry: it
needs a /boot/xen-*.gz image and a kernel whose /boot/config-<version> has CONFIG_XEN_DOM0=y. No entry means the
next boot is plain Linux again.`,
    run: ({facts, state}) => {
      if (state === 'bare') return skip('Xen is not installed')
      const cfg = facts.boot.grubCfgPath
      if (cfg && facts.unreadable.includes(cfg)) return skip(`${cfg} is readable only by root: run \`sudo xensetup doctor\``)
      const entry = xenEntry(facts.boot)
      if (entry) return pass(`${entry.title}${entry.id ? ` (${entry.id})` : ''}`)
      return fail('no Xen entry in grub.cfg', `${INIT_BOOT}   # or: update-grub`)
    },
  },
  {
    id: 'boot.default_is_xen',
    category: 'boot',
    title: 'Next boot starts Xen',
    dependsOn: ['boot.xen_entry'],
    explain: `The most common "I installed Xen and nothing changed": the GRUB default still boots plain Linux.
xensetup makes the Xen entry the default by its stable menu entry id (GRUB_DEFAULT=saved + grub-set-default <id>),
so kernel updates and translated titles do not move it. A pending grub-reboot (trial boot) counts for one boot.`,
    run: ({facts, state}) => {
      if (state === 'bare') return skip('Xen is not installed')
      const boot = facts.boot
      if (boot.nextEntry?.matched && boot.entries.find((e) => e.id === boot.nextEntry?.resolvedId)?.isXen) {
        return pass(`next boot only (grub-reboot): ${boot.nextEntry.resolvedTitle}`)
      }
      if (boot.xenEntryIsDefault) return pass(`default: ${boot.defaultEntry?.resolvedTitle ?? boot.defaultEntry?.raw}`)
      const current = boot.defaultEntry?.resolvedTitle ?? boot.defaultEntry?.raw ?? 'the first entry'
      return (state === 'installed' ? fail : warn)(`the default entry is "${current}", not Xen`, INIT_BOOT)
    },
  },
  {
    id: 'boot.dom0_mem',
    category: 'boot',
    title: 'Xen entry gives dom0 a fixed memory size',
    dependsOn: ['boot.xen_entry'],
    explain: `Without dom0_mem, dom0 starts with all memory and balloons down as guests start: the kernel sized its
tables for the boot size and dom0 becomes slow or unresponsive (SSH dies). The Xen Project best practice is a fixed
size with the same max: dom0_mem=1024M,max:1024M or more (xensetup uses 1 GiB + 5% of RAM, at most 8 GiB, like
XenServer), with xl's autoballoon off.`,
    run: ({facts, state}) => {
      if (state === 'bare') return skip('Xen is not installed')
      const entry = xenEntry(facts.boot)
      if (!entry?.dom0Mem) return warn('the Xen entry has no dom0_mem: dom0 takes all memory and balloons', INIT_BOOT)
      if (!entry.dom0Mem.includes('max:')) return warn(`dom0_mem=${entry.dom0Mem} has no max: dom0 can balloon up again`, INIT_BOOT)
      return pass(`dom0_mem=${entry.dom0Mem}`)
    },
  },
  {
    id: 'boot.kernel_update',
    category: 'boot',
    title: 'A kernel update keeps Xen the default',
    dependsOn: ['boot.default_is_xen'],
    explain: `The default must survive the distribution's own kernel updates, which regenerate the boot menu. It does
when the default names an entry whose id carries no kernel version (xen-gnulinux-simple-<uuid>, Alpine's xen-lts),
GRUB_SAVEDEFAULT is not true (else whatever is picked at the menu once becomes the default), and Fedora's
kernel-install is not told UPDATEDEFAULT=yes in /etc/sysconfig/kernel (else each new kernel becomes the default, and
the host comes back from its next update without Xen and without its guests).`,
    run: ({facts, state}) => {
      if (state === 'bare') return skip('Xen is not installed')
      const boot = facts.boot
      if (!boot.xenEntryIsDefault) return skip('the default is not the Xen entry now')
      const id = boot.defaultEntry?.resolvedId ?? boot.defaultEntry?.raw ?? ''
      if (boot.updateDefault === 'yes') return fail('UPDATEDEFAULT=yes in /etc/sysconfig/kernel: the next kernel install makes the new kernel, not Xen, the default', INIT_BOOT)
      if (boot.bootloader !== 'extlinux' && boot.grubDefaults.GRUB_SAVEDEFAULT === 'true') return warn('GRUB_SAVEDEFAULT=true: an entry picked once at the boot menu becomes the default', INIT_BOOT)
      if (namesKernelVersion(id) || /^\d+$/.test(id.replace(/^xen-/, ''))) return warn(`the default "${id}" names a kernel version or a position, which the next kernel update changes`, INIT_BOOT)
      return pass(`the default "${id}" names no kernel version`)
    },
  },
]
