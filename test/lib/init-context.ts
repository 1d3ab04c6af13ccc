import {profileFor} from '../../src/distros/profile.js'
import {gatherFacts} from '../../src/facts/index.js'
import {Host} from '../../src/host/host.js'
import type {InitContext, InitOptions} from '../../src/steps/context.js'
import {STEP_IDS} from '../../src/steps/ids.js'
import {FakeRunner} from './fake-runner.js'

/** The context init builds for a step, over a directory tree, with facts gathered from it for real. */
export function contextFor(root: string, options: Partial<InitOptions> = {}, probe = new FakeRunner()): InitContext {
  const host = new Host(root)
  const facts = gatherFacts(host)
  const profile = profileFor(facts.distro, facts.init)
  if (!profile) throw new Error(`no profile for ${facts.distro.id}`)
  return {
    host,
    machine: host,
    facts,
    profile,
    probe,
    options: {
      dom0MemMiB: 2048,
      dom0MaxVcpus: '1-4',
      uplink: null,
      vgDevice: null,
      vgName: 'vg0',
      forceWipe: false,
      trialBoot: false,
      steps: STEP_IDS,
      offline: true,
      applyNetwork: false,
      revertAfter: 120,
      ...options,
    },
  }
}

/** GRUB's tooling and a GRUB installed on the disk (its modules under /boot), as the boot step requires. */
export const GRUB_INSTALLED: Record<string, string> = {
  '/usr/sbin/grub-mkconfig': '',
  '/usr/sbin/grub-set-default': '',
  '/usr/sbin/grub-reboot': '',
  '/usr/sbin/grub2-mkconfig': '',
  '/usr/sbin/grub2-set-default': '',
  '/usr/sbin/grub2-reboot': '',
  '/boot/grub/i386-pc/normal.mod': '',
  '/boot/grub2/i386-pc/normal.mod': '',
}

/** Minimal machine files for a distribution: os-release, the memory and CPU every plan reads, GRUB. */
export function machine(osRelease: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...GRUB_INSTALLED,
    '/etc/os-release': osRelease,
    '/proc/meminfo': 'MemTotal:       16315392 kB\n',
    '/proc/cpuinfo': 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx ept\n\n',
    ...extra,
  }
}
