import {type Check, fail, pass, skip, warn} from '../check.js'
import {xenEntry} from '../../facts/boot.js'

export const memoryChecks: Check[] = [
  {
    id: 'memory.host',
    category: 'memory',
    title: 'Enough memory for dom0 and guests',
    explain: `dom0 needs 1 GiB or more, every HVM guest also a QEMU process in dom0, and guests their own memory.
Below 2 GiB a dom0 has nothing left for guests; below 4 GiB very little. In a running dom0 /proc/meminfo shows only
dom0's share, so the host total is not visible without xl.`,
    run: ({facts}) => {
      const memory = facts.memory
      if (memory.totalMiB === 0) return skip('no /proc/meminfo to read')
      if (memory.isDom0View) return skip(`dom0 has ${memory.totalMiB} MiB; the host total needs \`xl info\``)
      const mib = memory.hostTotalMiB ?? memory.totalMiB
      if (mib < 2048) return fail(`${mib} MiB of RAM: too little for dom0 and guests`, 'add memory (4 GiB or more)')
      if (mib < 4096) return warn(`${mib} MiB of RAM: little room for guests`, 'add memory')
      return pass(`${mib} MiB; recommended dom0_mem=${memory.recommendedDom0Mem}`)
    },
  },
  {
    id: 'memory.autoballoon',
    category: 'memory',
    title: 'xl autoballoon consistent with dom0_mem',
    dependsOn: ['xen.installed'],
    explain: `With a fixed dom0_mem, xl must not balloon dom0 down to make room for guests (autoballoon="on" shrinks dom0
below its boot size). "auto" turns ballooning off when dom0_mem is on Xen's command line; xensetup writes "off"
explicitly. Without dom0_mem, autoballoon "off" makes guests fail with "failed to free memory for the domain".`,
    run: ({facts}) => {
      const setting = facts.xen.autoballoon ?? 'auto'
      const fixed = Boolean(xenEntry(facts.boot)?.dom0Mem)
      if (fixed && setting === 'on') return warn('autoballoon="on" with a fixed dom0_mem: dom0 will be shrunk', 'xensetup init --only xenfs   # sets autoballoon="off"')
      if (!fixed && setting === 'off') return warn('autoballoon="off" without dom0_mem: guests may fail with "failed to free memory"', 'xensetup init --only boot')
      return pass(`autoballoon=${setting}${fixed ? ' with a fixed dom0_mem' : ''}`)
    },
  },
]

export const networkChecks: Check[] = [
  {
    id: 'network.bridge',
    category: 'network',
    title: 'Guest bridge exists',
    explain: `Guests' vifs are plugged into a bridge (vif.default.bridge in /etc/xen/xl.conf, xenbr0 by default, or
bridge= in a guest config) by the vif-bridge hotplug script. A missing bridge fails "xl create" with "Could not find
bridge device xenbr0" / "unable to add nic devices". xensetup init builds xenbr0 over the uplink, keeping its MAC.`,
    run: ({facts}) => {
      const bridges = facts.network.bridges
      const wanted = new Set([facts.xen.defaultBridge, ...facts.xen.guestConfigs.flatMap((g) => g.bridges)])
      const missing = [...wanted].filter((name) => !bridges.includes(name))
      const usedByGuests = missing.filter((name) => facts.xen.guestConfigs.some((g) => g.bridges.includes(name)))
      if (usedByGuests.length > 0) return fail(`guest configs use missing bridge(s): ${usedByGuests.join(', ')}`, 'xensetup init --only bridge')
      if (missing.length > 0) return warn(`bridge ${missing.join(', ')} does not exist yet (no guest uses it)`, 'xensetup init --only bridge')
      const ports = facts.network.interfaces.find((i) => i.name === facts.xen.defaultBridge)?.ports ?? []
      return pass(`${facts.xen.defaultBridge}${ports.length ? ` (ports: ${ports.join(', ')})` : ''}`)
    },
  },
  {
    id: 'network.next_boot',
    category: 'network',
    title: 'The bridge comes back at the next boot',
    dependsOn: ['network.bridge'],
    explain: `A bridge made by hand (ip link, brctl) or by a live change whose configuration was never written works until the
next reboot, and then the guests lose their network, or the host its address. The running bridge, its NIC port and
its MAC are compared with what the network stack's own files (ifupdown, netplan, systemd-networkd, NetworkManager)
will bring up: doctor plans the bridge step for that NIC as \`xensetup init --only bridge\` would, and any file it
would write is a difference. A bridge configured by hand in another correct form warns too: the check cannot tell
every form apart, so it says what init would rewrite. The bridge must also carry its NIC's MAC, or DHCP hands it
another address.`,
    run: ({bridgeNextBoot: found}) => {
      if (!found) return skip('no running bridge with one NIC port to compare with the configuration')
      const {bridge, uplink, stack} = found
      if (found.unjudged) return warn(`${bridge} over ${uplink} runs now, but whether it comes back cannot be told: ${found.unjudged}`, null)
      if (found.differs.length > 0) {
        return warn(`${bridge} over ${uplink} runs now, but the ${stack} configuration is not what init writes for it (init would rewrite ${found.differs.join(', ')}): it may not bring ${bridge} back at the next boot`, 'xensetup init --only bridge --dry-run   # shows the difference; without --dry-run it writes it')
      }
      if (found.mac !== null && found.uplinkMac !== null && found.mac.toLowerCase() !== found.uplinkMac.toLowerCase()) {
        return warn(`${bridge} runs with MAC ${found.mac}, not its port ${uplink}'s ${found.uplinkMac}, which the configuration gives it at the next boot: the DHCP lease may change then`, `ip link set dev ${bridge} address ${found.uplinkMac}`)
      }
      return pass(`the ${stack} configuration brings ${bridge} back over ${uplink} with its MAC`)
    },
  },
]
