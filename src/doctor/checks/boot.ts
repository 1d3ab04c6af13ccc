import {xenEntry} from '../../facts/boot.js'
import {type Check, fail, pass, skip, warn} from '../check.js'

const INIT_BOOT = 'xensetup init --only boot'

export const bootChecks: Check[] = [
  {
    id: 'boot.secure_boot',
    category: 'boot',
    title: 'Secure Boot off',
    explain: `Xen under Secure Boot is experimental: shim cannot verify xen.gz, and signed GRUB builds (Fedora, RHEL)
lack multiboot2, so the Xen entry fails with "can't find command 'multiboot2'" or "you need to load a kernel first".
Disable Secure Boot in the firmware setup, or sign a unified xen.efi yourself (sbsign) and enroll the key.`,
    run: ({facts}) => {
      if (facts.boot.firmware === 'bios') return pass('BIOS boot: no Secure Boot')
      if (facts.boot.secureBoot === null) return skip('Secure Boot state not readable (efivars)')
      return facts.boot.secureBoot ? warn('Secure Boot is enabled: Xen may not boot', 'disable Secure Boot in the UEFI setup') : pass('UEFI, Secure Boot off')
    },
  },
  {
    id: 'boot.loader',
    category: 'boot',
    title: 'Boot loader xensetup can drive',
    explain: `xensetup writes the Xen entry through GRUB's own generator (20_linux_xen). systemd-boot can only start
xen.efi with a single xen.cfg; extlinux (Alpine) takes Xen options from /etc/update-extlinux.conf.`,
    run: ({facts}) => {
      const boot = facts.boot
      if (boot.grubDefaultsError) return fail(`${boot.grubDefaultsError}: grub-mkconfig cannot source it`, 'close the quote, then run `xensetup doctor` again')
      if (boot.bootloader === 'grub' || boot.bootloader === 'grub2') return pass(`GRUB (${boot.grubCfgPath ?? 'grub.cfg not found'})`)
      return warn(`boot loader: ${boot.bootloader}`, 'use GRUB to let xensetup manage the Xen entry')
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
]
