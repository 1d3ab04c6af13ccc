import {type Check, fail, pass, skip, warn} from '../check.js'

export const hostChecks: Check[] = [
  {
    id: 'host.distro',
    category: 'host',
    title: 'Distribution supported by xensetup init',
    explain: `xensetup init knows the packages, boot integration and services of Debian 12/13, Ubuntu 22.04/24.04,
Fedora, openSUSE, Arch, Alpine and Gentoo. RHEL 8 and later (and Rocky, Alma, CentOS Stream) have no maintained
Xen packages and kernels built for dom0, so init refuses there. doctor still runs its checks on any distribution.`,
    run: ({facts}) =>
      facts.distro.supported
        ? pass(`${facts.distro.prettyName || facts.distro.id}`)
        : warn(`${facts.distro.prettyName || facts.distro.id}: ${facts.distro.supportNote}`, 'use Debian 12 or 13 for a supported dom0'),
  },
  {
    id: 'host.nested',
    category: 'host',
    title: 'Bare metal, or a VM that exposes virtualization',
    explain: `This kernel runs as a guest of another hypervisor (KVM, VMware, Hyper-V, a cloud). Xen can still run
nested: PV guests work without help, but HVM and PVH guests need the outer hypervisor to expose VT-x/AMD-V and
EPT/NPT to this VM (KVM: the kvm_intel/kvm_amd "nested=1" parameter and a host-passthrough CPU; VMware: "Expose
hardware assisted virtualization"; Hyper-V: Set-VMProcessor -ExposeVirtualizationExtensions $true). A Xen dom0
also shows the "hypervisor" CPU flag, which is not counted here.`,
    run: ({facts}) => {
      const cpu = facts.cpu
      if (!cpu.underHypervisor) return pass(facts.xen.dom0 ? 'Xen dom0 (the hypervisor flag is Xen\'s own)' : 'bare metal')
      const who = cpu.hypervisorVendor ?? 'another hypervisor'
      return cpu.virtualization
        ? warn(`guest of ${who}, which exposes ${cpu.virtualization}: nested Xen is experimental`)
        : warn(`guest of ${who} without VT-x/AMD-V exposed: only PV guests will run`, `expose nested virtualization in the outer hypervisor (${who}), or use bare metal`)
    },
  },
  {
    id: 'host.kernel_dom0',
    category: 'host',
    title: 'Kernel built to run as dom0',
    explain: `GRUB's 20_linux_xen only offers kernels whose /boot/config-<version> has CONFIG_XEN_DOM0=y: without it
there is no Xen menu entry at all, and "Xen installed but nothing changed" follows. Distribution kernels (Debian's
linux-image-amd64, Ubuntu's generic, Fedora's kernel) have it; cloud and minimal flavours may not.`,
    run: ({facts}) => {
      const kernel = facts.kernel
      if (kernel.dom0Capable === null) return skip(`no kernel config found for ${kernel.release ?? 'the running kernel'}`)
      return kernel.dom0Capable
        ? pass(`${kernel.release}: CONFIG_XEN_DOM0=y`)
        : fail(`${kernel.release} is built without CONFIG_XEN_DOM0`, 'install the distribution\'s full kernel (Debian: apt-get install linux-image-amd64)')
    },
  },
  {
    id: 'host.xensetup_run',
    category: 'host',
    title: 'No xensetup run in progress or left half done',
    explain: `xensetup init holds a lock in /var/lib/xensetup/lock while it changes the machine (one run per target).
A run that was killed (kill -9, a lost machine) leaves that lock behind, and perhaps /usr/sbin/policy-rc.d, which
it writes so that package scripts do not start daemons inside a --root tree: while it is there, package upgrades
never restart services. Commands run inside --root in their own mount namespace, so a killed run leaves no mounts.
The next \`xensetup init\` takes over a stale lock and removes what that run left, and says so.`,
    run: ({facts}) => {
      const {lock, holderAlive, leftovers} = facts.run
      if (!lock) return pass('no run holds the lock')
      const who = `${lock.command} (pid ${lock.pid}, started ${lock.startedAt})`
      if (holderAlive) return warn(`a run is in progress: ${who}`, 'wait for it to finish before changing this machine')
      return warn(
        `a killed run left its lock${leftovers.length > 0 ? ` and ${leftovers.join(', ')}` : ''}: ${who}`,
        'run `xensetup init` again: it takes the lock over and removes what that run left',
      )
    },
  },
]
