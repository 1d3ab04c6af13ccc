import {type Check, fail, pass, skip, warn} from '../check.js'
import {xenEntry} from '../../facts/boot.js'
import type {Facts, GuestConfig} from '../../facts/types.js'
import {isUnicast, parseMac} from '../../formats/mac.js'
import {dom0MemMiB} from '../../formats/xen-command-line.js'

const named = (guests: GuestConfig[]) => guests.map((g) => g.name ?? g.path).join(', ')

export const guestChecks: Check[] = [
  {
    id: 'guests.vnc_open',
    category: 'guests',
    title: 'No guest console open to the network without a password',
    explain: `vnclisten="0.0.0.0" without vncpasswd gives anyone who can reach this host the guest's console:
keyboard, screen and often a root shell. Listen on 127.0.0.1 and use an SSH tunnel, or set vncpasswd.`,
    run: ({facts}) => {
      const open = facts.xen.guestConfigs.filter((g) => g.vnc.enabled && !g.vnc.hasPassword && isWildcard(g.vnc.listen))
      if (open.length > 0) return warn(`VNC on all addresses without a password: ${open.map((g) => g.path).join(', ')}`, 'set vnclisten="127.0.0.1" (tunnel over SSH) or vncpasswd in those configs')
      return pass(`${facts.xen.guestConfigs.length} guest config(s) checked`)
    },
  },
  {
    id: 'guests.files',
    category: 'guests',
    title: 'Guest disks, ISOs and kernels exist',
    explain: `xl create fails when a config names a disk, ISO, kernel or ramdisk that is not there ("failed to stat",
"Could not open ... No such file"), often only after half the devices were set up. A logical volume counts as there when
LVM's metadata backup in /etc/lvm/backup lists it (readable by root only).`,
    run: ({facts}) => {
      const broken = facts.xen.guestConfigs.filter((g) => g.missing.length > 0)
      if (facts.xen.guestConfigs.length === 0) return skip('no guest configs in /etc/xen')
      if (broken.length > 0) {
        return fail(broken.map((g) => `${g.name ?? g.path}: ${g.missing.join(', ')}`).join('; ') + ' missing', 'restore those files or volumes, or fix the paths in the configs')
      }
      return pass(`every path in ${facts.xen.guestConfigs.length} guest config(s) exists`)
    },
  },
  {
    id: 'guests.nested',
    category: 'guests',
    title: 'Nested guests can be created',
    explain: `A guest that runs a hypervisor itself needs nestedhvm=1 and hap=1 in its config, and a CPU whose Xen
offers HVM with HAP (Intel EPT, AMD NPT). Without them xl create fails with only "cannot make domain: -3". Nested HVM
is experimental in Xen.`,
    run: ({facts}) => {
      const nested = facts.xen.guestConfigs.filter((g) => g.nested)
      if (nested.length === 0) return skip('no guest config sets nestedhvm=1')
      const notHvm = nested.filter((g) => g.type !== 'hvm')
      if (notHvm.length > 0) return fail(`nestedhvm=1 on a non-HVM guest: ${named(notHvm)}`, 'set type = "hvm" in those configs, or remove nestedhvm')
      const cpu = hapAvailable(facts)
      if (cpu === false) return fail(`nested guests (${named(nested)}) on a CPU without HAP (EPT/NPT): "cannot make domain: -3"`, 'run them on a CPU with EPT/NPT, or remove nestedhvm=1')
      const noHap = nested.filter((g) => g.hap !== true)
      if (noHap.length > 0) return warn(`nestedhvm=1 without hap=1: ${named(noHap)}`, 'add hap = 1 to those configs')
      return pass(`${named(nested)}: hap=1 nestedhvm=1${cpu === null ? ' (whether Xen has HAP here: xl info virt_caps)' : ''}`)
    },
  },
  {
    id: 'guests.macs',
    category: 'guests',
    title: 'Guest MAC addresses are unicast and unique',
    explain: `Two vifs with one MAC on a bridge steal each other's traffic; a multicast MAC (odd first octet) is not a
valid NIC address. Xen's own OUI is 00:16:3e; a vif without mac= gets a new random one at every start.`,
    run: ({facts}) => {
      const owners = new Map<string, string[]>()
      const invalid: string[] = []
      for (const guest of facts.xen.guestConfigs) {
        for (const vif of guest.vifs) {
          if (vif.mac === null) continue
          const mac = parseMac(vif.mac)
          if (mac === null || !isUnicast(mac)) invalid.push(`${guest.name ?? guest.path} (${vif.mac})`)
          else owners.set(mac, [...(owners.get(mac) ?? []), guest.name ?? guest.path])
        }
      }
      const duplicates = [...owners].filter(([, guests]) => guests.length > 1)
      if (invalid.length > 0) return fail(`not a unicast MAC: ${invalid.join(', ')}`, 'use 00:16:3e:xx:xx:xx addresses, or remove mac= to let xl choose')
      if (duplicates.length > 0) return fail(duplicates.map(([mac, guests]) => `${mac} in ${guests.join(' and ')}`).join('; '), 'give each vif its own MAC (`xensetup guest create` derives one from the name)')
      if (facts.xen.guestConfigs.length === 0) return skip('no guest configs in /etc/xen')
      return pass(`${owners.size} fixed MAC(s), all unique`)
    },
  },
  {
    id: 'guests.memory',
    category: 'guests',
    title: 'Guests started at boot fit in the host\'s memory',
    explain: `The guests xendomains starts at boot (/etc/xen/auto) all need their memory at once, next to dom0's
dom0_mem and Xen's own. When they do not fit, the last ones fail with "failed to free memory for the domain". In a
running dom0 the host's total is known only to Xen (xl info), so this check runs before the reboot into Xen.`,
    run: ({facts}) => {
      const started = facts.xen.guestConfigs.filter((g) => g.autostart)
      if (started.length === 0) return skip('no guest is started at boot')
      if (facts.memory.isDom0View || facts.memory.hostTotalMiB === null) return skip('the host total is known only to Xen here (xl info total_memory)')
      const dom0 = dom0Size(facts)
      const guests = started.reduce((sum, g) => sum + (g.memoryMiB ?? 128), 0)
      const need = guests + dom0
      if (need > facts.memory.hostTotalMiB) {
        return warn(`guests started at boot want ${guests} MiB + dom0 ${dom0} MiB of ${facts.memory.hostTotalMiB} MiB`, 'give them less memory, or start fewer at boot (remove links in /etc/xen/auto)')
      }
      return pass(`${guests} MiB for ${started.length} guest(s) + dom0 ${dom0} MiB of ${facts.memory.hostTotalMiB} MiB`)
    },
  },
]

function isWildcard(listen: string | null): boolean {
  return listen === '0.0.0.0' || listen === '::' || listen === '[::]'
}

/** HAP for HVM guests: the CPU's EPT/NPT flags outside Xen; in a dom0 only xl info knows (null). */
function hapAvailable(facts: Facts): boolean | null {
  if (facts.cpu.isDom0View) return facts.xen.capabilities.some((cap) => cap.startsWith('hvm')) ? null : false
  return facts.cpu.slat !== null
}

/** dom0's fixed size from the Xen boot entry, else what init would give it. */
function dom0Size(facts: Facts): number {
  const fixed = xenEntry(facts.boot)?.dom0Mem
  return (fixed ? dom0MemMiB(fixed) : null) ?? facts.memory.recommendedDom0MiB ?? 1024
}
