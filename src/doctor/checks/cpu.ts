import {type Check, fail, pass, skip, warn} from '../check.js'

const DOM0_HIDES_FLAGS = 'a dom0 does not see VT-x/AMD-V flags; Xen itself reports them (xl info virt_caps)'

export const cpuChecks: Check[] = [
  {
    id: 'cpu.long_mode',
    category: 'cpu',
    title: '64-bit CPU',
    explain: `Xen on x86 runs only on 64-bit (x86-64, "lm" flag) CPUs since Xen 4.3. A 32-bit-only CPU cannot run Xen
at all; there is no workaround but other hardware.`,
    run: ({facts}) => (facts.cpu.threads === 0 ? skip('no /proc/cpuinfo to read') : facts.cpu.longMode ? pass('x86-64 (lm)') : fail('no "lm" flag: this CPU is 32-bit only and cannot run Xen', 'use a 64-bit CPU')),
  },
  {
    id: 'cpu.virtualization',
    category: 'cpu',
    title: 'Hardware virtualization (VT-x / AMD-V)',
    dependsOn: ['cpu.long_mode'],
    explain: `HVM and PVH guests need Intel VT-x (vmx) or AMD-V (svm). Without them Xen still runs, and PV guests
work, so this is a warning. Modern kernels clear the flag when firmware disabled VT, so "no vmx" may mean "disabled
in the BIOS/UEFI setup": enable "Intel Virtualization Technology" or "SVM Mode" there and power the machine fully
off (the lock bit survives a warm reboot).`,
    run: ({facts, state}) => {
      const cpu = facts.cpu
      if (state === 'dom0') {
        const hvm = facts.xen.capabilities.some((c) => c.startsWith('hvm-'))
        return hvm ? pass(`Xen reports HVM (${facts.xen.capabilities.join(' ')})`) : warn('Xen reports no HVM capability: only PV guests will run', 'enable VT-x/AMD-V in firmware, then power-cycle')
      }
      if (cpu.virtualization) return pass(`${cpu.vendor === 'amd' ? 'AMD-V' : 'VT-x'} (${cpu.virtualization})`)
      if (cpu.vtDisabledByFirmware) return warn('VT-x/AMD-V is present but disabled by the firmware', 'enable it in the BIOS/UEFI setup, then power the machine off and on')
      return warn('no vmx/svm flag: HVM and PVH guests are impossible, PV guests still work', 'enable VT-x/AMD-V in firmware (or expose it to this VM), then power-cycle')
    },
  },
  {
    id: 'cpu.slat',
    category: 'cpu',
    title: 'Second-level address translation (EPT / NPT)',
    dependsOn: ['cpu.virtualization'],
    explain: `Hardware-assisted paging (Intel EPT, AMD NPT; Xen calls it HAP) makes HVM guests fast. Without it Xen
falls back to shadow paging: slower, and not security-supported for HVM. Nested HVM (hap=1 nestedhvm=1 in a guest
config) requires it: there "xl create" fails with only "cannot make domain: -3" (libxl hides the reason in release
builds) when the CPU, or the outer hypervisor, does not provide EPT/NPT. Newer kernels list EPT only on the
"vmx flags" line of /proc/cpuinfo; xensetup reads both.`,
    run: ({facts, state}) => {
      if (state === 'dom0') return skip(DOM0_HIDES_FLAGS)
      const cpu = facts.cpu
      if (cpu.slat) return pass(cpu.slat.toUpperCase())
      return warn(
        `no ${cpu.vendor === 'amd' ? 'NPT' : 'EPT'}: HVM guests use shadow paging (slow) and nested HVM is impossible ("cannot make domain: -3")`,
        cpu.underHypervisor ? 'expose EPT/NPT from the outer hypervisor (host-passthrough CPU)' : 'use a CPU with EPT/NPT for HVM guests',
      )
    },
  },
  {
    id: 'cpu.iommu',
    category: 'cpu',
    title: 'IOMMU (VT-d / AMD-Vi)',
    explain: `An IOMMU is needed for PCI passthrough, a PVH dom0 and DMA isolation of driver domains. Xen enables it
with its own iommu= option: Linux's intel_iommu=on advice is for KVM and does not apply. Without it, everything
else works.`,
    run: ({facts, state}) => {
      if (facts.cpu.iommu) return pass(facts.cpu.iommu === 'vt-d' ? 'Intel VT-d (ACPI DMAR)' : 'AMD-Vi (ACPI IVRS)')
      if (state === 'dom0') return skip('in a dom0 the IOMMU belongs to Xen: see xl dmesg "I/O virtualisation"')
      return warn('no IOMMU visible: PCI passthrough and PVH dom0 are unavailable', 'enable VT-d / AMD-Vi ("IOMMU") in the firmware setup')
    },
  },
]
