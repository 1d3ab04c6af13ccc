import {profileFor} from '../../distros/profile.js'
import type {Facts} from '../../facts/types.js'
import {type Check, fail, pass, warn} from '../check.js'

export const xenChecks: Check[] = [
  {
    id: 'xen.installed',
    category: 'xen',
    title: 'Xen installed',
    explain: `The hypervisor image (/boot/xen-*.gz) and the toolstack (xl, xenstored) come from the distribution's
packages (Debian: xen-system-amd64 and qemu-system-xen for HVM guests). xensetup init installs them.`,
    run: ({facts}) => {
      const xen = facts.xen
      if (xen.installed && xen.toolsInstalled) return pass(`Xen ${xen.version ?? ''}`.trim())
      if (xen.installed) return fail('hypervisor image present but the xl toolstack is missing', 'xensetup init --only packages')
      return warn('Xen is not installed', 'xensetup init')
    },
  },
  {
    id: 'xen.version_skew',
    category: 'xen',
    title: 'One Xen version installed',
    dependsOn: ['xen.installed'],
    explain: `Several /boot/xen-*.gz images mean GRUB may boot an older hypervisor than the tools expect; xl then fails
with "getting physinfo: Permission denied" or "xen_scheduler: (null)" (the sysctl interface version differs, which
Xen reports as EACCES even to root). Remove the stale images and regenerate grub.cfg.`,
    run: ({facts}) => {
      // A debug build of the same version (SUSE's xen-dbg-*) is not skew.
      const images = facts.xen.images.filter((image) => image.endsWith('.gz') && !image.startsWith('xen-dbg-'))
      if (images.length <= 1) return pass(images[0] ?? facts.xen.version ?? 'one version')
      return warn(`several hypervisor versions: ${images.join(', ')}`, 'remove the old xen-hypervisor packages, then update-grub')
    },
  },
  {
    id: 'xen.running',
    category: 'xen',
    title: 'Booted into Xen',
    dependsOn: ['xen.installed'],
    explain: `/sys/hypervisor/type says "xen" only when this kernel runs on Xen. Installed but not running means the
machine was not rebooted, or GRUB booted plain Linux (see boot.default_is_xen). Every xl command then fails with
"xencall: error: Could not obtain handle on privileged command interface" and "cannot init xl context".`,
    run: ({facts, state}) => {
      if (state === 'dom0' || state === 'domU') return pass(`Xen ${facts.xen.runningVersion ?? ''}`.trim())
      return warn('installed but not running: reboot into the Xen entry (xl would say "cannot init xl context")', 'reboot')
    },
  },
  {
    id: 'xen.dom0',
    category: 'xen',
    title: 'This is the control domain (dom0)',
    dependsOn: ['xen.running'],
    explain: `/proc/xen/capabilities contains "control_d" only in dom0. A guest (domU) cannot manage Xen: run xensetup
on the host itself.`,
    run: ({facts}) => (facts.xen.dom0 ? pass('control_d') : fail('this kernel is a Xen guest (domU), not dom0', 'run xensetup on the Xen host')),
  },
  {
    id: 'xen.xl_context',
    category: 'xen',
    title: 'xl can reach Xen ("cannot init xl context")',
    dependsOn: ['xen.dom0'],
    explain: `"cannot init xl context" has three causes: the machine is not booted into Xen (see xen.running); /proc/xen
(xenfs) is not mounted, so the privcmd interface is missing and the Xen units' condition on
/proc/xen/capabilities silently skips them; or xenstored is not running, and xl fails with "cannot connect to
xenstore" (xenconsoled is needed for guest consoles). Debian runs both from its "xen" init script (Debian 12) or
xen.service (Debian 13); upstream units are xenstored.service and xenconsoled.service.`,
    run: ({facts}) => {
      const xen = facts.xen
      if (!xen.xenfsMounted) return fail('/proc/xen (xenfs) is not mounted: xl cannot init its context', 'mount -t xenfs xenfs /proc/xen   # and: xensetup init --only xenfs')
      const store = xen.daemons.find((name) => name.endsWith('xenstored'))
      if (!store) return fail('xenstored is not running: xl says "cannot connect to xenstore"', startCommand(facts, 'xenstored'))
      if (!xen.daemons.includes('xenconsoled')) return warn(`${store} runs but xenconsoled does not: guest consoles will not work`, startCommand(facts, 'xenconsoled'))
      return pass(`xenfs mounted; ${xen.daemons.join(', ')} running`)
    },
  },
  {
    id: 'dom0.services_enabled',
    category: 'dom0',
    title: 'Xen services start at boot',
    dependsOn: ['xen.installed'],
    explain: `The distribution's Xen services must be enabled to start on every Xen boot: Debian's "xen" and
"xendomains" (SysV scripts on Debian 12, units on 13), SUSE's xencommons (which pulls in xenstored, xenconsoled and
the rest), upstream xenstored/xenconsoled units elsewhere, OpenRC scripts on Alpine and Gentoo. All carry a
condition on /proc/xen/capabilities, so enabling them is harmless on native boots.`,
    run: ({facts}) => {
      const found = facts.xen.services
      const wanted = profileFor(facts.distro, facts.init)?.services.enable.filter((name) => name in found) ?? Object.keys(found)
      if (wanted.length === 0) return fail('none of the distribution\'s Xen services is installed', 'xensetup init --only packages,services')
      const disabled = wanted.filter((name) => !found[name])
      if (disabled.length > 0) return warn(`not enabled: ${disabled.join(', ')}`, 'xensetup init --only services')
      return pass(`enabled: ${wanted.join(', ')}`)
    },
  },
  {
    id: 'dom0.xenfs',
    category: 'dom0',
    title: '/proc/xen mounted (xenfs)',
    dependsOn: ['xen.dom0'],
    explain: `The Xen units are conditional on /proc/xen/capabilities: without xenfs mounted they are silently skipped,
and xl fails. Debian's xen init script and the upstream proc-xen.mount unit mount it; elsewhere an fstab line
"xenfs /proc/xen xenfs defaults 0 0" does.`,
    run: ({facts}) => (facts.xen.xenfsMounted ? pass('xenfs on /proc/xen') : fail('xenfs is not mounted on /proc/xen', 'mount -t xenfs xenfs /proc/xen')),
  },
  {
    id: 'legacy.xend_rules',
    category: 'dom0',
    title: 'No obsolete xend udev rule',
    explain: `/etc/udev/rules.d/xend.rules comes from xend, removed in Xen 4.5. udev then fails at every boot with
"failed to execute '/usr/lib/udev/socket:/org/xen/xend/udev_event'". Delete it and reload udev.`,
    run: ({facts}) =>
      facts.xen.obsoleteXendRules
        ? warn('obsolete /etc/udev/rules.d/xend.rules (socket:/org/xen/xend/udev_event)', 'rm /etc/udev/rules.d/xend.rules && udevadm control --reload')
        : pass('none'),
  },
]


function startCommand(facts: Facts, daemon: string): string {
  if (facts.init === 'openrc') return `rc-service ${daemon} start`
  return facts.distro.family === 'debian' ? 'systemctl restart xen   # Debian starts the daemons from its xen service' : `systemctl start ${daemon}`
}
